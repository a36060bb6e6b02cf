"""Shared SPF facts: the domain's SPF record and its include/redirect tree, once per domain.
Include trees of providers shared by many domains are fetched once per run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from mailaudit.context import AuditContext
from mailaudit.spf.tree import NodeInfo, SpfNode, add_costs, authorised_networks, build_tree, fetch_record

MAX_SINGLE_HOSTS = 100


@dataclass(frozen=True, slots=True)
class SpfFacts:
    """What other checks need to know about the domain's SPF record."""

    record: str | None = None  # the domain's SPF record, if exactly one
    complete: bool = False  # False when the lookups could not complete
    sends_no_mail: bool = False  # the record is exactly "v=spf1 -all" (nothing authorised)
    single_hosts: tuple[str, ...] = ()  # single addresses (ip4 /32, ip6 /128, a/mx hosts) it authorises
    tree: SpfNode | None = None  # the include/redirect tree (None only when the walk did not start)
    networks: tuple[list[str], list[str]] = ([], [])  # what the tree passes, merged: (IPv4, IPv6)


async def spf_facts(ctx: AuditContext) -> SpfFacts:
    return await ctx.fact("spf", lambda: _collect(ctx))


async def spf_record(ctx: AuditContext) -> NodeInfo:
    """The domain's own SPF record, parsed, as soon as its TXT answer is in: what needs the
    record but not the tree below it (``facts.posture``) reads this, rounds of latency before
    ``spf_facts`` is complete. The same node ``spf_facts`` starts from (no second question)."""
    return await _head(ctx, ctx.domain)


async def _head(ctx: AuditContext, domain: str) -> NodeInfo:
    """One node's record (``fetch_record``), memoised like the node itself (see ``_fetch``)."""
    return await _memo(ctx, "spf.record", domain, lambda: fetch_record(ctx.resolver, domain))


async def _fetch(ctx: AuditContext, domain: str) -> NodeInfo:
    """One node's facts, once per run: include trees shared by many domains are fetched once."""

    async def make() -> NodeInfo:
        return await add_costs(ctx.resolver, await _head(ctx, domain))

    return await _memo(ctx, "spf.node", domain, make)


async def _memo(ctx: AuditContext, kind: str, domain: str, make: Callable[[], Awaitable[NodeInfo]]) -> NodeInfo:
    """The domain's own record: a fact of this audit only; any other (a provider's include): a
    fact of the run, kept only when complete."""
    if domain == ctx.domain:
        return await ctx.fact((kind, domain), make)
    return await ctx.shared((kind, domain), make, keep=_complete)


def _complete(info: NodeInfo) -> bool:
    """A node that could not be fetched is not kept for the run: a brief failure must not spoil
    every later domain that includes it."""
    return not info.failures and info.problem != "failed"


async def _collect(ctx: AuditContext) -> SpfFacts:
    tree = await build_tree(ctx.domain, lambda domain: _fetch(ctx, domain), lambda domain: _head(ctx, domain))
    info = tree.info
    complete = not any(n.info.failures or n.info.problem == "failed" for n in tree.walk())
    record = info.records[0] if len(info.records) == 1 else None
    networks = authorised_networks(tree)
    return SpfFacts(record, complete, says_no_mail(info), _single_hosts(networks), tree, networks)


def says_no_mail(info: NodeInfo) -> bool:
    """The record is exactly ``v=spf1 -all``: nothing may send."""
    parsed = info.record
    return parsed is not None and [t.text.lower() for t in parsed.terms] == ["-all"]


def _single_hosts(networks: tuple[list[str], list[str]]) -> tuple[str, ...]:
    v4, v6 = networks
    hosts = [n.removesuffix("/32") for n in v4 if n.endswith("/32")]
    hosts += [n.removesuffix("/128") for n in v6 if n.endswith("/128")]
    return tuple(hosts[:MAX_SINGLE_HOSTS])
