"""Adding a sender to an SPF record without breaking it: one merged record, within 10 DNS lookups
(RFC 7208 section 4.6.4), nothing flattened, and every term the plan drops named with its reason.

Pure functions of ``SpfFacts``; the lookup cost of each term (its whole include subtree) comes
from the caller's tree walk.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailaudit.plan.facts import SpfFacts, SpfTerm

LIMIT = 10


@dataclass(frozen=True, slots=True)
class Drop:
    term: str
    reason: str  # ptr | duplicate | redundant | inbound_mx
    saves: int


@dataclass(frozen=True, slots=True)
class Merge:
    terms: tuple[SpfTerm, ...]  # the merged record's terms (after v=spf1)
    drops: tuple[Drop, ...] = ()
    over: bool = False  # still above the limit: publish nothing, a person decides what to drop
    unchanged: bool = False  # the record already has every wanted term

    @property
    def lookups(self) -> int:
        return sum(t.lookups for t in self.terms)

    @property
    def record(self) -> str:
        return " ".join(("v=spf1", *(t.text for t in self.terms)))


def insert(terms: tuple[SpfTerm, ...], new: SpfTerm) -> tuple[SpfTerm, ...]:
    """``new`` placed before the ``all`` (or the first modifier, e.g. ``redirect=``)."""
    for i, term in enumerate(terms):
        if term.is_all or term.is_modifier:
            return (*terms[:i], new, *terms[i:])
    return (*terms, new)


def replace(terms: tuple[SpfTerm, ...], old: str, new: tuple[SpfTerm, ...]) -> tuple[SpfTerm, ...]:
    out: list[SpfTerm] = []
    for term in terms:
        out.extend(new if term.text == old else (term,))
    return tuple(out)


def add_include(spf: SpfFacts, include: str, cost: int, inbound_mx: bool = False) -> Merge:
    """The record with ``include:<include>`` added; over the limit, the safe drops first.

    Safe drops, in order: ``ptr`` (deprecated, RFC 7208 5.5: slow and unreliable), a term that
    appears twice, and ``mx`` when every MX host is a filtering service that only receives
    (``inbound_mx``): it authorises no sender of the domain. Anything else is a person's call:
    the merge reports ``over`` and publishes nothing.
    """
    if spf.includes(include):
        return Merge(spf.terms, unchanged=True)
    terms = insert(spf.terms, SpfTerm(f"include:{include}", cost))
    drops: list[Drop] = []
    for reason, candidate in _candidates(terms, inbound_mx):
        if sum(t.lookups for t in terms) <= LIMIT:
            break
        dropped = terms[candidate]
        terms = (*terms[:candidate], *terms[candidate + 1 :])
        drops.append(Drop(dropped.text, reason, dropped.lookups))
    total = sum(t.lookups for t in terms)
    return Merge(terms, tuple(drops), over=total > LIMIT)


def _candidates(terms: tuple[SpfTerm, ...], inbound_mx: bool) -> list[tuple[str, int]]:
    """(reason, index) of droppable terms, highest index first so earlier indexes stay valid."""
    found: list[tuple[str, int]] = []
    seen: set[str] = set()
    for i, term in enumerate(terms):
        text = term.text.lower().lstrip("+")
        if term.lookups and text in seen:
            found.append(("duplicate", i))
        elif term.mechanism == "ptr":
            found.append(("ptr", i))
        elif inbound_mx and term.mechanism == "mx" and not term.argument and term.text[0] not in "-~?":
            found.append(("inbound_mx", i))
        seen.add(text)
    order = {"ptr": 0, "duplicate": 1, "inbound_mx": 2}
    found.sort(key=lambda item: (order[item[0]], -item[1]))
    return _stable_indexes(found)


def _stable_indexes(found: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Indexes shifted for the drops before them, so each refers to the list as it is then."""
    out: list[tuple[str, int]] = []
    removed: list[int] = []
    for reason, index in found:
        out.append((reason, index - sum(1 for r in removed if r < index)))
        removed.append(index)
    return out


def costly(terms: tuple[SpfTerm, ...]) -> tuple[SpfTerm, ...]:
    """The lookup-costing terms, most expensive first: what a person chooses from when over."""
    return tuple(sorted((t for t in terms if t.lookups), key=lambda t: -t.lookups))
