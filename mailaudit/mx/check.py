"""MX check: the domain's mail exchangers, their addresses, reverse DNS and null MX."""

from __future__ import annotations

import asyncio

from mailaudit.addresses import ip_literal_of_name, parse_ip, reverse_name, special_range
from mailaudit.checks.base import Check, Collector, dns_record
from mailaudit.context import AuditContext
from mailaudit.dnscore.answer import Outcome
from mailaudit.facts.mx import MxHost, forward_confirmed, mx_facts
from mailaudit.facts.providers import closest_known_mx, is_m365_verification_mx, mx_provider
from mailaudit.model import Severity


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


CHECK = Check(
    "mx", "Mail exchangers: MX records, their addresses and reverse DNS", run,
    needs=("mx",), phase="receive",
)
