"""Merging several findings' proposals for one TXT record into one record (for the fix plan).

Each finding proposes a whole replacement record that fixes only its own problem; publishing two
of them would leave the domain with two SPF (or DMARC) records. These functions apply every
proposal's changes (relative to the record in force) to that record at once. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

from mailaudit.dkim.record import looks_like_dkim
from mailaudit.dmarc.record import is_dmarc, parse_dmarc, split_tags
from mailaudit.spf.record import is_spf_record

_STRICTNESS = MappingProxyType({"-": 3, "~": 2, "?": 1, "+": 0})


def is_dkim(value: str) -> bool:
    name, eq, version = value.split(";", 1)[0].partition("=")
    return bool(eq) and name.strip().lower() == "v" and version.strip().upper() == "DKIM1"


def kind_of(rtype: str, value: str, name: str = "") -> str:
    """'spf', 'dmarc', 'dkim' or '' (a record that is never merged). At a ``._domainkey.``
    owner a key record without ``v=`` (only ``p=``...) is a DKIM record too."""
    if rtype.upper() != "TXT":
        return ""
    if is_spf_record(value):
        return "spf"
    if is_dmarc(value):
        return "dmarc"
    if is_dkim(value):
        return "dkim"
    return "dkim" if "._domainkey." in f".{name.lower()}" and looks_like_dkim(value) else ""


def merge(kind: str, base: str | None, proposals: Sequence[str]) -> str:
    """One record applying every proposal's change to ``base`` (the record in force, if any)."""
    if not proposals:
        return base or ""
    if len(proposals) == 1 and base is None:
        return proposals[0]
    if kind == "dmarc":
        return merge_dmarc(base or proposals[0], proposals)
    if kind == "dkim":
        return merge_tags(base or proposals[0], proposals)
    return merge_spf(base or proposals[0], proposals)


def merge_dmarc(base: str, proposals: Sequence[str]) -> str:
    record = parse_dmarc(base)
    changes: dict[str, str | None] = {}
    for text in proposals:
        proposed = parse_dmarc(text)
        names = {name for name, _ in proposed.tags}
        for name, value in proposed.tags:
            if record.tag(name) != value:
                changes[name] = value
        for name, _ in record.tags:
            if name not in names:
                changes[name] = None
    return record.with_tags(**changes)


def merge_tags(base: str, proposals: Sequence[str]) -> str:
    """A tag=value list (DKIM key record) with every proposal's changed, added or dropped tags
    (tag names case-sensitive, RFC 6376 section 3.2)."""
    pairs, _ = split_tags(base, fold_case=False)
    changes: dict[str, str | None] = {}
    for text in proposals:
        proposed, _ = split_tags(text, fold_case=False)
        names = {name for name, _ in proposed}
        changes.update((name, value) for name, value in proposed if (name, value) not in pairs)
        changes.update((name, None) for name, _ in pairs if name not in names)
    kept = [(name, changes.get(name, value)) for name, value in pairs]
    added = [(name, value) for name, value in changes.items() if value is not None and name not in dict(pairs)]
    return "; ".join(f"{name}={value}" for name, value in [*kept, *added] if value is not None)


def _qualified_all(term: str) -> str | None:
    """The qualifier of an ``all`` term ('+' when omitted), else None."""
    low = term.lower()
    if low == "all":
        return "+"
    if len(low) == 4 and low[0] in _STRICTNESS and low[1:] == "all":
        return low[0]
    return None


def merge_spf(base: str, proposals: Sequence[str]) -> str:
    """Every proposal's removed and added terms; an added term keeps its place before the term
    that follows it in its proposal (``ip4:x`` before a ``-ip4:`` that would still fail x)."""
    terms = base.split()[1:]
    removed: list[str] = []
    added: list[str] = []
    for text in proposals:
        proposed = text.split()[1:]
        removed.extend(t for t in terms if t not in proposed and t not in removed)
        added.extend(t for t in proposed if t not in terms and t not in added)
    kept = [t for t in terms if t not in removed]
    new_alls = [t for t in added if _qualified_all(t) is not None]
    old_alls = [t for t in kept if _qualified_all(t) is not None]
    final_all = max(new_alls, key=lambda t: _STRICTNESS[_qualified_all(t) or "+"]) if new_alls else None
    final_all = final_all or (old_alls[0] if old_alls else None)
    ordered = _placed(kept, [t for t in added if _qualified_all(t) is None], proposals)
    middle = [t for t in ordered if _qualified_all(t) is None and not _is_redirect(t)]
    redirect = [t for t in [*kept, *added] if _is_redirect(t)][:1]
    return " ".join(["v=spf1", *middle, *([final_all] if final_all else redirect)])


def _is_redirect(term: str) -> bool:
    return term.lower().startswith("redirect=")


def _placed(kept: list[str], added: list[str], proposals: Sequence[str]) -> list[str]:
    """``kept`` with each ``added`` term inserted before the kept term that follows it in the
    proposal that added it (at the end when none follows)."""
    out = list(kept)
    for term in added:
        proposal = next((p.split()[1:] for p in proposals if term in p.split()[1:]), [])
        after = proposal[proposal.index(term) + 1 :] if term in proposal else []
        anchor = next((t for t in after if t in out and _qualified_all(t) is None), None)
        out.insert(out.index(anchor) if anchor is not None else len(out), term)
    return out
