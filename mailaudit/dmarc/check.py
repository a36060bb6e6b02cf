"""DMARC check: the policy in force (found by ``facts.dmarc``), the record's tags, report
authorisation."""

from __future__ import annotations

import asyncio

import dns.exception
import dns.name
import dns.rdatatype

from mailaudit.checks.base import Check, Collector, dns_record
from mailaudit.context import AuditContext
from mailaudit.dmarc.record import DmarcRecord, ReportUri, is_dmarc, looks_like_spf, parse_dmarc, weaker
from mailaudit.dnscore.answer import Answer
from mailaudit.dnscore.resolver import NOT_VERIFIABLE
from mailaudit.facts.dmarc import DmarcFacts, Level, dmarc_facts
from mailaudit.facts.posture import sends_no_mail
from mailaudit.model import DnsRecord


async def run(ctx: AuditContext, out: Collector) -> None:
    facts, apex = await asyncio.gather(dmarc_facts(ctx), ctx.query(ctx.name, "TXT"))
    for failure in facts.failures:
        out.failed(failure)
    for answer in facts.unverified:
        out.note(f"{answer.name.to_text(omit_final_dot=True)}: {NOT_VERIFIABLE}; a policy published there "
                 "would apply to this domain")
    out.data.update(_data(facts))
    if not facts.levels or not facts.levels[0].answer.ok:
        return
    own = facts.levels[0]
    _stray(out, own)
    misplaced = _misplaced(ctx, out, apex, bool(own.records))
    for level in facts.levels:
        if len(level.records) > 1:
            out.add("dmarc.multiple", level.owner, evidence=[_shown(level.owner, t) for t in level.records],
                    count=len(level.records))
    if facts.parsed is None:
        if facts.complete and len(own.records) < 2:
            await _missing(ctx, out, facts, misplaced)
        return
    await _judge(ctx, out, facts)


def _data(facts: DmarcFacts) -> dict[str, object]:
    walk = [{"name": level.owner, "outcome": level.answer.outcome.value, "records": list(level.records)}
            for level in facts.levels]
    record = facts.parsed
    sub = record.subdomain_policy if record else None
    return {
        "record": facts.record,
        "found_at": facts.found_at,
        "inherited": facts.inherited,
        "tags": dict(record.tags) if record else {},
        "policy": facts.policy,
        # for this domain's own subdomains: an inherited record gives them its sp as well
        "subdomain_policy": sub,
        "nonexistent_policy": record.nonexistent_policy if record else None,
        "effective_policy": facts.effective,
        "walk": walk,
    }


def _shown(owner: str, text: str) -> str:
    return f'{owner}. TXT "{text}"'


def _stray(out: Collector, own: Level) -> None:
    for text in own.answer.texts():
        if is_dmarc(text):
            continue
        finding = "dmarc.txt.spf" if looks_like_spf(text) else "dmarc.txt.other"
        out.add(finding, own.owner, evidence=[_shown(own.owner, text)],
                remove=[dns_record(own.owner, "TXT", text)])


def _misplaced(ctx: AuditContext, out: Collector, apex: Answer, has_own: bool) -> str | None:
    """A ``v=DMARC1`` record at the apex. When ``_dmarc`` already holds a record, the apex copy
    is only removed: it must never replace the record in force."""
    if not apex.ok:
        out.failed(apex)
        return None
    found = [t for t in apex.texts() if is_dmarc(t)]
    for text in found:
        moved = [] if has_own else [dns_record(f"_dmarc.{ctx.domain}", "TXT", text)]
        out.add("dmarc.misplaced", ctx.domain, variant="duplicate" if has_own else "default",
                evidence=[_shown(ctx.domain, text)], records=moved, remove=[dns_record(ctx.name, "TXT", text)])
    return found[0] if found else None


def report_address(domain: str) -> str:
    """The placeholder aggregate-report address suggested records use (change it)."""
    return f"mailto:dmarc-reports@{domain}"


async def _missing(ctx: AuditContext, out: Collector, facts: DmarcFacts, misplaced: str | None) -> None:
    owner = f"_dmarc.{ctx.domain}"
    evidence = [level.answer.describe() for level in facts.levels]
    if misplaced is not None:
        out.add("dmarc.missing", variant="misplaced", evidence=evidence,
                records=[dns_record(owner, "TXT", misplaced)])
    elif await sends_no_mail(ctx):
        out.add("dmarc.missing", variant="nomail", evidence=evidence,
                records=[dns_record(owner, "TXT", "v=DMARC1; p=reject")])
    else:
        value = f"v=DMARC1; p=none; rua={report_address(ctx.domain)}"
        out.add("dmarc.missing", evidence=evidence, records=[dns_record(owner, "TXT", value)],
                rua=report_address(ctx.domain))


