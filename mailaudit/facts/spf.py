"""Shared SPF facts: the domain's SPF record and its include/redirect tree, once per domain.
Include trees of providers shared by many domains are fetched once per run."""

from __future__ import annotations

from dataclasses import dataclass

from mailaudit.context import AuditContext
from mailaudit.spf.tree import NodeInfo, SpfNode, authorised_networks, build_tree, fetch_node

MAX_SINGLE_HOSTS = 100


@dataclass(frozen=True, slots=True)
class SpfFacts:
    """What other checks need to know about the domain's SPF record."""

    record: str | None = None  # the domain's SPF record, if exactly one
    complete: bool = False  # False when the lookups could not complete
    sends_no_mail: bool = False  # the record is exactly "v=spf1 -all" (nothing authorised)
    single_hosts: tuple[str, ...] = ()  # single addresses (ip4 /32, ip6 /128, a/mx hosts) it authorises
    tree: SpfNode | None = None  # the include/redirect tree (None only when the walk did not start)


async def spf_facts(ctx: AuditContext) -> SpfFacts:
    return await ctx.fact("spf", lambda: _collect(ctx))


async def _fetch(ctx: AuditContext, domain: str) -> NodeInfo:
    """One node's facts, once per run: include trees shared by many domains are fetched once."""
    if domain == ctx.domain:  # the domain's own record: needed by this audit only
        return await ctx.fact(("spf.node", domain), lambda: fetch_node(ctx.resolver, domain))
    return await ctx.shared(("spf.node", domain), lambda: fetch_node(ctx.resolver, domain), keep=_complete)


def _complete(info: NodeInfo) -> bool:
    """A node that could not be fetched is not kept for the run: a brief failure must not spoil
    every later domain that includes it."""
    return not info.failures and info.problem != "failed"


async def _collect(ctx: AuditContext) -> SpfFacts:
    tree = await build_tree(ctx.domain, lambda domain: _fetch(ctx, domain))
    info = tree.info
    complete = not any(n.info.failures or n.info.problem == "failed" for n in tree.walk())
    record = info.records[0] if len(info.records) == 1 else None
    parsed = info.record
    no_mail = parsed is not None and [t.text.lower() for t in parsed.terms] == ["-all"]
    return SpfFacts(record, complete, no_mail, _single_hosts(tree), tree)


def _single_hosts(tree: SpfNode) -> tuple[str, ...]:
    v4, v6 = authorised_networks(tree)
    hosts = [n.removesuffix("/32") for n in v4 if n.endswith("/32")]
    hosts += [n.removesuffix("/128") for n in v6 if n.endswith("/128")]
    return tuple(hosts[:MAX_SINGLE_HOSTS])
