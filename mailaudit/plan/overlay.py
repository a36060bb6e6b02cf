"""The runbook applied to DNS as an overlay: a ``Transport`` that answers the RRsets the plan
changes (as they would be after its last step) and asks the real resolver for everything else.
A resolver over it audits the domain as it would be once the plan is done.
"""

from __future__ import annotations

from collections.abc import Mapping

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype

from mailaudit.dnscore.answer import Answer, Outcome
from mailaudit.dnscore.resolver import Resolver
from mailaudit.plan.facts import owner
from mailaudit.plan.model import Runbook

Key = tuple[str, str]  # (owner with trailing dot, TYPE)


def _rdata(rtype: str, value: str) -> dns.rdata.Rdata:
    if rtype == "TXT":
        chunks = [value[i : i + 255] for i in range(0, len(value), 255)] or [""]
        value = " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)
    return dns.rdata.from_text(dns.rdataclass.IN, rtype, value, origin=dns.name.root, relativize=False)


def _present(rtype: str, rdata: dns.rdata.Rdata) -> str:
    if rtype == "TXT":
        return b"".join(getattr(rdata, "strings", ())).decode("utf-8", errors="replace")
    return str(rdata.to_text()).lower()


async def final_rrsets(book: Runbook, base: Resolver) -> dict[Key, tuple[dns.rdata.Rdata, ...]]:
    """Every RRset a step touches, as it is after the last step (read first, then replayed)."""
    touched = {(owner(r.name), r.type) for s in book.steps for r in (*s.remove, *s.publish)}
    state: dict[Key, list[str]] = {}
    for name, rtype in sorted(touched):
        answer = await base.query(name, rtype)
        state[(name, rtype)] = [_present(rtype, rd) for rd in answer.rdatas] if answer.ok else []
    for step in book.steps:
        for record in step.remove:
            values = state[(owner(record.name), record.type)]
            if record.value in values:
                values.remove(record.value)
        for record in step.publish:
            values = state[(owner(record.name), record.type)]
            if record.value not in values:
                values.append(record.value)
    out: dict[Key, tuple[dns.rdata.Rdata, ...]] = {}
    for key, values in state.items():
        rdatas = []
        for value in values:
            try:
                rdatas.append(_rdata(key[1], value))
            except (dns.exception.DNSException, ValueError):
                continue  # not a valid record: the audit after the overlay then sees it missing
        out[key] = tuple(rdatas)
    return out


class Overlay:
    """A Transport: the overlay's RRsets first, the base resolver for the rest."""

    def __init__(self, base: Resolver, rrsets: Mapping[Key, tuple[dns.rdata.Rdata, ...]]) -> None:
        self._base = base
        self._rrsets = dict(rrsets)

    async def lookup(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Answer:
        owner_text = name.to_text().lower()
        found = self._rrsets.get((owner_text, dns.rdatatype.to_text(rdtype)))
        if found is not None:
            return Answer(name, rdtype, Outcome.ANSWER if found else Outcome.NODATA, found)
        alias = self._rrsets.get((owner_text, "CNAME"))
        if alias and rdtype != dns.rdatatype.CNAME:  # a CNAME the plan publishes: follow it as a server would
            target: dns.name.Name = alias[0].target  # type: ignore[attr-defined]
            rest = await self._base.query(target, rdtype)
            return Answer(name, rdtype, rest.outcome, rest.rdatas, (target, *rest.cnames), rest.error, rest.ttl)
        return await self._base.query(name, rdtype)

    async def aclose(self) -> None:
        """Nothing of its own to close: the base resolver belongs to the caller."""


async def overlay_resolver(book: Runbook, base: Resolver) -> Resolver:
    return Resolver(transport=Overlay(base, await final_rrsets(book, base)), retries=0)
