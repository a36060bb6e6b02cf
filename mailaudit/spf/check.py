"""SPF check: the record, its whole include/redirect tree, the verdict on ``all`` and the
addresses given with ``--sending-ip``. The shared facts it reads live in ``facts/``.

Findings carry the record text as evidence and, where a record can be pasted, the complete
replacement record (every other term unchanged). The tree, per-node counts, the merged
authorised networks and the evaluations go to ``out.data`` for renderers.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterator
from typing import Any

from mailaudit.addresses import parse_ip
from mailaudit.checks.base import Check, Collector, dns_record
from mailaudit.context import AuditContext
from mailaudit.dnscore.answer import Outcome
from mailaudit.facts.dmarc import DmarcFacts, dmarc_facts
from mailaudit.facts.mx import forward_confirmed, mx_facts
from mailaudit.facts.senders import inferred_senders
from mailaudit.facts.spf import spf_facts
from mailaudit.model import DnsRecord, Severity
from mailaudit.spf.evaluate import MAX_LOOKUPS, MAX_VOIDS, SpfResult, check_host_async
from mailaudit.spf.record import (
    Qualifier,
    SpfRecord,
    all_moved_last,
    is_spf_record,
    parse_record,
    redirect_as_include,
    replace_all,
    with_term,
    without_term,
)
from mailaudit.spf.tree import NodeInfo, SpfNode

MAX_RECORD_BYTES = 450




async def run(ctx: AuditContext, out: Collector) -> None:
    # the type-99 question (_side_records) does not depend on the tree: ask it alongside, cached
    facts, _ = await asyncio.gather(spf_facts(ctx), ctx.query(ctx.name, "SPF"))
    tree = facts.tree
    assert tree is not None
    info = tree.info
    if info.problem == "failed":
        for failure in info.failures:
            out.failed(failure)
        return
    await _side_records(ctx, out, info)
    if info.problem == "missing":
        await _missing(ctx, out, info)
    elif info.problem == "multiple":
        out.add("spf.multiple", evidence=info.records, count=len(info.records))
    elif info.problem == "syntax":
        out.add("spf.syntax", evidence=info.records, error=info.error)
    elif info.record is not None:
        await _analyse(ctx, out, tree, info.record, facts.networks)
    await _sending_ips(ctx, out, tree)


async def _side_records(ctx: AuditContext, out: Collector, info: NodeInfo) -> None:
    """SPF (type 99) records and Sender ID (spf2.0) records: informational."""
    sender_id = [text for text in info.txt if text[:7].lower() == "spf2.0/"]
    if sender_id:
        out.add("spf.senderid", evidence=sender_id, record="; ".join(sender_id))
    answer = await ctx.query(ctx.name, "SPF")
    if not answer.ok:
        out.failed(answer)
    elif answer.outcome is Outcome.ANSWER:
        texts = answer.texts()
        same = {t for t in texts if is_spf_record(t)} == set(info.records)
        out.add("spf.type99", variant="default" if same else "differs",
                evidence=[f"{ctx.domain} SPF {t}" for t in texts])


async def _missing(ctx: AuditContext, out: Collector, info: NodeInfo) -> None:
    evidence = [info.error, *(f"TXT {t}" for t in info.txt[:5])]
    if info.nxdomain:
        out.add("spf.missing", variant="nxdomain", evidence=evidence)
        return
    if ctx.options.sending_ips and (terms := _ip_terms(ctx.options.sending_ips)):
        senders = await inferred_senders(ctx)
        new_all = "~all" if await _dmarc_enforced(ctx) else "-all"
        record = " ".join(["v=spf1", *terms, *(f"include:{s.include}" for s in senders), new_all])
        also = "".join(f", include:{s.include} ({s.provider})" for s in senders)
        out.add("spf.missing", variant="sending", evidence=evidence, records=[dns_record(ctx.name, "TXT", record)],
                addresses=", ".join(ctx.options.sending_ips), also=also, record=record)
        return
    mx = await mx_facts(ctx)
    if mx.null and not mx.hosts:
        out.add("spf.missing", variant="no_mail", evidence=[*evidence, *mx.records],
                records=[dns_record(ctx.name, "TXT", "v=spf1 -all")])
    elif mx.answer.outcome is Outcome.NODATA and await _web_only(ctx):
        # no MX, only a web address: most such domains send no mail; the fix plan keeps the
        # record conditional (the web server may send contact-form mail)
        out.add("spf.missing", variant="no_mx", evidence=[*evidence, mx.answer.describe()],
                records=[dns_record(ctx.name, "TXT", "v=spf1 -all")])
    elif senders := await inferred_senders(ctx):
        new_all = "~all" if await _dmarc_enforced(ctx) else "-all"
        record = " ".join(["v=spf1", *(f"include:{s.include}" for s in senders), new_all])
        hosts = ", ".join(h.text.lower() for h in mx.hosts) or "none"
        out.add("spf.missing", variant="provider", evidence=[*evidence, f"{ctx.domain} MX: {hosts}"],
                records=[dns_record(ctx.name, "TXT", record)], provider=", ".join(s.provider for s in senders),
                include=", ".join(s.include for s in senders), record=record)
    else:
        out.add("spf.missing", evidence=evidence)


def _ip_terms(ips: tuple[str, ...]) -> list[str]:
    out = []
    for text in ips:
        ip = parse_ip(text)
        if ip is not None:
            mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
            out.append(f"ip4:{mapped or ip}" if (mapped or ip).version == 4 else f"ip6:{ip}")
    return list(dict.fromkeys(out))


async def _web_only(ctx: AuditContext) -> bool:
    answer = await ctx.query(ctx.name, "A")
    return answer.outcome is Outcome.ANSWER


async def _dmarc_enforced(ctx: AuditContext) -> bool:
    return (await dmarc_facts(ctx)).enforced is True


async def _analyse(ctx: AuditContext, out: Collector, tree: SpfNode, record: SpfRecord,
                   networks: tuple[list[str], list[str]]) -> None:
    v4, v6 = networks
    out.data.update({
        "record": record.text, "lookups": tree.total_lookups, "voids": tree.total_voids,
        "tree": tree.to_data(), "networks": {"ipv4": v4, "ipv6": v6},
    })
    for node in tree.walk():
        for failure in node.info.failures:
            out.failed(failure)
    _limits(out, tree, record)
    repaired = await _broken_targets(ctx, out, tree)
    _term_findings(out, tree)
    if len(record.text.encode()) > MAX_RECORD_BYTES:
        out.add("spf.record.too_long", evidence=[record.text], size=len(record.text.encode()))
    _order(out, ctx.domain, record)
    await _verdict_on_all(ctx, out, tree, repaired)
    await _null_mx(ctx, out, record)


def _limits(out: Collector, tree: SpfNode, record: SpfRecord) -> None:
    costs = ", ".join(f"{term} {tree.cost_of(term)}" for term in _dns_term_texts(tree)) or "none"
    total = tree.total_lookups
    count = f"at least {total}" if any(n.truncated for n in tree.walk()) else str(total)
    loop = _loop_path(tree, ())
    if loop:
        out.add("spf.lookups.exceeded", variant="loop", evidence=[record.text], count=count,
                costs=costs, loop=" -> ".join(loop), excess=max(total - MAX_LOOKUPS, 1))
    elif total > MAX_LOOKUPS:
        out.add("spf.lookups.exceeded", evidence=[record.text], count=count, costs=costs,
                excess=total - MAX_LOOKUPS)
    if tree.total_voids > MAX_VOIDS:
        voids = [f"{c.text} ({n.domain})" for n in tree.walk() for c in n.info.costs if c.void]
        voids += [f"{n.term} ({n.domain} does not exist)" for n in tree.walk() if n.via != "root" and n.info.absent]
        out.add("spf.void.exceeded", evidence=[record.text], count=tree.total_voids, terms=", ".join(voids))


def _loop_path(node: SpfNode, path: tuple[str, ...]) -> tuple[str, ...]:
    """The chain of domains from the root to the first include/redirect loop, or ()."""
    here = (*path, node.domain)
    if node.loop:
        return here
    return next((found for c in node.children if (found := _loop_path(c, here))), ())


def _dns_term_texts(node: SpfNode) -> list[str]:
    return [c.text for c in node.info.costs]


def _edges(node: SpfNode) -> Iterator[tuple[SpfNode, SpfNode]]:
    for child in node.children:
        yield node, child
        yield from _edges(child)


async def _broken_targets(ctx: AuditContext, out: Collector, tree: SpfNode) -> SpfRecord:
    """One finding per broken include/redirect target; returns the domain's own record with
    the repairs those findings propose, so other fixes build on a record that evaluates."""
    reported: set[str] = set()
    own = tree.info.record
    assert own is not None
    for parent, child in _edges(tree):
        problem, record = child.info.problem, parent.info.record
        if problem not in ("missing", "multiple", "syntax", "invalid") or record is None:
            continue
        if child.domain in reported:  # one finding per broken target, however often it is named
            continue
        reported.add(child.domain)
        ours = parent is tree or parent.domain.endswith("." + tree.domain)
        params: dict[str, Any] = {"parent": parent.domain, "term": child.term, "error": child.info.error}
        evidence = [f"{parent.domain} TXT {record.text}", child.info.error, *child.info.records]
        if problem != "missing":
            fixed = [dns_record(parent.domain, "TXT", without_term(record, child.term))] if ours else []
            out.add("spf.include.invalid", child.domain, evidence=evidence, records=fixed, **params)
            continue
        host = await _host_term(ctx, out, child) if ours and not child.info.nxdomain else None
        if host is not None:
            evidence.append(f"{child.domain} A/AAAA: {host[1]}")
            value = _replaced(record, child.term, host[0])
            params["replacement"] = host[0]
        else:
            value = without_term(record, child.term)
        variant = "host" if host is not None else ("nxdomain" if child.info.nxdomain else "default")
        fixed = [dns_record(parent.domain, "TXT", value)] if ours else []
        out.add("spf.include.missing", child.domain, variant=variant, evidence=evidence, records=fixed, **params)
        if parent is tree:
            own = _parsed(value, own)
    return own


def _parsed(value: str, fallback: SpfRecord) -> SpfRecord:
    try:
        return parse_record(value)
    except ValueError:
        return fallback


async def _host_term(ctx: AuditContext, out: Collector, child: SpfNode) -> tuple[str, str] | None:
    """For ``include:HOST`` where HOST has no SPF record but has addresses (a mail server's
    name written where a policy was meant): the ``a:HOST`` term that authorises it, and the
    addresses; None otherwise (also for redirect, whose target must be a policy)."""
    if child.via != "include":
        return None
    v4, v6 = await asyncio.gather(ctx.query(child.domain, "A"), ctx.query(child.domain, "AAAA"))
    for answer in (v4, v6):
        if not answer.ok:
            out.failed(answer)
    addresses = v4.addresses() + v6.addresses()
    if not addresses:
        return None
    qualifier = child.term[0] if child.term[:1] in "+-~?" else ""
    return f"{qualifier}a:{child.domain}", ", ".join(addresses[:4])


def _replaced(record: SpfRecord, old: str, new: str) -> str:
    """The record with the (first) term written ``old`` replaced by ``new`` (dropped if the
    record already has ``new``)."""
    texts = list(record.term_texts)
    if old in texts:
        if new in texts:
            texts.remove(old)
        else:
            texts[texts.index(old)] = new
    return record.rebuilt(tuple(texts))


def _term_findings(out: Collector, tree: SpfNode) -> None:
    for node in tree.walk():
        record = node.info.record
        if record is None or node.loop:
            continue
        too_many = [c for c in node.info.costs if c.note.startswith("more than")]
        if too_many:
            out.add("spf.mx.too_many", node.domain, evidence=[record.text, *(c.note for c in too_many)],
                    term=", ".join(c.text for c in too_many), target=", ".join(c.target or "" for c in too_many))
        ptr = [t.text for t in record.mechanisms if t.kind == "ptr"]
        if ptr:
            out.add("spf.ptr", node.domain, evidence=[record.text], term=", ".join(ptr))


def _order(out: Collector, domain: str, record: SpfRecord) -> None:
    first = record.all
    if first is None:
        return
    after = record.mechanisms[record.mechanisms.index(first) + 1:]
    if after:
        out.add("spf.all.not_last", evidence=[record.text], all_term=first.text,
                terms=" ".join(t.text for t in after),
                records=[dns_record(domain, "TXT", all_moved_last(record))])
    redirect = record.redirect
    if redirect is not None:
        out.add("spf.redirect.ignored", evidence=[record.text], redirect=redirect.text,
                all_term=first.text, target=redirect.value.text)


def _policy_holder(tree: SpfNode) -> SpfNode:
    """The node whose ``all`` decides: the root, or the end of its redirect chain."""
    node = tree
    while node.info.record is not None and node.info.record.all is None:
        follow = next((c for c in node.children if c.via == "redirect"), None)
        if follow is None or follow.info.record is None:
            return node
        node = follow
    return node


def _dmarc_text(dmarc: DmarcFacts) -> str:
    if dmarc.enforced is None:
        return "DMARC could not be checked"
    return f"p={dmarc.policy}" if dmarc.policy else "no DMARC record"


async def _verdict_on_all(ctx: AuditContext, out: Collector, tree: SpfNode, own: SpfRecord) -> None:
    """``own``: the domain's record with the repairs of broken includes already applied.

    Longer than the house's 40 lines on purpose: the nested ``fixed`` builds the replacement
    record for each verdict (``-all``, ``~all``) from the same holder and redirect chain the
    verdict is judged on, and splitting it would pass six values around."""
    holder = _policy_holder(tree)
    record = holder.info.record
    if record is None or (record.all is None and record.redirect is not None):
        return  # a broken or unresolvable redirect: reported elsewhere
    dmarc = await dmarc_facts(ctx)
    enforced = dmarc.enforced is True
    first = record.all
    evidence = [f"{n.domain} TXT {n.info.record.text}" for n in _redirect_chain(tree, holder) if n.info.record]
    params: dict[str, Any] = {"dmarc": _dmarc_text(dmarc), "all_term": first.text if first else ""}

    needs_fix = first is None or first.qualifier in (Qualifier.PASS, Qualifier.NEUTRAL) or (
        first.qualifier is Qualifier.SOFTFAIL and not enforced)
    includes = await _missing_includes(ctx, tree) if holder is tree else []
    keep = [*includes, *await _passing_by_all(ctx)] if needs_fix else []
    over = tree.total_lookups + len(includes) - MAX_LOOKUPS
    if over > 0 and (keep or includes):  # make room: the domain's own a: terms become their addresses
        own = await _flattened(ctx, own, over)
    if includes:  # for the fix plan: the record in force with the providers' includes, same all
        value = own
        for term in includes:
            value = _parsed(with_term(value, term), value)
        out.data["provider_fix"] = value.text

    def fixed(new_all: str) -> list[DnsRecord]:
        """The domain's own record with ``new_all``; a redirect to a record it does not control
        becomes an include, so the ``all`` is the domain's. The includes of the providers the
        domain is seen to send through (MX, DKIM selectors) are added when missing."""
        value = replace_all(own, new_all) if holder is tree else redirect_as_include(own, new_all)
        for term in keep:
            value = with_term(_parsed(value, own), term)
        return [dns_record(ctx.name, "TXT", value)]

    new_all = "~all" if enforced else "-all"
    if first is None:
        out.add("spf.all.missing", evidence=evidence, records=fixed(new_all), new_all=new_all, **params)
    elif first.qualifier is Qualifier.SOFTFAIL and enforced:
        out.add("spf.all.softfail", variant="dmarc_enforced", severity=Severity.LOW, evidence=evidence,
                new_all="~all", **params)
    elif first.qualifier is Qualifier.SOFTFAIL:
        variant = "dmarc_unknown" if dmarc.enforced is None else ("default" if dmarc.policy else "no_dmarc")
        out.add("spf.all.softfail", variant=variant, evidence=evidence, records=fixed("-all"), new_all="-all",
                **params)
    elif first.qualifier in (Qualifier.PASS, Qualifier.NEUTRAL):
        finding = "spf.all.pass" if first.qualifier is Qualifier.PASS else "spf.all.neutral"
        out.add(finding, evidence=evidence, records=fixed(new_all), new_all=new_all, **params)


async def _flattened(ctx: AuditContext, record: SpfRecord, needed: int) -> SpfRecord:
    """``record`` with up to ``needed`` of its ``a:`` terms for hosts of the domain (or of its
    parent, for a subdomain) replaced by ``ip4:``/``ip6:`` terms of their addresses: each saves
    one DNS lookup, so a provider's include fits under the limit of 10."""
    texts = list(record.term_texts)
    parent = ctx.domain.partition(".")[2]
    ours = [ctx.domain, *([parent] if "." in parent else [])]  # the domain and its parent's hosts
    for term in record.mechanisms:
        target = term.domain.text.lower().rstrip(".") if term.domain is not None else ctx.domain
        own = any(target == d or target.endswith("." + d) for d in ours)
        macros = term.domain is not None and term.domain.has_macros
        if needed <= 0 or term.kind != "a" or not own or macros or term.cidr4 is not None or term.cidr6 is not None:
            continue
        v4, v6 = await asyncio.gather(ctx.query(target, "A"), ctx.query(target, "AAAA"))
        addresses = [f"ip4:{a}" for a in v4.addresses()] + [f"ip6:{a}" for a in v6.addresses()]
        if not (v4.ok and v6.ok) or not addresses or term.qualifier is not Qualifier.PASS:
            continue
        at = texts.index(term.text)
        texts[at : at + 1] = addresses
        needed -= 1
    return _parsed(record.rebuilt(tuple(texts)), record)


