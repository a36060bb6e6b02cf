"""Shared MX facts: the domain's MX hosts and their addresses, and forward-confirmed reverse
DNS of an address. Computed once per domain; the MX, SPF, DKIM, blocklist (and transport) checks
read them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import dns.name

from mailaudit.addresses import ip_literal_of_name, parse_ip, reverse_name
from mailaudit.context import AuditContext, RunContext
from mailaudit.dnscore.answer import Answer, Outcome


@dataclass(frozen=True, slots=True)
class MxHost:
    preference: int
    name: dns.name.Name
    addresses: tuple[str, ...] = ()
    cname: dns.name.Name | None = None  # the alias target when the MX name is a CNAME
    lookup_errors: tuple[Answer, ...] = ()

    @property
    def text(self) -> str:
        return self.name.to_text(omit_final_dot=True)


@dataclass(frozen=True, slots=True)
class MxFacts:
    """What the MX records say; shared by the MX, SPF, DKIM and blocklist checks."""

    answer: Answer
    hosts: tuple[MxHost, ...] = ()
    null: bool = False  # RFC 7505 null MX present
    records: tuple[str, ...] = field(default=())

    @property
    def addresses(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for host in self.hosts:
            for address in host.addresses:
                seen.setdefault(address)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class MxNames:
    """The MX answer alone, before any host is resolved: what needs only the host names (TLSA
    at ``_25._tcp.<host>``, "is there a null MX?") reads this, a round of latency before the
    addresses are known."""

    answer: Answer
    pairs: tuple[tuple[int, dns.name.Name], ...] = ()  # (preference, exchange), sorted, no duplicates

    @property
    def null(self) -> bool:
        return any(name == dns.name.root for _, name in self.pairs)

    @property
    def hosts(self) -> tuple[tuple[int, dns.name.Name], ...]:
        """The real exchanges (not the null MX's root name), in ``pairs`` order."""
        return tuple((pref, name) for pref, name in self.pairs if name != dns.name.root)


async def mx_names(ctx: AuditContext) -> MxNames:
    return await ctx.fact("mx.names", lambda: _names(ctx))


async def _names(ctx: AuditContext) -> MxNames:
    answer = await ctx.query(ctx.name, "MX")
    if answer.outcome is not Outcome.ANSWER:
        return MxNames(answer)
    pairs = sorted(
        {(int(rd.preference), rd.exchange) for rd in answer.rdatas},  # type: ignore[attr-defined]
        key=lambda p: (p[0], p[1].to_text()),
    )
    return MxNames(answer, tuple(pairs))


async def mx_facts(ctx: AuditContext) -> MxFacts:
    return await ctx.fact("mx", lambda: _collect(ctx))


async def _collect(ctx: AuditContext) -> MxFacts:
    names = await mx_names(ctx)
    if names.answer.outcome is not Outcome.ANSWER:
        return MxFacts(names.answer)
    hosts = await asyncio.gather(*(_host(ctx, pref, name) for pref, name in names.hosts))
    records = tuple(f"{pref} {name.to_text()}" for pref, name in names.pairs)
    return MxFacts(names.answer, tuple(hosts), names.null, records)


async def _host(ctx: AuditContext, preference: int, name: dns.name.Name) -> MxHost:
    if ip_literal_of_name(name) is not None:
        return MxHost(preference, name)
    v4, v6 = await asyncio.gather(ctx.query(name, "A"), ctx.query(name, "AAAA"))
    addresses = tuple(v4.addresses() + v6.addresses())
    alias = v4.cnames[-1] if v4.cnames else (v6.cnames[-1] if v6.cnames else None)
    errors = tuple(a for a in (v4, v6) if not a.ok)
    return MxHost(preference, name, addresses, alias, errors)


@dataclass(frozen=True, slots=True)
class PtrVerdict:
    confirmed: bool
    variant: str = "default"  # "missing" | "mismatch"
    names: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    error: Answer | None = None


async def forward_confirmed(ctx: RunContext, address: str) -> PtrVerdict:
    """FCrDNS: the address has a PTR whose name resolves back to the same address. A fact about
    the address, not a domain: once per run (a verdict that failed is asked again later)."""
    return await ctx.shared(("fcrdns", address), lambda: _fcrdns(ctx, address), keep=lambda v: v.error is None)


async def _fcrdns(ctx: RunContext, address: str) -> PtrVerdict:
    ip = parse_ip(address)
    if ip is None:
        return PtrVerdict(False, "missing")
    ptr = await ctx.query(reverse_name(ip), "PTR")
    if not ptr.ok:
        return PtrVerdict(False, error=ptr)
    names = tuple(rd.target for rd in ptr.rdatas)  # type: ignore[attr-defined]
    shown = tuple(n.to_text(omit_final_dot=True) for n in names)
    if not names:
        return PtrVerdict(False, "missing", evidence=(f"{reverse_name(ip).to_text()} PTR: {ptr.outcome.value}",))
    rdtype = "A" if ip.version == 4 else "AAAA"
    forwards = await asyncio.gather(*(ctx.query(n, rdtype) for n in names[:10]))
    if any(str(ip) in {str(parse_ip(a)) for a in f.addresses()} for f in forwards):
        return PtrVerdict(True, names=shown)
    failed = next((f for f in forwards if not f.ok), None)
    if failed is not None:
        return PtrVerdict(False, error=failed)
    evidence = tuple(f"{address} PTR {n}" for n in shown) + tuple(
        f"{f.name.to_text(omit_final_dot=True)} {rdtype}: {', '.join(f.addresses()) or f.outcome.value}"
        for f in forwards
    )
    return PtrVerdict(False, "mismatch", shown, evidence)