async def _judge(ctx: AuditContext, out: Collector, facts: DmarcFacts) -> None:
    record, owner = facts.parsed, facts.found_at
    assert record is not None and owner is not None and facts.policy_domain is not None
    shown = [_shown(owner, record.text)]
    if facts.inherited:
        out.add("dmarc.inherited", owner, evidence=shown, found_at=owner,
                policy=facts.policy or "none", np=record.nonexistent_policy)
    if record.repairable:
        fixed = record.with_tags(**dict.fromkeys(record.invalid))
        out.add("dmarc.syntax", owner, variant="repair", evidence=shown, problems="; ".join(record.errors),
                records=[dns_record(owner, "TXT", fixed)], tags=", ".join(record.invalid))
    elif record.errors:
        out.add("dmarc.syntax", owner, evidence=shown, problems="; ".join(record.errors))
    nomail = await sends_no_mail(ctx)
    _policy(ctx, out, facts, nomail)
    _tags(out, record, owner, shown, nomail)
    _uris(out, record, owner, shown)
    await _authorisation(ctx, out, record, facts.policy_domain, owner)


def _policy(ctx: AuditContext, out: Collector, facts: DmarcFacts, nomail: bool) -> None:
    """``dmarc.policy.none`` when receivers apply ``none`` or no DMARC at all. A record whose
    only trouble is an invalid ``sp``/``np`` (RFC 9989 section 4.10.1: the whole record then
    falls back) is left to the ``dmarc.syntax`` repair, which restores its ``p``."""
    record, owner = facts.parsed, facts.found_at
    if facts.policy not in ("none", None) or record is None or owner is None:
        return
    if record.p not in (None, "none") and not record.policies_valid and record.repairable:
        return
    shown = [_shown(owner, record.text)]
    own = f"_dmarc.{ctx.domain}"
    if nomail:
        value = record.with_tags(p="reject") if not facts.inherited else "v=DMARC1; p=reject"
        out.add("dmarc.policy.none", owner, variant="nomail", evidence=shown,
                records=[dns_record(own, "TXT", value)])
        return
    rua = report_address(ctx.domain if facts.inherited else facts.policy_domain or ctx.domain)
    collects = any(u.usable for u in record.rua)
    variant = _none_variant(facts, record, collects)
    if facts.inherited:  # never rewrite the parent's record: it applies to many domains
        value = f"v=DMARC1; p=none; rua={rua}"
    else:  # every stage drops the invalid tags, so the record it proposes parses
        drop: dict[str, str | None] = dict.fromkeys(t for t in record.invalid if t != "p")
        stage = {"p": record.p or "none", "rua": rua} if not collects else {"p": "quarantine"}
        value = record.with_tags(**{**drop, **stage})
    out.add("dmarc.policy.none", owner, variant=variant, evidence=shown,
            records=[dns_record(own if facts.inherited else owner, "TXT", value)], rua=rua)


def _none_variant(facts: DmarcFacts, record: DmarcRecord, collects: bool) -> str:
    if facts.policy is None:
        return "ignored"
    if facts.inherited:
        return "inherited"
    if record.p is None:
        return "absent"
    return "default" if collects else "collect"


def _tags(out: Collector, record: DmarcRecord, owner: str, shown: list[str], nomail: bool) -> None:
    def fixed(**changes: str | None) -> list[DnsRecord]:
        return [dns_record(owner, "TXT", record.with_tags(**changes))]

    if record.pct is not None and record.pct < 100:
        out.add("dmarc.pct.partial", owner, evidence=shown, records=fixed(pct=None), pct=record.pct)
    if record.testing:
        out.add("dmarc.testing", owner, evidence=shown, records=fixed(t=None))
    p = record.p or "none"
    if record.sp is not None and weaker(record.sp, p):
        out.add("dmarc.subdomain.weaker", owner, evidence=shown, records=fixed(sp=None), sp=record.sp, p=p)
    if record.np is not None and weaker(record.np, p):
        out.add("dmarc.np.weaker", owner, evidence=shown, records=fixed(np=None), np=record.np, p=p)
    if not any(u.usable for u in record.rua):
        rua = report_address(owner.removeprefix("_dmarc."))
        out.add("dmarc.rua.missing", owner, variant="nomail" if nomail else "default", evidence=shown,
                records=[] if nomail else fixed(rua=rua), rua=rua)
    if record.unknown:
        out.add("dmarc.tag.unknown", owner, evidence=shown, tags=", ".join(record.unknown),
                records=fixed(**dict.fromkeys(record.unknown)))
    partial = record.pct is not None and record.pct < 100
    legacy = [name for name in record.legacy if not (name == "pct" and partial)]
    if legacy:
        out.add("dmarc.tag.legacy", owner, evidence=shown, tags=", ".join(legacy))


