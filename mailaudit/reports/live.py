"""Join the reports with the domain's live DNS: which SPF term authorises each source now (the
project's ``check_host`` and SPF tree), its PTR name (once per address, concurrently, bounded),
blocklist listings of SPF-authorised sources (the dnsbl engine), and the DMARC policy in force.

A lookup that could not complete is a ``failures`` line (exit 3), never an absence: the
address is then classified from what the reporters saw (``LiveFacts.unknown``).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from mailaudit.addresses import reverse_name
from mailaudit.catalogue import Catalogue
from mailaudit.context import AuditContext, RunState
from mailaudit.dmarc.record import DmarcRecord
from mailaudit.dnsbl.check import Target, lookup_all
from mailaudit.dnsbl.lists import Kind, select
from mailaudit.dnscore.answer import Outcome
from mailaudit.dnscore.resolver import NOT_VERIFIABLE, Resolver
from mailaudit.facts.dmarc import dmarc_facts
from mailaudit.facts.spf import spf_facts
from mailaudit.options import AuditOptions
from mailaudit.reports.aggregate import DomainStats
from mailaudit.reports.classify import LiveFacts
from mailaudit.reports.readiness import Policy
from mailaudit.reports.spfterms import matching_terms, needs_full_evaluation, term_networks
from mailaudit.spf.evaluate import SpfOutcome, SpfResult, check_host_async
from mailaudit.spf.record import SpfRecord
from mailaudit.spf.tree import SpfNode

MAX_PTR = 5000  # PTR names looked up per run (the sources with most mail first)
IN_FLIGHT = 32  # SPF evaluations and PTR lookups at once


@dataclass(frozen=True, slots=True)
class DomainLive:
    facts: LiveFacts
    policy: Policy | None  # the DMARC policy in force, None when none applies or it is unknown
    spf_record: str | None
    failures: tuple[str, ...]  # lookups that could not complete
    spf: SpfRecord | None = None  # the domain's own SPF record, parsed (for the exact fix)
    dmarc: DmarcRecord | None = None  # the DMARC record in force, parsed
    dmarc_at: str | None = None  # where it was found (_dmarc.<policy domain>)


async def join_live(
    domains: Iterable[DomainStats], resolver: Resolver, options: AuditOptions, catalogue: Catalogue
) -> dict[str, DomainLive]:
    """Live facts for every domain; PTR names shared across domains (an address is asked once)."""
    domains = tuple(domains)
    run = RunState()
    gate = asyncio.Semaphore(IN_FLIGHT)
    ips = _ptr_targets(domains)
    ptr_results = await asyncio.gather(*(_ptr(resolver, ip, gate) for ip in ips))
    ptr = {ip: name for ip, (name, _) in zip(ips, ptr_results, strict=True) if name}
    ptr_failures = tuple(err for _, err in ptr_results if err)
    out: dict[str, DomainLive] = {}
    for stats in domains:
        ctx = AuditContext(stats.domain, resolver, options, catalogue, run)
        live = await _domain(ctx, stats, gate, ptr)
        out[stats.domain] = dataclasses.replace(live, failures=live.failures + ptr_failures)
        ptr_failures = ()  # reported once
    return out


def _ptr_targets(domains: tuple[DomainStats, ...]) -> list[str]:
    volume: dict[str, int] = {}
    for stats in domains:
        for source in stats.sources:
            volume[source.ip] = volume.get(source.ip, 0) + source.messages
    return sorted(volume, key=lambda ip: (-volume[ip], ip))[:MAX_PTR]


async def _ptr(resolver: Resolver, ip: str, gate: asyncio.Semaphore) -> tuple[str | None, str | None]:
    async with gate:
        answer = await resolver.query(reverse_name(ip), "PTR")
    if answer.outcome is Outcome.ERROR:
        return None, None if answer.error == NOT_VERIFIABLE else answer.describe()
    names = [str(rd.target).rstrip(".") for rd in answer.rdatas if hasattr(rd, "target")]
    return (min(names) if names else None), None


async def _domain(ctx: AuditContext, stats: DomainStats, gate: asyncio.Semaphore,
                  ptr: dict[str, str]) -> DomainLive:
    spf, dmarc = await asyncio.gather(spf_facts(ctx), dmarc_facts(ctx))
    every = [s.ip for s in stats.sources]
    networks = await term_networks(ctx, spf.tree)
    full = not spf.complete or needs_full_evaluation(spf.tree)
    ips = every if full else [ip for ip in every if matching_terms(networks, ip)]  # the rest cannot pass
    outcomes = await asyncio.gather(*(_spf(ctx, ip, gate) for ip in ips))
    authorized = {ip: _top_term(spf.tree, ctx.domain, o) for ip, o in zip(ips, outcomes, strict=True)
                  if o.result is SpfResult.PASS}
    unknown = frozenset(ip for ip, o in zip(ips, outcomes, strict=True) if o.result is SpfResult.TEMPERROR)
    failures = [f"SPF of {ctx.domain} for {ip}: {o.reason or 'temperror'}"
                for ip, o in zip(ips, outcomes, strict=True)
                if o.result is SpfResult.TEMPERROR and NOT_VERIFIABLE not in o.reason][:20]
    listed, bl_failures = await _listed(ctx, sorted(authorized))
    terms = {ip: matching_terms(networks, ip) for ip in authorized}
    policy = None
    if dmarc.parsed is not None and dmarc.parsed.policy is not None:  # None: no DMARC processing (RFC 9989)
        policy = Policy(dmarc.parsed.policy, dmarc.parsed.pct if dmarc.parsed.pct is not None else 100,
                        dmarc.parsed.sp or "")
    failures += [a.describe() for a in dmarc.failures if a.error != NOT_VERIFIABLE] + bl_failures
    facts = LiveFacts(authorized, {ip: ptr[ip] for ip in every if ip in ptr}, listed, unknown, terms)
    own = spf.tree.info.record if spf.tree is not None else None
    return DomainLive(facts, policy, spf.record, tuple(failures), own, dmarc.parsed, dmarc.found_at)


async def _spf(ctx: AuditContext, ip: str, gate: asyncio.Semaphore) -> SpfOutcome:
    async with gate:
        return await check_host_async(ip, ctx.domain, f"postmaster@{ctx.domain}", ctx.domain,
                                      resolver=ctx.resolver)


def _top_term(tree: SpfNode | None, domain: str, outcome: SpfOutcome) -> str:
    """The term of the domain's own record that leads to the match (an include, a redirect, or the term)."""
    decided = outcome.domain.lower().rstrip(".")
    if tree is None or decided == domain:
        return outcome.mechanism or ""
    for child in tree.children:
        if any(node.domain.lower().rstrip(".") == decided for node in child.walk()):
            return child.term
    return outcome.mechanism or ""


async def _listed(ctx: AuditContext, ips: list[str]) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """Blocklist listings of the SPF-authorised sources (only those can be 'suspicious')."""
    if not ips or not ctx.options.dnsbl:
        return {}, []
    targets = [Target(ip, Kind.IP, ("DMARC reports",)) for ip in ips]
    run = await lookup_all(ctx, targets, select(ctx.options.dnsbl_zones), ctx.options.spamhaus_dqs_key)
    listed: dict[str, list[str]] = {}
    failures: list[str] = []
    for item in run.lookups:
        if item.status == "listed":
            listed.setdefault(item.target.value, []).append(item.bl.zone)
        elif item.status == "error" and item.answer.error != NOT_VERIFIABLE:
            failures.append(f"{item.shown}: {item.answer.describe()}")
    return {ip: tuple(zones) for ip, zones in listed.items()}, failures[:20]
