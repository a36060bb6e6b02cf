"""MX check: the domain's mail exchangers, their addresses, reverse DNS and null MX."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import dns.name
import dns.rdatatype

from ..addresses import ip_literal_of_name, parse_ip, reverse_name, special_range
from ..answer import Answer, Outcome
from ..model import Severity
from .base import AuditContext, Check, Collector, dns_record
from .hints import closest_known_mx, is_m365_verification_mx, mx_provider


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

    @property
    def accepts_mail(self) -> bool | None:
        """False for a null MX, True with MX hosts, None when unknown."""
        if self.null:
            return False
        return True if self.hosts else None


async def mx_facts(ctx: AuditContext) -> MxFacts:
    return await ctx.fact("mx", lambda: _collect(ctx))


async def _collect(ctx: AuditContext) -> MxFacts:
    answer = await ctx.query(ctx.name, "MX")
    if answer.outcome is not Outcome.ANSWER:
        return MxFacts(answer)
    pairs = sorted(
        {(int(rd.preference), rd.exchange) for rd in answer.rdatas},  # type: ignore[attr-defined]
        key=lambda p: (p[0], p[1].to_text()),
    )
    null = any(name == dns.name.root for _, name in pairs)
    real = [(pref, name) for pref, name in pairs if name != dns.name.root]
    hosts = await asyncio.gather(*(_host(ctx, pref, name) for pref, name in real))
    records = tuple(f"{pref} {name.to_text()}" for pref, name in pairs)
    return MxFacts(answer, tuple(hosts), null, records)


async def _host(ctx: AuditContext, preference: int, name: dns.name.Name) -> MxHost:
    if ip_literal_of_name(name) is not None:
        return MxHost(preference, name)
    v4, v6 = await asyncio.gather(ctx.query(name, "A"), ctx.query(name, "AAAA"))
    addresses = tuple(v4.addresses() + v6.addresses())
    alias = v4.cnames[-1] if v4.cnames else (v6.cnames[-1] if v6.cnames else None)
    errors = tuple(a for a in (v4, v6) if not a.ok)
    return MxHost(preference, name, addresses, alias, errors)


async def run(ctx: AuditContext, out: Collector) -> None:
    facts = await mx_facts(ctx)
    answer = facts.answer
    if not answer.ok:
        out.failed(answer)
        return
    out.data["records"] = list(facts.records)
    if answer.outcome is Outcome.NXDOMAIN:
        out.add("mx.missing", variant="nxdomain", evidence=[answer.describe()])
        return
    if not facts.hosts and not facts.null:
        implicit = await ctx.query(ctx.name, "A")
        variant = "implicit" if implicit.outcome is Outcome.ANSWER else "default"
        out.add(
            "mx.missing",
            variant=variant,
            evidence=[answer.describe()],
            records=[dns_record(ctx.name, "MX", "0 .")],
        )
        return
    if facts.null:
        if facts.hosts:
            out.add("mx.null.mixed", evidence=list(facts.records), remove=[
                dns_record(ctx.name, "MX", f"{h.preference} {h.name.to_text()}") for h in facts.hosts
            ])
        else:
            out.add("mx.null", evidence=list(facts.records))
    out.data["hosts"] = [{"preference": h.preference, "host": h.text, "addresses": list(h.addresses)}
                         for h in facts.hosts]
    checks = [_judge_host(ctx, out, host) for host in facts.hosts]
    await asyncio.gather(*checks)
    unverified = out.data.get("ptr_not_verifiable")
    if isinstance(unverified, list) and unverified:
        out.note(f"reverse DNS of {len(unverified)} MX address(es) not verifiable offline "
                 f"(outside the --zone files): {', '.join(unverified[:8])}")


async def _judge_host(ctx: AuditContext, out: Collector, host: MxHost) -> None:
    record = f"{ctx.domain}. MX {host.preference} {host.name.to_text()}"
    literal = ip_literal_of_name(host.name)
    if literal is not None:
        out.add("mx.host.ip_literal", host.text, evidence=[record], address=str(literal))
        return
    if is_m365_verification_mx(host.name):  # known by its name alone (offline too): it never resolves
        _m365_placeholder(ctx, out, host, record)
        return
    for failed in host.lookup_errors:
        out.failed(failed)
    if host.cname is not None:
        out.add("mx.host.cname", host.text, evidence=[record, f"{host.text} CNAME {host.cname.to_text()}"],
                target=host.cname.to_text(omit_final_dot=True))
    if not host.addresses:
        if host.lookup_errors:
            return
        suggestion = closest_known_mx(host.name)
        out.add("mx.host.unresolvable", host.text, variant="typo" if suggestion else "default",
                evidence=[record, f"{host.text}: no A or AAAA record"], suggestion=suggestion or "")
        return
    for address in host.addresses:
        ip = parse_ip(address)
        why = special_range(ip) if ip else None
        if why:
            out.add("mx.host.private", host.text, evidence=[record, f"{host.text} -> {address}"],
                    address=address, range=why)
    await asyncio.gather(*(_check_ptr(ctx, out, host, a) for a in host.addresses))


def _m365_placeholder(ctx: AuditContext, out: Collector, host: MxHost, record: str) -> None:
    mx_name = ctx.domain.replace(".", "-") + ".mail.protection.outlook.com"
    out.add("mx.host.unresolvable", host.text, variant="m365_verification",
            evidence=[record, f"{host.text}: a Microsoft 365 domain-verification name (never resolves)"],
            remove=[dns_record(ctx.name, "MX", f"{host.preference} {host.name.to_text()}")], m365_mx=mx_name)


async def _check_ptr(ctx: AuditContext, out: Collector, host: MxHost, address: str) -> None:
    ip = parse_ip(address)
    resolver = ctx.resolver
    if ip is not None and resolver.offline and not resolver.zones.covers(reverse_name(ip)):
        # offline, reverse zones are (almost) never among the --zone files: say so once in the
        # check's data instead of turning a verified MX set into a check error
        unverified = out.data.setdefault("ptr_not_verifiable", [])
        assert isinstance(unverified, list)
        if address not in unverified:
            unverified.append(address)
        return
    verdict = await forward_confirmed(ctx, address)
    if verdict.error is not None:
        out.failed(verdict.error)
    elif not verdict.confirmed:
        provider = mx_provider([host.name])  # a big provider's host: nothing for the domain to fix
        out.add("mx.host.ptr", f"{host.text} {address}", variant="provider" if provider else verdict.variant,
                severity=Severity.INFO if provider else None, evidence=verdict.evidence, host=host.text,
                address=address, names=", ".join(verdict.names) or "none", provider=provider[1] if provider else "")


@dataclass(frozen=True, slots=True)
class PtrVerdict:
    confirmed: bool
    variant: str = "default"  # "missing" | "mismatch"
    names: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    error: Answer | None = None


async def forward_confirmed(ctx: AuditContext, address: str) -> PtrVerdict:
    """FCrDNS: the address has a PTR whose name resolves back to the same address."""
    return await ctx.fact(("fcrdns", address), lambda: _fcrdns(ctx, address))


async def _fcrdns(ctx: AuditContext, address: str) -> PtrVerdict:
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


CHECK = Check("mx", "Mail exchangers: MX records, their addresses and reverse DNS", run)
