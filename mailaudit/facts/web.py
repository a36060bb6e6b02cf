"""HTTPS fetches for checks (MTA-STS policies, BIMI logos and mark certificates), once per run.

The host's addresses come from the audit's own resolver (A and AAAA), never from the system; the
fetch itself is :class:`mailaudit.net.https.HttpsFetcher` with the run's ``--ca-file``,
``--allow-private-targets`` and port. Each (host, path) is fetched once per run, however many
domains or checks ask (the run memo de-duplicates fetches in flight).
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass

from mailaudit.context import AuditContext
from mailaudit.dnscore.answer import Answer, Outcome
from mailaudit.net.https import FetchResult, FetchRules, HttpsFetcher, HttpsSettings


@dataclass(frozen=True, slots=True)
class WebFetch:
    """``result`` is None when nothing was fetched: the host's addresses could not be looked up
    (``failures`` say why), or the run is ``--offline`` (no network at all)."""

    result: FetchResult | None
    failures: tuple[Answer, ...] = ()
    offline: bool = False


async def fetcher(ctx: AuditContext) -> HttpsFetcher:
    settings = HttpsSettings(ca_file=ctx.options.ca_file, allow_private=ctx.options.allow_private_targets,
                             port=ctx.options.https_port)

    async def make() -> HttpsFetcher:
        return HttpsFetcher(settings)

    return await ctx.shared(("net.https", settings), make)


async def fetch(ctx: AuditContext, host: str, path: str, rules: FetchRules) -> WebFetch:
    """GET ``https://host/path`` under the senders' rules; once per run for each (host, path)."""
    key = ("net.https.fetch", host.lower().rstrip("."), path, rules)
    # A fetch outcome (timeouts included) is the host's answer for this run: kept, so a dead logo
    # host shared by a thousand domains costs one deadline. A failed address lookup is not kept:
    # the resolver decides when to ask again.
    return await ctx.shared(key, lambda: _fetch(ctx, host.rstrip("."), path, rules),
                            keep=lambda fetched: fetched.result is not None or fetched.offline)


async def _fetch(ctx: AuditContext, host: str, path: str, rules: FetchRules) -> WebFetch:
    if ctx.resolver.offline:
        return WebFetch(None, offline=True)
    answers = await asyncio.gather(ctx.query(host, "A"), ctx.query(host, "AAAA"))
    addresses = [a for answer in answers for a in answer.addresses()]
    failures = tuple(a for a in answers if a.outcome is Outcome.ERROR)
    if failures and not addresses:
        return WebFetch(None, failures)
    client = await fetcher(ctx)
    result = await client.fetch(host, addresses, path, rules)
    return WebFetch(dataclasses.replace(result, url=f"https://{host}{path}"), failures)
