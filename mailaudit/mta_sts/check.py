"""MTA-STS check: the ``_mta-sts`` record, the policy fetched like a sender does, MX coverage."""

from __future__ import annotations

import datetime as dt

from mailaudit.checks.base import Check, Collector
from mailaudit.checks.emit import emit
from mailaudit.context import AuditContext
from mailaudit.facts.mta_sts import policy_fetch
from mailaudit.facts.mx import mx_facts
from mailaudit.mta_sts import record
from mailaudit.mta_sts.assess import assess, policy_host
from mailaudit.mta_sts.issues import Reason
from mailaudit.net.https import FetchResult


async def run(ctx: AuditContext, out: Collector) -> None:
    answer = await ctx.query(f"_mta-sts.{ctx.domain}", "TXT")
    if not answer.ok:
        out.failed(answer)
        return
    texts = answer.texts()
    chosen = record.select(texts)
    fetched = await _policy(ctx, out)  # None without exactly one valid record (facts/mta_sts.py)
    facts = await mx_facts(ctx)
    if chosen and not facts.answer.ok:
        out.failed(facts.answer)
    hosts = [h.text for h in facts.hosts]
    result = assess(ctx.domain, texts, fetched, hosts, dt.datetime.now(dt.UTC))
    out.data.update(result.data)
    emit(out, result.issues, result.errors, result.notes)


async def _policy(ctx: AuditContext, out: Collector) -> FetchResult | None:
    web = await policy_fetch(ctx)
    if web is None:
        return None
    if web.offline:
        emit(out, notes=[Reason("fetch.offline", policy_host(ctx.domain))])
    for failure in web.failures if web.result is None else ():
        out.failed(failure)
    return web.result


CHECK = Check("mta_sts", "MTA-STS: the _mta-sts record, the policy as senders fetch it, MX coverage", run,
              needs=("mx",), reads=("ca_file", "allow_private_targets", "https_port", "https_timeout"),
              phase="transport")
