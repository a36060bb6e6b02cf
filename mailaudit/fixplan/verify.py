"""Self-verification of a fix plan: apply it to the domain's zone as an overlay and audit again.

``verified_plan(auditor, domain, lang)`` audits the domain, finds what the pure plan needs from
DNS (which SPF terms authorise a listed host, which providers the domain sends through), builds
the plan and then checks it stage by stage: the steps to do now, then each ``later`` step on
top. Every stage is published into an ``Overlay`` over the same resolver and the domain is
audited again. A stage ships only if

* every finding it targets is gone,
* no finding got worse and no new one appeared (unless a later stage targets it),
* the DMARC policy in force is not weaker for the domain or its parent,
* every ``--sending-ip`` and every inferred provider still gets SPF pass (the provider's include
  is still reached),
* no listed host is still pointed at or authorised, and every published record parses.

A stage that fails is left out of the plan (with its later stages) and a note says why: a plan
that fails verification is a bug the tests catch. An action outside DNS that the plan asks for
(a new DKIM key at the signing service) is modelled with the step's ``models`` records.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from mailaudit.catalogue import BASE_LANGUAGE, LANGUAGES, Catalogue
from mailaudit.context import AuditContext
from mailaudit.dkim.record import parse_dkim
from mailaudit.dmarc.record import STRENGTH, is_dmarc, parse_dmarc
from mailaudit.dnscore.resolver import Resolver
from mailaudit.domains import DomainInput, normalize
from mailaudit.engine import Auditor
from mailaudit.facts.senders import inferred_senders
from mailaudit.fixplan.merge import kind_of
from mailaudit.fixplan.overlay import OverlayError, changes_of, edits_for, overlay_resolver, to_rdata
from mailaudit.fixplan.plan import Abused, FixPlan, PlanHints, Step, actionable, derive_hints, plan
from mailaudit.model import DnsRecord, DomainReport, Finding, Severity
from mailaudit.options import AuditOptions
from mailaudit.spf.evaluate import SpfResult, check_host_async
from mailaudit.spf.record import Qualifier, SpfSyntaxError, parse_record


@dataclass(frozen=True, slots=True)
class Stage:
    name: str  # "now", or the phase of the later step that starts it
    problems: tuple[str, ...] = ()
    report: DomainReport | None = None  # the audit of the zone with the stage applied

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class VerifiedPlan:
    report: DomainReport  # the audit the plan was made from
    plan: FixPlan  # what ships: only the stages that passed, with a note saying so
    stages: tuple[Stage, ...]

    @property
    def final(self) -> DomainReport | None:
        """The audit of the zone with every shipped stage applied."""
        passed = [s for s in self.stages if s.ok]
        return passed[-1].report if passed else None


async def verified_plan(auditor: Auditor, domain: str | DomainInput, lang: str = "en") -> VerifiedPlan:
    given = domain if isinstance(domain, DomainInput) else normalize(domain)
    report = await auditor.audit(given)
    hints = await plan_hints(auditor, report)
    made = plan(report, lang, hints)
    stages = await verify(auditor, report, made, hints)
    return VerifiedPlan(report, shipped(made, stages, lang), stages)


# -- what the plan needs from DNS ----------------------------------------------------------------


async def plan_hints(auditor: Auditor, report: DomainReport) -> PlanHints:
    """``derive_hints`` plus which terms of the domain's own SPF record authorise each listed
    host (each term tried alone in an overlay) and the providers the domain sends through."""
    base = derive_hints(report)
    ctx = AuditContext(report.domain, auditor.resolver, auditor.options, auditor.catalogue)
    keep = tuple(dict.fromkeys(f"include:{s.include}" for s in await inferred_senders(ctx)))
    record = _spf_record(report)
    abused = [await _authorising(auditor.resolver, report.domain, record, a) for a in base.abused]
    return PlanHints(tuple(abused), keep if record is not None else ())


def _spf_record(report: DomainReport) -> str | None:
    check = report.check("spf")
    value = check.datum("record") if check is not None else None
    return value if isinstance(value, str) else None


async def _authorising(resolver: Resolver, domain: str, record: str | None, abused: Abused) -> Abused:
    if record is None:
        return abused
    try:
        parsed = parse_record(record)
    except SpfSyntaxError:
        return abused
    terms: list[str] = []
    includes: list[str] = []
    for mechanism in parsed.mechanisms:
        if mechanism.kind == "all" or mechanism.qualifier is not Qualifier.PASS:
            continue
        alone = DnsRecord(f"{domain}.", "TXT", f"v=spf1 {mechanism.text.lstrip('+')} -all")
        if await _passes(resolver, domain, abused.address, [DnsRecord(f"{domain}.", "TXT", record)], [alone]):
            (includes if mechanism.kind == "include" else terms).append(mechanism.text)
    return dataclasses.replace(abused, spf_terms=tuple(terms), includes=tuple(includes))


async def _passes(resolver: Resolver, domain: str, ip: str, remove: list[DnsRecord], publish: list[DnsRecord]) -> bool:
    view = overlay_resolver(resolver, await edits_for(resolver, changes_of(remove, publish)))
    outcome = await check_host_async(ip, domain, f"postmaster@{domain}", domain, resolver=view)
    return outcome.result is SpfResult.PASS


# -- verification -------------------------------------------------------------------------------


def stages_of(made: FixPlan) -> list[tuple[str, list[Step]]]:
    """Cumulative stages: every step to do now, then each later step added in turn."""
    now = [s for s in made.steps if not s.later]
    out = [("now", now)] if now else []
    applied = list(now)
    for step in made.steps:
        if step.later:
            applied = [*applied, step]
            out.append((step.phase, list(applied)))
    return out


async def verify(auditor: Auditor, before: DomainReport, made: FixPlan, hints: PlanHints) -> tuple[Stage, ...]:
    results: list[Stage] = []
    stages = stages_of(made)
    for index, (name, steps) in enumerate(stages):
        later = [s for _, rest in stages[index + 1 :] for s in rest if s not in steps]
        results.append(await _stage(auditor, before, name, steps, later, hints))
        if not results[-1].ok:
            break
    return tuple(results)


async def _stage(auditor: Auditor, before: DomainReport, name: str, steps: list[Step], later: list[Step],
                 hints: PlanHints) -> Stage:
    problems = [p for step in steps for r in step.publish for p in _unparsable(r)]
    try:
        changes = [c for s in steps for c in changes_of(s.remove, (*s.publish, *s.models))]
        edits = await edits_for(auditor.resolver, changes)
    except OverlayError as err:
        return Stage(name, (*problems, str(err)))
    view = overlay_resolver(auditor.resolver, edits)
    quiet = dataclasses.replace(auditor.options, smtp=False)  # DNS changes only: no port-25 probes again
    after = await Auditor(view, quiet, auditor.catalogue).audit(before.domain)
    problems += _targets_gone(after, steps)
    problems += _nothing_worse(before, after, later)
    problems += await _dmarc_not_weaker(auditor, view, before)
    problems += await _senders_pass(view, before.domain, auditor.options, hints, after)
    problems += _abused_gone(after, hints)
    return Stage(name, tuple(problems), after)


def _unparsable(record: DnsRecord) -> list[str]:
    try:
        to_rdata(record)
    except OverlayError as err:
        return [str(err)]
    kind = kind_of(record.type, record.value, record.name)
    if kind == "spf":
        try:
            parse_record(record.value)
        except SpfSyntaxError as err:
            return [f"{record.name} SPF does not parse: {err}"]
    elif kind == "dmarc" and (not is_dmarc(record.value) or parse_dmarc(record.value).errors):
        return [f"{record.name} DMARC does not parse: {'; '.join(parse_dmarc(record.value).errors)}"]
    elif kind == "dkim" and parse_dkim(record.value).errors:
        return [f"{record.name} DKIM does not parse: {'; '.join(parse_dkim(record.value).errors)}"]
    return []


def _key(finding: Finding) -> tuple[str, str]:
    return (finding.id, finding.subject)


def _targets_gone(after: DomainReport, steps: Sequence[Step]) -> list[str]:
    targets = {t for s in steps for t in s.targets}
    left = {_key(f) for f in after.findings if actionable(f) and f.severity.rank > Severity.INFO.rank}
    return [f"still there: {fid} ({subject})" for fid, subject in sorted(targets & left)]


def _nothing_worse(before: DomainReport, after: DomainReport, later: Sequence[Step]) -> list[str]:
    was = {_key(f): f.severity.rank for f in before.findings}
    expected = {fid for s in later for fid, _ in (*s.targets, *s.findings)}
    problems = []
    for finding in after.findings:
        rank = finding.severity.rank
        if rank <= Severity.INFO.rank or finding.id in expected or not actionable(finding):
            continue
        old = was.get(_key(finding))
        if old is None or rank > old:
            what = "new" if old is None else "worse"
            problems.append(f"{what}: {finding.id} ({finding.subject}, {finding.severity.value})")
    failed = {c.id for c in before.errors}
    problems += [f"check {c.id} could not complete: {c.error}" for c in after.errors if c.id not in failed]
    return problems


def _effective(report: DomainReport | None) -> int:
    check = report.check("dmarc") if report is not None else None
    value = check.datum("effective_policy") if check is not None else None
    return STRENGTH.get(value, -1) if isinstance(value, str) else -1


async def _dmarc_not_weaker(auditor: Auditor, view: Resolver, before: DomainReport) -> list[str]:
    only = dataclasses.replace(auditor.options, checks=("dmarc",))
    problems = []
    names = [before.domain]
    parent = before.domain.partition(".")[2]
    if parent.count(".") >= 1:
        names.append(parent)
    for name in names:
        was = await Auditor(auditor.resolver, only, auditor.catalogue).audit(name)
        now = await Auditor(view, only, auditor.catalogue).audit(name)
        if _effective(now) < _effective(was):
            problems.append(f"DMARC policy in force weaker for {name}")
    return problems


def _reached(tree: object) -> set[str]:
    if not isinstance(tree, dict):
        return set()
    found = {str(tree.get("domain", "")).lower()}
    for child in tree.get("children") or ():
        found |= _reached(child)
    return found


async def _senders_pass(view: Resolver, domain: str, options: AuditOptions, hints: PlanHints,
                        after: DomainReport) -> list[str]:
    problems = []
    for ip in options.sending_ips:
        outcome = await check_host_async(ip, domain, f"postmaster@{domain}", domain, resolver=view)
        if outcome.result is not SpfResult.PASS:
            problems.append(f"--sending-ip {ip} gets SPF {outcome.result.value}")
    check = after.check("spf")
    reached = _reached(check.datum("tree") if check is not None else None)
    for include in hints.keep_includes:
        if include.removeprefix("include:").lower() not in reached:
            problems.append(f"provider {include} not reached by the SPF record")
    return problems


def _abused_gone(after: DomainReport, hints: PlanHints) -> list[str]:
    listed = {a.address for a in hints.abused}
    still = [f for f in after.findings if f.id == "dnsbl.ip.listed"
             and next((v for k, v in f.params if k == "address"), "") in listed]
    return [f"listed host still used: {f.subject}" for f in still]


# -- what ships ---------------------------------------------------------------------------------


def shipped(made: FixPlan, stages: Sequence[Stage], lang: str) -> FixPlan:
    """The plan up to the last stage that passed, with a note saying what was verified."""
    text = Catalogue.load(lang if lang in LANGUAGES else BASE_LANGUAGE).words("plan")
    if not stages:
        return made
    passed = [s for s in stages if s.ok]
    failed = next((s for s in stages if not s.ok), None)
    notes = list(made.notes)
    steps = made.steps
    if failed is not None:
        keep = {id(step) for name, group in stages_of(made) if name in {s.name for s in passed} for step in group}
        steps = tuple(s for s in made.steps if id(s) in keep)
        notes.append(text["not_verified"].format(stage=failed.name, problems="; ".join(failed.problems[:8])))
    said = text["verified"].format(stages=", ".join(s.name for s in passed)) if passed else ""
    return dataclasses.replace(made, steps=steps, notes=tuple(notes), verified=passed[-1].name if passed else "",
                               verification=said)
