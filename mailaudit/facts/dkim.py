"""Shared DKIM facts: the selector probes (``_domainkey.<domain>``, then every built-in and
``--dkim-selector`` selector), which of them hold a usable key, and whether any usable RSA key is
under 1024 bits. The DKIM check judges the probes; the bulk-sender rules read the keys.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.rdatatype

from mailaudit.context import AuditContext
from mailaudit.dkim.record import analyse_key, looks_like_dkim, parse_dkim
from mailaudit.dkim.selectors import Selector, selectors
from mailaudit.dnscore.answer import Answer, Outcome
from mailaudit.dnscore.chain import plain_labels
from mailaudit.errors import RecordSyntaxError

MIN_RSA = 1024


@dataclass(frozen=True, slots=True)
class Probe:
    selector: Selector
    name: dns.name.Name
    answer: Answer
    records: tuple[str, ...]  # the TXT strings that are DKIM key records (not e.g. a wildcard's SPF)

    @property
    def owner(self) -> str:
        return self.name.to_text(omit_final_dot=True)


@dataclass(frozen=True, slots=True)
class DkimKeys:
    complete: bool  # False when a probe failed: then "no key" cannot be told
    usable: tuple[str, ...] = ()  # selectors with a usable key
    weak: bool = False  # a usable RSA key under 1024 bits


async def dkim_probes(ctx: AuditContext) -> tuple[Answer, tuple[Probe, ...]]:
    """``_domainkey.<domain>`` and the selector probes, once per domain."""
    return await ctx.fact("dkim.probes", lambda: _probe_all(ctx))


async def dkim_keys(ctx: AuditContext) -> DkimKeys:
    return await ctx.fact("dkim.keys", lambda: _keys(ctx))


def _selector_name(selector: str, base: dns.name.Name) -> dns.name.Name | None:
    try:
        labels = None if selector.endswith(".") else plain_labels(selector)  # a trailing dot: not under base
        if labels is not None:
            return dns.name.Name((*labels, *base.labels))  # the usual case: no text parsing
        return dns.name.from_text(selector, origin=base)
    except (dns.exception.DNSException, UnicodeError, ValueError):
        return None


async def _probe_all(ctx: AuditContext) -> tuple[Answer, tuple[Probe, ...]]:
    """Ask ``_domainkey.<domain>``; unless it is NXDOMAIN (RFC 8020: nothing exists below it),
    ask every selector concurrently (the resolver follows CNAMEs)."""
    try:
        base = dns.name.Name((b"_domainkey", *ctx.name.labels))
    except dns.name.NameTooLong:  # no such name can exist, so no key exists below it
        return Answer(ctx.name, dns.rdatatype.TXT, Outcome.NXDOMAIN), ()
    parent = await ctx.query(base, "TXT")
    if parent.outcome is Outcome.NXDOMAIN:
        return parent, ()
    wanted = [(s, n) for s in selectors(ctx.options.dkim_selectors) if (n := _selector_name(s.name, base))]
    answers = await asyncio.gather(*(ctx.query(n, "TXT") for _, n in wanted))
    return parent, tuple(
        Probe(s, n, a, tuple(t for t in a.texts() if looks_like_dkim(t)) if a.rdatas else ())
        for (s, n), a in zip(wanted, answers, strict=True)
    )


async def _keys(ctx: AuditContext) -> DkimKeys:
    parent, probes = await dkim_probes(ctx)
    if parent.outcome is Outcome.NXDOMAIN:
        return DkimKeys(True)
    complete = parent.ok and all(p.answer.ok for p in probes)
    usable: list[str] = []
    weak = False
    for probe in probes:
        for text in probe.records:
            try:
                info = analyse_key(parse_dkim(text))
            except RecordSyntaxError:
                continue
            if info.usable:
                usable.append(probe.selector.name)
                weak = weak or (info.kind == "rsa" and 0 < info.bits < MIN_RSA)
    return DkimKeys(complete, tuple(dict.fromkeys(usable)), weak)
