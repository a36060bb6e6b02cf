"""DMARC check: policy discovery by the RFC 9989 DNS tree walk, the record's tags, report authorisation.

``dmarc_facts(ctx)`` (memoised per domain) finds the policy in force: the record at
``_dmarc.<domain>``, else the one the tree walk selects among the parents (at most 8 names asked,
RFC 9989 section 4.10). Other checks use ``.enforced``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.rdatatype

from ..answer import Answer, Outcome
from ..dns import NOT_VERIFIABLE
from ..model import DnsRecord
from ..records.dmarc import DmarcRecord, ReportUri, is_dmarc, looks_like_spf, parse_dmarc, weaker
from .base import AuditContext, Check, Collector, dns_record
from .posture import sends_no_mail

TXT = dns.rdatatype.TXT
MAX_WALK = 8  # RFC 9989 section 4.10: at most eight DNS queries for one policy discovery


@dataclass(frozen=True, slots=True)
class Level:
    """One ``_dmarc`` name asked during discovery and the DMARC records it holds."""

    domain: str  # the domain whose _dmarc name was asked, no trailing dot
    answer: Answer
    records: tuple[str, ...] = ()  # TXT strings starting with v=DMARC1
    single: DmarcRecord | None = None  # the record, parsed, when there is exactly one

    @property
    def owner(self) -> str:
        return f"_dmarc.{self.domain}"


@dataclass(frozen=True, slots=True)
class DmarcFacts:
    """What other checks need to know about the domain's DMARC policy."""

    record: str | None = None  # the DMARC record text in force, if any
    policy: str | None = None  # "none" | "quarantine" | "reject" (the policy that applies to the domain)
    found_at: str | None = None  # owner name where the record was found (_dmarc.<policy domain>)
    complete: bool = False  # False when discovery could not complete (lookup failures)
    parsed: DmarcRecord | None = None
    policy_domain: str | None = None  # the domain whose record applies
    levels: tuple[Level, ...] = ()  # every _dmarc name asked, the domain's own first
    failures: tuple[Answer, ...] = ()
    # parents outside the --zone files in offline mode: noted, not failures (the domain's own
    # _dmarc name was verified; only a policy published higher up could not be seen)
    unverified: tuple[Answer, ...] = ()

    @property
    def enforced(self) -> bool | None:
        """True for quarantine/reject, False for none/absent, None when unknown."""
        if not self.complete:
            return None
        return self.policy in ("quarantine", "reject")

    @property
    def inherited(self) -> bool:
        return self.parsed is not None and bool(self.levels) and self.policy_domain != self.levels[0].domain


async def dmarc_facts(ctx: AuditContext) -> DmarcFacts:
    return await ctx.fact("dmarc", lambda: _discover(ctx))


def walk_targets(name: dns.name.Name) -> list[dns.name.Name]:
    """The parents the tree walk asks after the domain itself: from the parent (or, for a name
    of more than 8 labels, from its last 7 labels) up to the top-level domain."""
    labels = len(name) - 1  # without the root label
    start = 1 if labels <= MAX_WALK else labels - (MAX_WALK - 1)
    return [dns.name.Name(name.labels[i:]) for i in range(start, labels)]


async def _level(ctx: AuditContext, domain: dns.name.Name) -> Level:
    try:
        owner = dns.name.Name((b"_dmarc", *domain.labels))
    except dns.name.NameTooLong:  # no such name can exist, so it holds no record
        return Level(domain.to_text(omit_final_dot=True), Answer(domain, TXT, Outcome.NXDOMAIN))
    answer = await ctx.query(owner, "TXT")
    records = tuple(t for t in answer.texts() if is_dmarc(t))
    single = parse_dmarc(records[0]) if len(records) == 1 else None
    return Level(domain.to_text(omit_final_dot=True), answer, records, single)


async def _discover(ctx: AuditContext) -> DmarcFacts:
    own = await _level(ctx, ctx.name)
    if not own.answer.ok:
        return DmarcFacts(levels=(own,), failures=(own.answer,))
    if own.single is not None:
        return _facts((own,), own, inherited=False)
    parents = await asyncio.gather(*(_level(ctx, n) for n in walk_targets(ctx.name)))
    walked = _until_psd(parents)
    unverified = tuple(level.answer for level in walked if level.answer.error == NOT_VERIFIABLE)
    failures = tuple(level.answer for level in walked if not level.answer.ok and level.answer not in unverified)
    chosen = _choose(walked)
    levels = (own, *walked)
    if chosen is None:
        return DmarcFacts(levels=levels, complete=not failures, failures=failures, unverified=unverified)
    return _facts(levels, chosen, inherited=True, failures=failures)


def _until_psd(parents: list[Level]) -> list[Level]:
    """The walk stops at the first record carrying psd=y or psd=n (RFC 9989 section 4.10)."""
    out: list[Level] = []
    for level in parents:
        out.append(level)
        record = level.single
        if record is not None and record.psd in ("y", "n"):
            break
    return out


