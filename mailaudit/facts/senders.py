"""Who sends as the domain, as far as DNS shows: providers inferred from the MX hosts and from
DKIM keys at provider selectors. Every SPF proposal keeps these providers' includes, so a fix
never makes the domain's real mail fail SPF."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import dns.exception
import dns.name

from mailaudit.context import AuditContext
from mailaudit.dkim.record import looks_like_dkim
from mailaudit.dnscore.answer import Outcome
from mailaudit.facts.mx import mx_facts
from mailaudit.facts.providers import SPF_INCLUDE_FOR_DKIM_SELECTOR, mx_provider


@dataclass(frozen=True, slots=True)
class Sender:
    include: str  # the provider's SPF domain (include:<this>)
    provider: str
    why: str  # "mx" or "dkim:<selector>"


async def inferred_senders(ctx: AuditContext) -> tuple[Sender, ...]:
    return await ctx.fact("senders", lambda: _infer(ctx))


async def _infer(ctx: AuditContext) -> tuple[Sender, ...]:
    found: list[Sender] = []
    mx = await mx_facts(ctx)
    provider = mx_provider(h.name for h in mx.hosts) if mx.hosts else None
    if provider is not None:
        found.append(Sender(provider[0], provider[1], "mx"))
    found.extend(await _dkim_senders(ctx))
    unique: dict[str, Sender] = {}
    for sender in found:
        unique.setdefault(sender.include, sender)
    return tuple(unique.values())


async def _dkim_senders(ctx: AuditContext) -> list[Sender]:
    try:
        base = dns.name.Name((b"_domainkey", *ctx.name.labels))
        names = [dns.name.from_text(sel, origin=base) for sel, _, _ in SPF_INCLUDE_FOR_DKIM_SELECTOR]
    except dns.exception.DNSException:
        return []
    parent = await ctx.query(base, "TXT")
    if parent.outcome is Outcome.NXDOMAIN:  # RFC 8020: no key exists below it
        return []
    answers = await asyncio.gather(*(ctx.query(name, "TXT") for name in names))
    return [Sender(inc, who, f"dkim:{sel}") for (sel, inc, who), answer in zip(SPF_INCLUDE_FOR_DKIM_SELECTOR, answers,
                                                                               strict=True)
            if any(looks_like_dkim(t) for t in answer.texts())]