def _uris(out: Collector, record: DmarcRecord, owner: str, shown: list[str]) -> None:
    for tag, uris in (("rua", record.rua), ("ruf", record.ruf)):
        kept = [text for text in (_repaired(u) for u in uris) if text]
        value = ", ".join(kept) or None
        for uri in uris:
            if uri.problem is not None:
                out.add("dmarc.uri.invalid", f"{tag}={uri.text}", variant=uri.problem, evidence=shown,
                        records=[dns_record(owner, "TXT", record.with_tags(**{tag: value}))],
                        tag=tag, uri=uri.text, scheme=uri.scheme or "none", size=uri.size or "")


def _repaired(uri: ReportUri) -> str | None:
    if uri.problem is None:
        return uri.text
    if uri.problem == "size":
        return uri.text.rpartition("!")[0]
    return None


def _external(domain: str, host: str) -> bool:
    """A destination outside the policy domain's tree (RFC 9990 section 4 "external")."""
    d, h = domain.lower(), host.lower()
    return not (h == d or h.endswith("." + d) or d.endswith("." + h))


def _report_name(domain: str, host: str) -> dns.name.Name | None:
    try:
        return dns.name.from_text(f"{domain}._report._dmarc.{host}")
    except dns.exception.DNSException:
        return None


def _common_parent(domain: str, host: str) -> str | None:
    """The closest common ancestor of two names, when it has at least two labels."""
    a, b = domain.lower().split(".")[::-1], host.lower().split(".")[::-1]
    common: list[str] = []
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common.append(x)
    return ".".join(reversed(common)) if len(common) >= 2 else None


async def _same_organization(ctx: AuditContext, domain: str, host: str) -> Answer | bool:
    """RFC 9990 compares organizational domains: a sibling (``b.example.com`` for
    ``a.example.com``) is inside the organisation when the common parent publishes a DMARC
    record that is not a public-suffix one (``psd=y``), since the tree walk of RFC 9989 then
    makes it (or a name above it) both names' organizational domain. A failed lookup is returned."""
    parent = _common_parent(domain, host)
    name = _report_name_at(parent) if parent else None
    if name is None:
        return False
    answer = await ctx.query(name, "TXT")
    if not answer.ok:
        return answer
    records = [t for t in answer.texts() if is_dmarc(t)]
    return len(records) == 1 and parse_dmarc(records[0]).psd != "y"


def _report_name_at(parent: str) -> dns.name.Name | None:
    try:
        return dns.name.from_text(f"_dmarc.{parent}")
    except dns.exception.DNSException:
        return None


Wanted = dict[str, dict[str, list[str]]]  # host -> address -> tags


async def _wanted(ctx: AuditContext, out: Collector, record: DmarcRecord, domain: str) -> Wanted:
    """host -> address -> tags, for the destinations outside the policy domain's organisation."""
    wanted: Wanted = {}
    for tag, uris in (("rua", record.rua), ("ruf", record.ruf)):
        for uri in uris:
            if uri.usable and uri.host and _external(domain, uri.host):
                wanted.setdefault(uri.host, {}).setdefault(uri.address, []).append(tag)
    for host in list(wanted):
        same = await _same_organization(ctx, domain, host)
        if isinstance(same, Answer):
            out.failed(same)
        if same is not False:
            del wanted[host]
    return wanted


async def _authorisation(ctx: AuditContext, out: Collector, record: DmarcRecord, domain: str, owner: str) -> None:
    """RFC 7489 section 7.1 / RFC 9990: a destination on another domain must publish
    ``<domain>._report._dmarc.<destination>`` (a wildcard there counts)."""
    wanted = await _wanted(ctx, out, record, domain)
    names = {host: _report_name(domain, host) for host in wanted}
    asked = [(host, name) for host, name in names.items() if name is not None]
    answers = await asyncio.gather(*(ctx.query(name, "TXT") for _, name in asked))
    for (host, name), answer in zip(asked, answers, strict=True):
        if not answer.ok:
            out.failed(answer)
            continue
        if any(is_dmarc(t) for t in answer.texts()):
            continue
        seen = [_shown(name.to_text(True), t) for t in answer.texts()] or [answer.describe()]
        for address, tags in wanted[host].items():
            out.add("dmarc.rua.unauthorized", address, variant="ruf" if tags == ["ruf"] else "default",
                    evidence=[_shown(owner, record.text), *seen],
                    records=[dns_record(name, "TXT", "v=DMARC1")],
                    destination=host, address=address, tags=", ".join(tags),
                    name=name.to_text(True), policy_domain=domain)


CHECK = Check(
    "dmarc", "DMARC policy: discovery, tags, report authorisation", run,
    needs=("dmarc", "posture"), phase="dmarc",
)