def _choose(walked: list[Level]) -> Level | None:
    """psd=n: that record; psd=y: the record one label below it, if any, else its own;
    otherwise the record with the fewest labels (the organizational domain's)."""
    found = [(i, level) for i, level in enumerate(walked) if level.single is not None]
    if not found:
        return None
    index, last = found[-1]
    record = last.single
    if record is not None and record.psd == "y" and len(found) > 1 and found[-2][0] == index - 1:
        return found[-2][1]
    return last


def _facts(
    levels: tuple[Level, ...], chosen: Level, *, inherited: bool, failures: tuple[Answer, ...] = ()
) -> DmarcFacts:
    record = chosen.single
    assert record is not None
    policy = record.subdomain_policy if inherited else record.policy
    return DmarcFacts(
        record=record.text,
        policy=policy,
        found_at=chosen.owner,
        complete=not failures,
        parsed=record,
        policy_domain=chosen.domain,
        levels=levels,
        failures=failures,
    )


# -- the check --------------------------------------------------------------------------------


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
    misplaced = _misplaced(ctx, out, apex)
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
    return {
        "record": facts.record,
        "found_at": facts.found_at,
        "inherited": facts.inherited,
        "policy": facts.policy,
        "subdomain_policy": record.subdomain_policy if record else None,
        "nonexistent_policy": record.nonexistent_policy if record else None,
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


def _misplaced(ctx: AuditContext, out: Collector, apex: Answer) -> str | None:
    if not apex.ok:
        out.failed(apex)
        return None
    found = [t for t in apex.texts() if is_dmarc(t)]
    for text in found:
        out.add("dmarc.misplaced", ctx.domain, evidence=[_shown(ctx.domain, text)],
                records=[dns_record(f"_dmarc.{ctx.domain}", "TXT", text)],
                remove=[dns_record(ctx.name, "TXT", text)])
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
    record, owner = facts.parsed, facts.found_at
    if facts.policy != "none" or record is None or owner is None:
        return
    shown = [_shown(owner, record.text)]
    if nomail:
        target = owner if not facts.inherited else f"_dmarc.{ctx.domain}"
        value = record.with_tags(p="reject") if not facts.inherited else "v=DMARC1; p=reject"
        out.add("dmarc.policy.none", owner, variant="nomail", evidence=shown,
                records=[dns_record(target, "TXT", value)])
        return
    rua = report_address(facts.policy_domain or ctx.domain)
    collects = any(u.usable for u in record.rua)
    variant = "absent" if record.p is None else ("inherited" if facts.inherited else "default")
    if variant == "default" and not collects:
        variant = "collect"
    if not collects:
        value = record.with_tags(rua=rua) if record.p else record.with_tags(p="none", rua=rua)
        out.add("dmarc.policy.none", owner, variant=variant, evidence=shown,
                records=[dns_record(owner, "TXT", value)], rua=rua)
        return
    change = {"sp": "quarantine"} if facts.inherited and record.sp else {"p": "quarantine"}
    out.add("dmarc.policy.none", owner, variant=variant, evidence=shown,
            records=[dns_record(owner, "TXT", record.with_tags(**change))], rua=rua)


def _tags(out: Collector, record: DmarcRecord, owner: str, shown: list[str], nomail: bool) -> None:
    def fixed(**changes: str | None) -> list[DnsRecord]:
        return [dns_record(owner, "TXT", record.with_tags(**changes))]

    if record.pct is not None and record.pct < 100:
        out.add("dmarc.pct.partial", owner, evidence=shown, records=fixed(pct=None), pct=record.pct)
    if record.testing:
        out.add("dmarc.testing", owner, evidence=shown, records=fixed(t=None))
    if record.sp is not None and weaker(record.sp, record.policy):
        out.add("dmarc.subdomain.weaker", owner, evidence=shown, records=fixed(sp=None),
                sp=record.sp, p=record.policy)
    if record.np is not None and weaker(record.np, record.policy):
        out.add("dmarc.np.weaker", owner, evidence=shown, records=fixed(np=None),
                np=record.np, p=record.policy)
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


async def _authorisation(ctx: AuditContext, out: Collector, record: DmarcRecord, domain: str, owner: str) -> None:
    """RFC 7489 section 7.1 / RFC 9990: a destination on another domain must publish
    ``<domain>._report._dmarc.<destination>`` (a wildcard there counts)."""
    wanted: dict[str, dict[str, list[str]]] = {}  # host -> address -> tags
    for tag, uris in (("rua", record.rua), ("ruf", record.ruf)):
        for uri in uris:
            if uri.usable and uri.host and _external(domain, uri.host):
                wanted.setdefault(uri.host, {}).setdefault(uri.address, []).append(tag)
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


CHECK = Check("dmarc", "DMARC policy: discovery, tags, report authorisation", run)
