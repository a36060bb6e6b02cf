"""Is the domain's inbound mail protected by MTA-STS or DANE? (What TLS-RPT depends on.)

``sts_in_use``: exactly one valid ``v=STSv1`` record at ``_mta-sts.<domain>`` (what makes
senders fetch a policy). ``tlsa_present``: a TLSA record at ``_25._tcp.<mx>`` for at least one MX
host (DANE for SMTP, RFC 7672; whether it validates is the dnssec/dane checks' business). Both
are None when a lookup failed and nothing was found: a failure is not an absence.
"""

from __future__ import annotations

import asyncio

from mailaudit.context import AuditContext
from mailaudit.dnscore.answer import Outcome
from mailaudit.facts.mx import mx_names
from mailaudit.mta_sts import record as sts_record


async def sts_in_use(ctx: AuditContext) -> bool | None:
    answer = await ctx.query(f"_mta-sts.{ctx.domain}", "TXT")
    if not answer.ok:
        return None
    chosen = sts_record.select(answer.texts())
    return len(chosen) == 1 and sts_record.parse(chosen[0]).valid


async def tlsa_present(ctx: AuditContext) -> bool | None:
    return await ctx.fact("tlsa_present", lambda: _tlsa(ctx))


async def _tlsa(ctx: AuditContext) -> bool | None:
    """Needs only the MX host names: asked alongside the hosts' addresses, not after them."""
    mx = await mx_names(ctx)
    if not mx.answer.ok:
        return None
    texts = [name.to_text(omit_final_dot=True) for _, name in mx.hosts]
    names = [f"_25._tcp.{text}" for text in texts if text]
    answers = await asyncio.gather(*(ctx.query(n, "TLSA") for n in names))
    if any(a.outcome is Outcome.ANSWER and a.rdatas for a in answers):
        return True
    if any(a.outcome is Outcome.ERROR for a in answers):
        return None
    return False
