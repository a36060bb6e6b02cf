"""A what-if DNS view: the answers of a resolver with some records removed and others added.

``overlay_resolver(base, remove, publish)`` returns a new ``Resolver`` whose only source is an
``Overlay`` transport: a question about an edited (name, type) is answered from the edited
record set; every other question goes to ``base`` (live DNS, ``--zone`` files or ``--offline``,
with its cache), so the overlay sees exactly what the audit saw, plus the plan's changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT

from mailaudit.dnscore.answer import Answer, Outcome
from mailaudit.dnscore.resolver import Resolver
from mailaudit.dnscore.zonefile import ZoneSet
from mailaudit.dnssec.model import Fetched
from mailaudit.model import DnsRecord

Key = tuple[dns.name.Name, int]
_IN = dns.rdataclass.IN


class OverlayError(ValueError):
    """A record of the plan that DNS cannot hold (bad owner name or value)."""


def to_rdata(record: DnsRecord) -> dns.rdata.Rdata:
    """The record's value as rdata; TXT split into strings of at most 255 bytes."""
    rdtype = dns.rdatatype.from_text(record.type)
    try:
        if rdtype == dns.rdatatype.TXT:
            raw = record.value.encode()
            chunks = [raw[i : i + 255] for i in range(0, len(raw), 255)] or [b""]
            return dns.rdtypes.ANY.TXT.TXT(_IN, rdtype, chunks)
        return dns.rdata.from_text(_IN, rdtype, record.value, origin=dns.name.root)
    except (dns.exception.DNSException, ValueError) as err:
        raise OverlayError(f"{record.name} {record.type} {record.value[:80]!r}: {err}") from None


def owner(record: DnsRecord) -> dns.name.Name:
    try:
        return dns.name.from_text(record.name)
    except (dns.exception.DNSException, ValueError, UnicodeError) as err:
        raise OverlayError(f"{record.name[:80]}: {err}") from None


def same(a: dns.rdata.Rdata, b: dns.rdata.Rdata) -> bool:
    """Equal records; TXT compared by their joined text (the split into strings is not data)."""
    if a.rdtype == dns.rdatatype.TXT and b.rdtype == dns.rdatatype.TXT:
        return bool(b"".join(a.strings) == b"".join(b.strings))  # type: ignore[attr-defined]
    return a.rdtype == b.rdtype and a.to_text(origin=dns.name.root).lower() == b.to_text(origin=dns.name.root).lower()


class Overlay:
    """A ``Transport``: edited record sets first, then the base resolver."""

    def __init__(self, base: Resolver, edits: Mapping[Key, tuple[dns.rdata.Rdata, ...]]) -> None:
        self.base = base
        self.edits = dict(edits)
        self._filled = [name for (name, _), rdatas in self.edits.items() if rdatas]

    async def aclose(self) -> None:
        """Nothing to close: the base resolver owns its sockets and outlives the overlay."""

    async def lookup_signed(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Fetched:
        """DNSSEC questions go to the base resolver: the plan's records are not signed, so the
        chain of trust the re-audit judges is the published one (a plan changes no DNSSEC state)."""
        return await self.base.query_signed(name, rdtype)

    def _exists_below(self, name: dns.name.Name) -> bool:
        return any(n.is_subdomain(name) for n in self._filled)

    async def lookup(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Answer:
        rdatas = self.edits.get((name, int(rdtype)))
        if rdatas:
            return Answer(name, rdtype, Outcome.ANSWER, rdatas)
        answer = await self.base.query(name, rdtype)
        if rdatas is not None and answer.ok:  # every record of the type removed
            gone = Outcome.NXDOMAIN if answer.outcome is Outcome.NXDOMAIN else Outcome.NODATA
            return Answer(name, rdtype, gone)
        if answer.outcome is Outcome.NXDOMAIN and self._exists_below(name):
            return Answer(name, rdtype, Outcome.NODATA, cnames=answer.cnames)
        return answer


Change = tuple[DnsRecord, bool]  # (record, True to publish / False to remove)


def changes_of(remove: Iterable[DnsRecord], publish: Iterable[DnsRecord]) -> list[Change]:
    return [(r, False) for r in remove] + [(r, True) for r in publish]


async def edits_for(base: Resolver, changes: Iterable[Change]) -> dict[Key, tuple[dns.rdata.Rdata, ...]]:
    """The record sets after applying ``changes`` in order to what ``base`` answers. Raises
    ``OverlayError`` for a record DNS cannot hold."""
    sets: dict[Key, list[dns.rdata.Rdata]] = {}
    for record, add in changes:
        key = (owner(record), int(dns.rdatatype.from_text(record.type)))
        if key not in sets:
            answer = await base.query(key[0], key[1])
            sets[key] = list(answer.rdatas) if answer.outcome is Outcome.ANSWER and not answer.cnames else []
        rdata = to_rdata(record)
        kept = [r for r in sets[key] if not same(r, rdata)]
        sets[key] = [*kept, rdata] if add else kept
    return {key: tuple(rdatas) for key, rdatas in sets.items()}


class OverlayResolver(Resolver):
    """A resolver whose every answer comes from an ``Overlay`` over ``base`` (its own cache and
    counters), and which says what ``base`` says about ``offline`` and the ``--zone`` files, so
    checks that skip what cannot be verified offline (blocklists, reverse DNS) do the same."""

    def __init__(self, base: Resolver, edits: Mapping[Key, tuple[dns.rdata.Rdata, ...]]) -> None:
        self._overlay = Overlay(base, edits)
        super().__init__(zones=ZoneSet(), transport=self._overlay, self_check=False)
        self.zones = base.zones
        self.offline = base.offline

    async def _resolve(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Answer:
        self.stats.sent += 1
        return await self._overlay.lookup(name, rdtype)


def overlay_resolver(base: Resolver, edits: Mapping[Key, tuple[dns.rdata.Rdata, ...]]) -> Resolver:
    return OverlayResolver(base, edits)
