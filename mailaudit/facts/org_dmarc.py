"""The DMARC records BIMI looks at: the domain's own and its organizational domain's.

BIMI needs both at enforcement, while DMARC discovery (``facts.dmarc``) stops at the first record
it finds. The organizational domain is found the RFC 9989 way, without a public suffix list:
among the domain's parents (the same names the tree walk asks, answers shared through the
resolver's cache), the one with the fewest labels that publishes a DMARC record; when no parent
publishes one, the domain is its own organizational domain. (``psd=`` refinements are not applied.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

import dns.name

from mailaudit.context import AuditContext
from mailaudit.dmarc.record import is_dmarc, parse_dmarc
from mailaudit.dnscore.answer import Answer
from mailaudit.dnscore.resolver import NOT_VERIFIABLE
from mailaudit.facts.dmarc import walk_targets


@dataclass(frozen=True, slots=True)
class OrgDmarc:
    domain: str
    own: Mapping[str, str] | None  # the domain's own record's tags (None: it has none)
    org_domain: str
    org: Mapping[str, str] | None  # the organizational domain's tags
    failures: tuple[Answer, ...] = ()

    @property
    def same(self) -> bool:
        return self.org_domain == self.domain


async def org_dmarc(ctx: AuditContext) -> OrgDmarc:
    return await ctx.fact("org_dmarc", lambda: _find(ctx))


async def _tags(ctx: AuditContext, domain: dns.name.Name) -> tuple[Mapping[str, str] | None, Answer]:
    answer = await ctx.query(dns.name.Name((b"_dmarc", *domain.labels)), "TXT")
    records = [t for t in answer.texts() if is_dmarc(t)] if answer.ok else []
    return (dict(parse_dmarc(records[0]).tags) if len(records) == 1 else None), answer


async def _find(ctx: AuditContext) -> OrgDmarc:
    parents = walk_targets(ctx.name)  # asked whatever the domain's own record says: all at once
    (own, answer), *found = await asyncio.gather(_tags(ctx, ctx.name), *(_tags(ctx, p) for p in parents))
    failures = tuple(a for _, a in [(own, answer), *found] if not a.ok and a.error != NOT_VERIFIABLE)
    with_record = [(p, tags) for p, (tags, _) in zip(parents, found, strict=True) if tags is not None]
    if not with_record:
        return OrgDmarc(ctx.domain, own, ctx.domain, own, failures)
    parent, tags = with_record[-1]  # walk_targets goes up: the last has the fewest labels
    return OrgDmarc(ctx.domain, own, parent.to_text(omit_final_dot=True), tags, failures)
