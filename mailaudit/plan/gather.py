"""Read the facts a runbook starts from, through the shared facts layer (one resolver, memoised):
the MX records with their TTL, the SPF record with the lookup cost of each term, the DMARC
policy in force, the DKIM selectors the relay uses, and the cost of the relay's include.

A lookup that fails becomes the fact's ``error`` (the builder then plans nothing on it), never
an absent record.
"""

from __future__ import annotations

import asyncio
import ipaddress

from mailaudit.context import AuditContext
from mailaudit.dkim.record import analyse_key, looks_like_dkim, parse_dkim
from mailaudit.dnscore.answer import Outcome
from mailaudit.errors import RecordSyntaxError
from mailaudit.facts.dmarc import dmarc_facts
from mailaudit.facts.mx import mx_facts
from mailaudit.facts.spf import spf_facts
from mailaudit.plan.facts import DkimFacts, DmarcFacts, DomainFacts, MxFacts, MxHost, SpfFacts, SpfTerm, owner
from mailaudit.spf.tree import NodeInfo, authorised_networks, build_tree, fetch_node


async def gather(ctx: AuditContext, include: str = "", selectors: tuple[str, ...] = ()) -> DomainFacts:
    mx, spf, dmarc, dkim, (cost, failed) = await asyncio.gather(
        _mx(ctx), _spf(ctx), _dmarc(ctx), _dkim(ctx, selectors), include_cost(ctx, include))
    costs = ((include, cost),) if include and cost is not None else ()
    facts = await mx_facts(ctx)
    return DomainFacts(ctx.domain, mx, spf, dmarc, dkim, costs, facts.addresses, failed)


async def _mx(ctx: AuditContext) -> MxFacts:
    facts = await mx_facts(ctx)
    answer = facts.answer
    if answer.outcome is Outcome.ERROR:
        return MxFacts(error=answer.describe())
    hosts = tuple(MxHost(h.preference, owner(h.name.to_text()), owner(h.cname.to_text()) if h.cname else "")
                  for h in facts.hosts)
    if facts.null:  # RFC 7505 "0 .": removed with the switch like any other MX record
        hosts = (*hosts, MxHost(0, "."))
    return MxFacts(hosts, answer.ttl)


async def _spf(ctx: AuditContext) -> SpfFacts:
    facts = await spf_facts(ctx)
    tree = facts.tree
    if tree is None or not facts.complete:
        failed = [n.info.error for n in tree.walk() if n.info.problem == "failed"] if tree else []
        return SpfFacts(error="; ".join(failed) or "the SPF lookups could not complete", failed=True)
    info = tree.info
    if info.problem == "missing":
        return SpfFacts()
    if info.record is None:
        return SpfFacts(error=info.error or (info.problem or "unusable SPF record"))
    evaluated = {t.text for t in info.evaluated_terms if t.queries_dns}
    terms = tuple(SpfTerm(t.text, tree.cost_of(t.text) if t.text in evaluated else 0) for t in info.record.terms)
    ttl = await _txt_ttl(ctx)
    return SpfFacts(info.record.text, terms, ttl)


async def _txt_ttl(ctx: AuditContext) -> int | None:
    answer = await ctx.query(ctx.name, "TXT")  # cached: the SPF walk asked it already
    return answer.ttl


async def include_cost(ctx: AuditContext, include: str) -> tuple[int | None, bool]:
    """Lookups ``include:<include>`` costs: 1 for itself plus its whole subtree (None when the
    include has no usable SPF record or could not be read), and whether a lookup failed."""
    if not include:
        return None, False

    async def fetch(domain: str) -> NodeInfo:
        return await ctx.shared(("spf.node", domain), lambda: fetch_node(ctx.resolver, domain))

    tree = await build_tree(include, fetch)
    failed = any(n.info.problem == "failed" or n.info.failures for n in tree.walk())
    if failed or any(n.info.problem in ("missing", "multiple", "syntax", "invalid") for n in tree.walk()):
        return None, failed
    return 1 + tree.total_lookups, False


async def include_addresses(ctx: AuditContext, include: str) -> tuple[str, ...]:
    """One address of the first IPv4 and the first IPv6 network the include authorises (for the
    self-check: do the relay's addresses pass SPF once the plan is applied)."""
    if not include:
        return ()

    async def fetch(domain: str) -> NodeInfo:
        return await ctx.shared(("spf.node", domain), lambda: fetch_node(ctx.resolver, domain))

    v4, v6 = authorised_networks(await build_tree(include, fetch))
    out: list[str] = []
    for networks in (v4, v6):
        if networks:
            network = ipaddress.ip_network(networks[0], strict=False)
            out.append(str(network[1] if network.num_addresses > 2 else network[0]))
    return tuple(out)


async def _dmarc(ctx: AuditContext) -> DmarcFacts:
    facts = await dmarc_facts(ctx)
    if not facts.complete:
        return DmarcFacts(error="; ".join(a.describe() for a in facts.failures) or "DMARC discovery incomplete")
    parsed = facts.parsed
    if parsed is None:
        return DmarcFacts(facts.record, facts.found_at, facts.policy)
    return DmarcFacts(facts.record, facts.found_at, facts.policy, parsed.aspf, parsed.adkim)


async def _dkim(ctx: AuditContext, selectors: tuple[str, ...]) -> DkimFacts:
    """Which of ``selectors`` hold a usable key (a CNAME to the provider is followed)."""
    answers = await asyncio.gather(*(ctx.query(f"{s}._domainkey.{ctx.domain}", "TXT") for s in selectors))
    found: list[str] = []
    for selector, answer in zip(selectors, answers, strict=True):
        if answer.outcome is Outcome.ERROR:
            return DkimFacts(error=answer.describe())
        for text in answer.texts():
            if looks_like_dkim(text) and _usable(text):
                found.append(selector)
                break
    return DkimFacts(tuple(found))


def _usable(text: str) -> bool:
    try:
        return analyse_key(parse_dkim(text)).usable
    except RecordSyntaxError:
        return False