async def _passing_by_all(ctx: AuditContext) -> list[str]:
    """``ip4:``/``ip6:`` terms for the ``--sending-ip`` addresses that pass only through the
    ``all`` term being tightened: the fix must not make the domain's own senders fail."""
    terms = []
    for text, term in zip(ctx.options.sending_ips, _ip_terms(ctx.options.sending_ips), strict=False):
        outcome = await check_host_async(text, ctx.domain, f"postmaster@{ctx.domain}", ctx.domain,
                                         resolver=ctx.resolver)
        if outcome.result is SpfResult.PASS and (outcome.mechanism or "").lower().lstrip("+") == "all":
            terms.append(term)
    return terms


async def _missing_includes(ctx: AuditContext, tree: SpfNode) -> list[str]:
    """``include:`` terms of inferred sending providers that the SPF tree does not reach yet."""
    reached = {n.domain.lower().rstrip(".") for n in tree.walk()}
    return [f"include:{s.include}" for s in await inferred_senders(ctx) if s.include not in reached]


def _redirect_chain(tree: SpfNode, holder: SpfNode) -> list[SpfNode]:
    chain = [tree]
    while chain[-1] is not holder:
        chain.append(next(c for c in chain[-1].children if c.via == "redirect"))
    return chain


async def _null_mx(ctx: AuditContext, out: Collector, record: SpfRecord) -> None:
    if [t.text.lower() for t in record.terms] == ["-all"]:
        return
    mx = await mx_facts(ctx)
    if mx.null and not mx.hosts:
        out.add("spf.null_mx.sends", evidence=[record.text, *mx.records], record=record.text,
                records=[dns_record(ctx.name, "TXT", "v=spf1 -all")])


