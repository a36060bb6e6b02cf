"""DMARC policy records (RFC 7489 and RFC 9989 "DMARCbis"): a pure parser, no I/O.

``parse_dmarc(text)`` reads one TXT string into a ``DmarcRecord``: every tag with its RFC 9989
default, the legacy RFC 7489 tags (``pct``, ``rf``, ``ri``), unknown tags (ignored, as RFC 9989
section 4.7 says, but listed) and the report URIs with their optional ``!size`` suffix. Problems
are collected as sentences, never raised, so hostile text cannot crash a caller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeVar

import dns.exception
import dns.name

from mailaudit.spf.record import is_spf_record

POLICIES = ("none", "quarantine", "reject")
STRENGTH = MappingProxyType({"none": 0, "quarantine": 1, "reject": 2})
LEGACY_TAGS = ("pct", "rf", "ri")  # RFC 7489 tags that RFC 9989 removed
KNOWN_TAGS = frozenset({"v", "p", "sp", "np", "psd", "t", "adkim", "aspf", "fo", "rua", "ruf", *LEGACY_TAGS})
_CHOICES = MappingProxyType({
    "p": POLICIES,
    "sp": POLICIES,
    "np": POLICIES,
    "psd": ("y", "n", "u"),
    "t": ("y", "n"),
    "adkim": ("r", "s"),
    "aspf": ("r", "s"),
})
_FO = ("0", "1", "d", "s")
_SIZE_UNITS = ("k", "m", "g", "t")
_MAX_TAGS = 4096  # a TXT record holds at most ~64 KB; this only bounds hostile input
_MAX_URIS = 64
_DOWNGRADE = MappingProxyType({"reject": "quarantine", "quarantine": "none", "none": "none"})
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ReportUri:
    """One ``rua``/``ruf`` entry: ``mailto:user@host`` with an optional ``!size`` limit."""

    text: str  # as written
    scheme: str
    address: str  # user@host for mailto (no query part), else the rest of the URI
    host: str | None  # the destination domain of a mailto URI, lower case, no trailing dot
    size: str | None  # the !size suffix as written (without the "!"), if any
    problem: str | None = None  # None when usable, else "scheme" | "size" | "malformed"

    @property
    def usable(self) -> bool:
        return self.problem is None


@dataclass(frozen=True, slots=True)
class DmarcRecord:
    text: str
    tags: tuple[tuple[str, str], ...]  # (name lower case, value stripped), in order
    p: str | None = None  # each policy tag as published when valid, else None
    sp: str | None = None
    np: str | None = None
    psd: str = "u"
    testing: bool = False  # t=y
    adkim: str = "r"
    aspf: str = "r"
    fo: tuple[str, ...] = ("0",)
    rua: tuple[ReportUri, ...] = ()
    ruf: tuple[ReportUri, ...] = ()
    pct: int | None = None  # legacy: None when absent (RFC 7489 default 100)
    errors: tuple[str, ...] = ()  # syntax problems, one sentence each
    unknown: tuple[str, ...] = ()  # unknown tag names (ignored)
    invalid: tuple[str, ...] = ()  # tags whose value is not allowed (each also has an error)

    @property
    def repairable(self) -> bool:
        """Every error is a bad value of a tag other than ``p``: dropping those tags fixes it."""
        return bool(self.invalid) and len(self.errors) == len(self.invalid) and "p" not in self.invalid

    @property
    def policies_valid(self) -> bool:
        """RFC 9989 section 4.10.1: a valid ``p`` and no invalid ``sp`` or ``np``."""
        return self.p is not None and not {"p", "sp", "np"} & set(self.invalid)

    @property
    def fallback(self) -> str | None:
        """What a receiver applies to a record without valid policies (RFC 9989 section 4.10.1):
        ``none`` when a usable ``rua`` is present, else None (no DMARC processing at all)."""
        return "none" if any(u.usable for u in self.rua) else None

    @property
    def policy(self) -> str | None:
        """The domain policy a receiver applies (before ``t=y``): ``p``, or the fallback."""
        return self.p if self.policies_valid else self.fallback

    @property
    def subdomain_policy(self) -> str | None:
        return (self.sp or self.p) if self.policies_valid else self.fallback

    @property
    def nonexistent_policy(self) -> str | None:
        """RFC 9989 ``np``: for subdomains that do not exist; defaults to ``sp``, then ``p``."""
        return (self.np or self.sp or self.p) if self.policies_valid else self.fallback

    def effective(self, policy: str | None) -> str | None:
        """``policy`` as a receiver applies it: ``t=y`` lowers it one step (RFC 9989 section 4.7)."""
        if policy is None or not self.testing:
            return policy
        return _DOWNGRADE.get(policy, policy)

    @property
    def legacy(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.tags if name in LEGACY_TAGS)

    def tag(self, name: str) -> str | None:
        return next((value for tag, value in self.tags if tag == name), None)

    def with_tags(self, **changes: str | None) -> str:
        """The record text with tags changed (``None`` removes one); new tags follow ``p``."""
        out = [(name, changes.get(name, value)) for name, value in self.tags]
        kept = [(name, value) for name, value in out if value is not None]
        at = max((i + 1 for i, (name, _) in enumerate(kept) if name in ("v", "p")), default=0)
        had = {name for name, _ in self.tags}
        added = [(name, value) for name, value in changes.items() if value is not None and name not in had]
        kept[at:at] = added
        return "; ".join(f"{name}={value}" for name, value in kept)


def is_dmarc(text: str) -> bool:
    """True when the TXT string starts with the ``v=DMARC1`` tag (RFC 9989 section 4.7): nothing
    before ``v``, the value exactly ``DMARC1`` (case-sensitive); other records are discarded."""
    name, eq, rest = text.partition("=")
    if not eq or name.rstrip(" \t").lower() != "v" or name[:1] not in ("v", "V"):
        return False
    value = rest.lstrip(" \t")
    return value.startswith("DMARC1") and value[6:7] in ("", ";", " ", "\t")


def looks_like_dmarc(text: str) -> bool:
    """A record meant as DMARC that receivers discard: leading blanks, ``v=dmarc1``..."""
    if is_dmarc(text):
        return False
    first = text.strip(" \t\r\n").split(";", 1)[0]
    name, eq, value = first.partition("=")
    return bool(eq) and name.strip().lower() == "v" and value.strip().upper() == "DMARC1"


def looks_like_spf(text: str) -> bool:
    """An SPF record (``v=spf1 ...``) misplaced at ``_dmarc``; leading blanks tolerated."""
    return is_spf_record(text.strip())


def split_tags(text: str, fold_case: bool = True) -> tuple[list[tuple[str, str]], list[str]]:
    """``name=value`` pairs separated by ``;`` (RFC 7489 section 6.4); problems as sentences.

    ``fold_case``: tag names lower-cased (DMARC); DKIM tag names are case-sensitive (RFC 6376
    section 3.2), so its parser passes False. Every tag is read (a TXT record is at most ~64 KB);
    only beyond ``_MAX_TAGS`` pieces is the rest left unread, and that is an error."""
    pairs: list[tuple[str, str]] = []
    errors: list[str] = []
    seen: set[str] = set()
    pieces = [p.strip(" \t\r\n") for p in text.split(";")]
    pieces = [p for p in pieces if p]
    if len(pieces) > _MAX_TAGS:
        errors.append(f"too many tags ({len(pieces)}): only the first {_MAX_TAGS} were read")
    for piece in pieces[:_MAX_TAGS]:
        name, eq, value = piece.partition("=")
        name = name.strip(" \t\r\n")
        name = name.lower() if fold_case else name
        if not eq:
            errors.append(f"`{_clip(piece)}` is not a tag=value pair")
        elif not _valid_tag_name(name):
            errors.append(f"`{_clip(name)}` is not a valid tag name")
        elif name in seen:
            errors.append(f"tag `{name}` appears more than once")
        else:
            seen.add(name)
            pairs.append((name, value.strip(" \t\r\n")))
    return pairs, errors


def _valid_tag_name(name: str) -> bool:
    return bool(name) and name[0].isascii() and name[0].isalpha() and all(
        c.isascii() and (c.isalnum() or c == "_") for c in name
    )


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _choices(values: Mapping[str, str], errors: list[str], invalid: list[str]) -> dict[str, str]:
    """The tags with a fixed set of values (p, sp, np, adkim, aspf, t, psd), lower-cased; a value
    outside its set is an error and marks the tag invalid."""
    chosen: dict[str, str] = {}
    for name, options in _CHOICES.items():
        raw = values.get(name)
        if raw is None:
            continue
        if raw.lower() in options:
            chosen[name] = raw.lower()
        else:
            errors.append(f"`{name}={_clip(raw)}` is not valid (expected {' or '.join(options)})")
            invalid.append(name)
    return chosen


def parse_dmarc(text: str) -> DmarcRecord:
    pairs, errors = split_tags(text)
    values = dict(pairs)
    if not pairs or pairs[0][0] != "v" or pairs[0][1].upper() != "DMARC1":
        errors.insert(0, "the record must start with `v=DMARC1`")
    elif pairs[0][1] != "DMARC1":
        errors.append(f"the version must be written `DMARC1`, not `{_clip(pairs[0][1])}`")
    invalid: list[str] = []  # tags present with a value the RFCs do not allow
    chosen = _choices(values, errors, invalid)

    def checked(name: str, read: Callable[[], T]) -> T:
        before = len(errors)
        value = read()
        if len(errors) > before:
            invalid.append(name)
        return value

    fo = checked("fo", lambda: _fo(values.get("fo"), errors))
    rua = checked("rua", lambda: _uris(values.get("rua"), "rua", errors))
    ruf = checked("ruf", lambda: _uris(values.get("ruf"), "ruf", errors))
    pct = checked("pct", lambda: _number(values.get("pct"), "pct", 0, 100, errors))
    checked("ri", lambda: _number(values.get("ri"), "ri", 0, 2**32 - 1, errors))
    checked("rf", lambda: _rf(values.get("rf"), errors))
    return DmarcRecord(
        text=text,
        tags=tuple(pairs),
        p=chosen.get("p"),
        sp=chosen.get("sp"),
        np=chosen.get("np"),
        psd=chosen.get("psd", "u"),
        testing=chosen.get("t") == "y",
        adkim=chosen.get("adkim", "r"),
        aspf=chosen.get("aspf", "r"),
        fo=fo,
        rua=rua,
        ruf=ruf,
        pct=pct,
        errors=tuple(errors),
        unknown=tuple(name for name, _ in pairs if name not in KNOWN_TAGS),
        invalid=tuple(invalid),
    )



def _fo(raw: str | None, errors: list[str]) -> tuple[str, ...]:
    if raw is None:
        return ("0",)
    options = tuple(part.strip().lower() for part in raw.split(":"))
    bad = [o for o in options if o not in _FO]
    if bad:
        errors.append(f"`fo={_clip(raw)}` is not valid (expected 0, 1, d or s, separated by `:`)")
    return tuple(o for o in options if o in _FO) or ("0",)


def _number(raw: str | None, name: str, low: int, high: int, errors: list[str]) -> int | None:
    if raw is None:
        return None
    if raw.isascii() and raw.isdigit() and low <= int(raw) <= high:
        return int(raw)
    errors.append(f"`{name}={_clip(raw)}` is not a whole number from {low} to {high}")
    return None


def _rf(raw: str | None, errors: list[str]) -> None:
    if raw is not None and any(part.strip().lower() != "afrf" for part in raw.split(":")):
        errors.append(f"`rf={_clip(raw)}` is not valid (the only report format is afrf)")


def _uris(raw: str | None, name: str, errors: list[str]) -> tuple[ReportUri, ...]:
    if raw is None:
        return ()
    parts = [p.strip(" \t\r\n") for p in raw.split(",")]
    if not any(parts):
        errors.append(f"`{name}=` names no report address")
        return ()
    return tuple(parse_uri(p) for p in parts[:_MAX_URIS] if p)


def parse_uri(text: str) -> ReportUri:
    """``mailto:user@host[!size]``; ``size`` is digits with an optional k, m, g or t unit."""
    body, bang, size = text.rpartition("!") if "!" in text else (text, "", "")
    scheme, colon, rest = body.partition(":")
    scheme = scheme.strip().lower()
    if not colon or not scheme:
        return ReportUri(text, "", body, None, None, "malformed")
    size_text = size if bang else None
    if scheme != "mailto":
        return ReportUri(text, scheme, rest, None, size_text, "scheme")
    address = rest.split("?", 1)[0]
    host = _mail_host(address)
    if host is None:
        return ReportUri(text, scheme, address, None, size_text, "malformed")
    problem = None if size_text is None or _valid_size(size_text) else "size"
    return ReportUri(text, scheme, address, host, size_text, problem)


def _mail_host(address: str) -> str | None:
    local, at, host = address.rpartition("@")
    host = host.strip().rstrip(".").lower()
    if not at or not local or not host or "." not in host:
        return None
    try:
        dns.name.from_text(host)
    except (dns.exception.DNSException, UnicodeError, ValueError):
        return None
    if not all(c.isascii() and (c.isalnum() or c in "-.") for c in host):
        return None
    return host


def _valid_size(size: str) -> bool:
    digits = size[:-1] if size[-1:].lower() in _SIZE_UNITS else size
    return bool(digits) and digits.isascii() and digits.isdigit()


def weaker(a: str | None, b: str | None) -> bool:
    """True when policy ``a`` is weaker than policy ``b`` (no policy < none < quarantine < reject)."""
    return STRENGTH.get(a or "", -1) < STRENGTH.get(b or "", -1)
