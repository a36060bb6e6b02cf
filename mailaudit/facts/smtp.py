"""Shared SMTP facts: the run's prober and trust store, TLSA records per MX host, and the TLS
probe of every MX address of a domain with its three verdicts.

Read by the ``smtp`` check (findings), the ``bypass`` check (the MX probes double as the run's
port-25 canary) and, when it lands, the ``dane`` check (``hosts[].dane``). Facts never add
findings. Only runs when ``--smtp`` asked for connections.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
from dataclasses import dataclass

import dns.name

from mailaudit.context import AuditContext
from mailaudit.dnscore.answer import Answer, Outcome
from mailaudit.facts.mx import MxFacts, mx_facts
from mailaudit.smtp.certs import Trust
from mailaudit.smtp.dane_match import Tlsa
from mailaudit.smtp.outcomes import TlsProbe
from mailaudit.smtp.prober import DEFAULT_EHLO, Prober, ProbeSettings
from mailaudit.smtp.session import Timeouts
from mailaudit.smtp.verdicts import HostVerdict, judge

MAX_ADDRESSES = 32  # MX addresses probed per domain: a hostile zone cannot turn the audit into a scan


async def run_prober(ctx: AuditContext) -> Prober:
    """The one prober of the run: politeness, caches and the port-25 state span a whole batch."""

    async def make() -> Prober:
        options = ctx.options
        settings = ProbeSettings(
            port=options.smtp_port,
            ehlo_name=options.smtp_ehlo or DEFAULT_EHLO,
            allow_private=options.allow_private_targets,
            timeouts=Timeouts.scaled(options.smtp_timeout),
        )
        return Prober(settings)

    return await ctx.shared("smtp.prober", make)


async def run_trust(ctx: AuditContext) -> Trust:
    """System roots plus ``--ca-file``, loaded once per run (off the event loop: file reads)."""
    extra = (ctx.options.ca_file,) if ctx.options.ca_file else ()

    async def make() -> Trust:
        return await asyncio.to_thread(Trust.load, extra)

    return await ctx.shared("smtp.trust", make)


@dataclass(frozen=True, slots=True)
class TlsaFact:
    records: tuple[Tlsa, ...] = ()
    answer: Answer | None = None  # the failed lookup, when it failed


async def tlsa_of(ctx: AuditContext, host: dns.name.Name) -> TlsaFact:
    """``_25._tcp.<host>`` TLSA, once per run per host (MX hosts are shared between domains).
    Whether the RRset is DNSSEC-secure is the dnssec/dane checks' question, not this fact's."""

    async def make() -> TlsaFact:
        answer = await ctx.query(dns.name.from_text("_25._tcp", host), "TLSA")
        if answer.outcome is Outcome.ERROR:
            return TlsaFact(answer=answer)
        records = tuple(
            Tlsa(int(rd.usage), int(rd.selector), int(rd.mtype), bytes(rd.cert))  # type: ignore[attr-defined]
            for rd in answer.rdatas
            if hasattr(rd, "usage")
        )
        return TlsaFact(records)

    return await ctx.shared(("smtp.tlsa", host.to_text()), make)


@dataclass(frozen=True, slots=True)
class SmtpFacts:
    mx: MxFacts
    hosts: tuple[HostVerdict, ...] = ()
    probes: tuple[TlsProbe, ...] = ()  # same order as hosts; transcripts for evidence
    tlsa_failures: tuple[Answer, ...] = ()
    port25_blocked: bool = False  # the run's verdict when these probes finished
    skipped_addresses: int = 0  # MX addresses beyond MAX_ADDRESSES, not probed


async def smtp_facts(ctx: AuditContext) -> SmtpFacts:
    return await ctx.fact("smtp", lambda: _collect(ctx))


async def _collect(ctx: AuditContext) -> SmtpFacts:
    mx = await mx_facts(ctx)
    if not mx.answer.ok or not ctx.options.smtp:
        return SmtpFacts(mx)
    every = [(host, address) for host in mx.hosts for address in host.addresses]
    pairs = every[:MAX_ADDRESSES]
    prober, trust = await asyncio.gather(run_prober(ctx), run_trust(ctx))
    probes, tlsa = await asyncio.gather(  # the TLSA lookups need no probe: asked meanwhile
        asyncio.gather(*(prober.tls(address, host.text) for host, address in pairs)),
        asyncio.gather(*(tlsa_of(ctx, host.name) for host, _ in pairs)),
    )
    now = datetime.datetime.now(datetime.UTC)
    verdicts = []
    for (host, _), probe, fact in zip(pairs, probes, tlsa, strict=True):
        mine = dataclasses.replace(probe, host=host.text)  # an address shared by two names: judge ours
        verdicts.append(judge(mine, trust, now, fact.records))
    failures = tuple({f.answer.describe(): f.answer for f in tlsa if f.answer is not None}.values())
    skipped = len(every) - len(pairs)
    return SmtpFacts(mx, tuple(verdicts), tuple(probes), failures, prober.port25_blocked, skipped)


async def presented_chains(ctx: AuditContext, host: str) -> tuple[tuple[str, tuple[bytes, ...]], ...]:
    """``(address, chain)`` for each address of MX ``host`` that completed a TLS handshake: the DER
    chain (leaf first) as presented, for the dane check to match its DNSSEC-validated TLSA records
    against. Empty without ``--smtp`` (nothing connects) or when no address was tested."""
    if not ctx.options.smtp:
        return ()
    facts = await smtp_facts(ctx)
    name = host.lower().rstrip(".")
    return tuple(
        (verdict.address, probe.tls.chain)
        for verdict, probe in zip(facts.hosts, facts.probes, strict=True)
        if (verdict.host or "").lower() == name and probe.tls is not None
    )