# -- sending addresses -------------------------------------------------------------------------


async def _sending_ips(ctx: AuditContext, out: Collector, tree: SpfNode) -> None:
    evaluations: list[dict[str, object]] = []
    for text in ctx.options.sending_ips:
        ip = parse_ip(text)
        if ip is None:
            out.failed(f"--sending-ip {text!r} is not an IP address")
            continue
        await _evaluate_ip(ctx, out, tree, ip, evaluations)
        verdict = await forward_confirmed(ctx, str(ip))
        if verdict.error is not None:
            out.failed(verdict.error)
        elif not verdict.confirmed:
            out.add("ip.ptr", str(ip), variant=verdict.variant, evidence=verdict.evidence,
                    address=str(ip), names=", ".join(verdict.names) or "none")
    if evaluations:
        out.data["evaluations"] = evaluations


async def _evaluate_ip(
    ctx: AuditContext, out: Collector, tree: SpfNode, ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
    evaluations: list[dict[str, object]],
) -> None:
    outcome = await check_host_async(ip, ctx.domain, f"postmaster@{ctx.domain}", ctx.domain, resolver=ctx.resolver)
    evaluations.append({"ip": str(ip), "result": outcome.result.value, "mechanism": outcome.mechanism,
                        "domain": outcome.domain, "reason": outcome.reason, "lookups": outcome.lookups,
                        "voids": outcome.voids})
    if outcome.result is SpfResult.TEMPERROR:
        out.failed(f"SPF evaluation for {ip}: {outcome.reason}")
        return
    if outcome.result is SpfResult.PASS:
        return
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    term = f"ip4:{mapped or ip}" if (mapped or ip).version == 4 else f"ip6:{ip}"
    record = tree.info.record
    why = f"matched {outcome.mechanism} at {outcome.domain}" if outcome.mechanism else (outcome.reason or "no match")
    variant = outcome.result.value if outcome.result in (SpfResult.NONE, SpfResult.PERMERROR) else "default"
    records = []
    if variant == "default" and record is not None:
        value = _authorising(record, term, outcome.mechanism, outcome.domain, ctx.domain)
        records = [dns_record(ctx.name, "TXT", value)]
    elif variant == "permerror" and record is not None:  # first: it matches before any limit is hit
        records = [dns_record(ctx.name, "TXT", record.rebuilt((term, *record.term_texts)))]
    all_term = record.all.text if record is not None and record.all is not None else "the end"
    evidence = [f"check_host({ip}, {ctx.domain}) = {outcome.result.value}: {why}"]
    evidence += [record.text] if record is not None else []
    out.add("spf.ip.not_authorized", str(ip), variant=variant, evidence=evidence, records=records,
            address=str(ip), result=outcome.result.value, why=why, term=term, all_term=all_term)


def _authorising(record: SpfRecord, term: str, matched: str | None, where: str | None, domain: str) -> str:
    """The record with ``term`` added where it decides: before the ``all``, or before the
    mechanism that failed the address (a ``-ip4:`` term earlier in the record must not still
    fail it)."""
    texts = list(record.term_texts)
    if matched and where == domain and matched in texts and matched.lower().lstrip("+-~?") != "all":
        texts.insert(texts.index(matched), term)
        return record.rebuilt(tuple(texts))
    return with_term(record, term)


CHECK = Check(
    "spf", "SPF: the record, its include tree, lookup limits and the verdict on all", run,
    needs=("spf", "mx", "dmarc"), reads=("sending_ips",), phase="spf", finding_prefixes=("spf", "ip"),
)
