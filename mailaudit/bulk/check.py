"""The big receivers' sender rules: one ``bulk.requirement.unmet`` finding per receiver (Gmail,
Yahoo, Microsoft Outlook.com) whose rules for bulk senders the domain does not meet, from the
shared SPF, DKIM and DMARC facts and the ``--sending-ip`` addresses. A rule whose facts could
not be read is listed as not verifiable, never as unmet; ``checks[].data`` says per receiver
which rules were met, unmet, unknown, or need more than DNS.
"""

from __future__ import annotations

import asyncio

from mailaudit.bulk.rules import BulkFacts, Table, Verdict, evaluate, load, reply
from mailaudit.checks.base import Check, Collector
from mailaudit.context import AuditContext
from mailaudit.facts.dkim import dkim_keys
from mailaudit.facts.dmarc import dmarc_facts
from mailaudit.facts.mx import forward_confirmed
from mailaudit.facts.posture import sends_no_mail
from mailaudit.facts.spf import spf_facts
from mailaudit.spf.evaluate import MAX_LOOKUPS, MAX_VOIDS, check_host_async


async def bulk_facts(ctx: AuditContext) -> BulkFacts:
    spf, dkim, dmarc = await asyncio.gather(spf_facts(ctx), dkim_keys(ctx), dmarc_facts(ctx))
    spf_valid: bool | None = None
    if spf.complete and spf.tree is not None:
        tree = spf.tree
        spf_valid = (spf.record is not None and tree.info.record is not None and not tree.has_loop
                     and tree.total_lookups <= MAX_LOOKUPS and tree.total_voids <= MAX_VOIDS)
    dkim_found = bool(dkim.usable) if dkim.complete or dkim.usable else None
    dkim_weak = dkim.weak if dkim.complete or dkim.usable else None
    dmarc_valid = (dmarc.parsed is not None) if dmarc.complete else None
    ips = ctx.options.sending_ips
    results = await asyncio.gather(*(check_host_async(ip, ctx.domain, f"postmaster@{ctx.domain}", ctx.domain,
                                                      resolver=ctx.resolver) for ip in ips))
    ptrs = await asyncio.gather(*(forward_confirmed(ctx, ip) for ip in ips))
    ip_spf = tuple((ip, str(getattr(r.result, "value", r.result))) for ip, r in zip(ips, results, strict=True))
    ip_ptr = tuple((ip, None if p.error is not None else p.confirmed) for ip, p in zip(ips, ptrs, strict=True))
    return BulkFacts(spf_valid, dkim_found, dkim_weak, dmarc_valid, ip_spf, ip_ptr)


async def _table() -> Table:
    return load()  # parsed once per run, not per domain (a TOML parse: 2 ms)


async def run(ctx: AuditContext, out: Collector) -> None:
    if await sends_no_mail(ctx):
        out.skip("the domain sends no mail")
        return
    table = await ctx.shared("bulk.requirements", _table)
    verdicts = evaluate(await bulk_facts(ctx), table)
    out.data["receivers"] = [_data(v) for v in verdicts]
    for verdict in verdicts:
        if verdict.unmet:
            _add(ctx, out, table, verdict)
    if all(v.unknown and not v.unmet for v in verdicts):
        out.failed("the SPF, DKIM or DMARC lookups could not complete: the rules cannot be judged")


def _add(ctx: AuditContext, out: Collector, table: Table, verdict: Verdict) -> None:
    words = ctx.catalogue.words("bulk")
    rid = verdict.receiver.id
    unmet = "; ".join(words.get(req, req) for req in verdict.unmet)
    replies = ", ".join(dict.fromkeys(r for req in verdict.unmet if (r := reply(table, rid, req))))
    unknown = ", ".join(words.get(req, req) for req in verdict.unknown)
    evidence = [f"{req}: {reply(table, rid, req)}" for req in verdict.unmet]
    out.add("bulk.requirement.unmet", rid, variant="unknown" if unknown else "default", evidence=evidence,
            receiver=verdict.receiver.name, unmet=unmet,
            replies=replies, unknown=unknown)


def _data(verdict: Verdict) -> dict[str, object]:
    return {"receiver": verdict.receiver.id, "unmet": list(verdict.unmet), "unknown": list(verdict.unknown),
            "needs_input": list(verdict.needs_input)}


CHECK = Check("bulk", "Bulk-sender rules of Gmail, Yahoo and Microsoft Outlook.com", run,
              needs=("spf", "dmarc", "dkim", "posture"), reads=("sending_ips", "dkim_selectors"), phase="other",
              graded=False)  # each unmet rule restates an SPF, DKIM or DMARC finding: not counted twice
