"""TLS-RPT check: the ``_smtp._tls`` record, needed when MTA-STS or DANE protects inbound mail."""

from __future__ import annotations

import asyncio

from mailaudit.checks.base import Check, Collector
from mailaudit.checks.emit import emit
from mailaudit.context import AuditContext
from mailaudit.dnscore.answer import Outcome
from mailaudit.facts.transport import sts_in_use, tlsa_present
from mailaudit.mta_sts.issues import Reason
from mailaudit.tls_rpt.assess import assess, deliverable, mail_destinations, owner


async def run(ctx: AuditContext, out: Collector) -> None:
    answer = await ctx.query(owner(ctx.domain), "TXT")
    if not answer.ok:
        out.failed(answer)
        return
    sts, dane = await asyncio.gather(sts_in_use(ctx), tlsa_present(ctx))
    result = assess(ctx.domain, answer.texts(), sts, dane)
    out.data.update(result.data)
    errors = result.errors + await _destinations(ctx, out, answer.texts())
    if ctx.resolver.offline:  # names outside the --zone files are not verifiable: say so, do not fail
        emit(out, result.issues, notes=[Reason("offline." + e.code, e.subject) for e in errors])
        return
    emit(out, result.issues, errors, result.notes)


async def _destinations(ctx: AuditContext, out: Collector, texts: list[str]) -> tuple[Reason, ...]:
    """Can each ``mailto:`` report address receive mail? (MX, else an implicit-MX address.)"""
    failed: list[Reason] = []
    for destination in mail_destinations(texts):
        mx = await ctx.query(destination.domain, "MX")
        a = await ctx.query(destination.domain, "A") if mx.outcome is Outcome.NODATA else None
        if mx.outcome is Outcome.ERROR or (a is not None and a.outcome is Outcome.ERROR):
            failed.append(Reason("unknown.rua", destination.uri, (a if a is not None and not a.ok else mx).describe()))
            continue
        null = mx.outcome is Outcome.ANSWER and all(str(getattr(rd, "exchange", "")) == "." for rd in mx.rdatas)
        issue = deliverable(destination, "null" if null else mx.outcome.value, a.outcome.value if a else "")
        if issue is not None:
            emit(out, [issue])
    return tuple(failed)


CHECK = Check("tls_rpt", "TLS-RPT: the _smtp._tls reporting record", run, needs=("mx",), phase="transport")
