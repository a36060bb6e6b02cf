"""Shared MTA-STS facts: the domain's policy fetched once, as a sender fetches it. The MTA-STS
check judges it; the SMTP probe reads whether it is in ``enforce`` mode (then a bad MX
certificate means MTA-STS senders refuse to deliver: ``smtp.certificate.invalid`` is high)."""

from __future__ import annotations

from mailaudit.context import AuditContext
from mailaudit.facts.web import WebFetch, fetch
from mailaudit.mta_sts import record
from mailaudit.mta_sts.assess import POLICY_PATH, policy_host
from mailaudit.mta_sts.policy import StsPolicy, parse
from mailaudit.net.https import FetchRules

POLICY_MAX_BYTES = 64 * 1024  # what postfix-mta-sts-resolver and RFC 8461 section 3.3 suggest


async def policy_fetch(ctx: AuditContext) -> WebFetch | None:
    """The policy fetch (once per run for its host), or None without one valid ``_mta-sts`` record
    (or when that record could not be asked: the check says so)."""
    return await ctx.fact("mta_sts.fetch", lambda: _fetch(ctx))


async def _fetch(ctx: AuditContext) -> WebFetch | None:
    answer = await ctx.query(f"_mta-sts.{ctx.domain}", "TXT")
    if not answer.ok:
        return None
    chosen = record.select(answer.texts())
    if len(chosen) != 1 or not record.parse(chosen[0]).valid:
        return None
    rules = FetchRules(frozenset({"text/plain"}), POLICY_MAX_BYTES, ctx.options.https_timeout)
    return await fetch(ctx, policy_host(ctx.domain), POLICY_PATH, rules)


async def enforced_policy(ctx: AuditContext) -> StsPolicy | None:
    """The valid policy in force when its mode is ``enforce``, else None."""
    web = await policy_fetch(ctx)
    if web is None or web.result is None or not web.result.ok:
        return None
    parsed = parse(web.result.body)
    return parsed if parsed.valid and parsed.mode == "enforce" else None
