"""TLS-RPT check: the ``_smtp._tls`` record, needed when MTA-STS or DANE protects inbound mail."""

from __future__ import annotations

from mailaudit.checks.base import Check, Collector
from mailaudit.checks.emit import emit
from mailaudit.context import AuditContext
from mailaudit.facts.transport import sts_in_use, tlsa_present
from mailaudit.mta_sts.issues import Reason
from mailaudit.tls_rpt.assess import assess, owner


async def run(ctx: AuditContext, out: Collector) -> None:
    answer = await ctx.query(owner(ctx.domain), "TXT")
    if not answer.ok:
        out.failed(answer)
        return
    sts, dane = await sts_in_use(ctx), await tlsa_present(ctx)
    result = assess(ctx.domain, answer.texts(), sts, dane)
    out.data.update(result.data)
    errors = result.errors
    if ctx.resolver.offline:  # names outside the --zone files are not verifiable: say so, do not fail
        emit(out, result.issues, notes=[Reason("offline." + e.code, e.subject) for e in errors])
        return
    emit(out, result.issues, errors, result.notes)


CHECK = Check("tls_rpt", "TLS-RPT: the _smtp._tls reporting record", run, needs=("mx",), phase="transport")
