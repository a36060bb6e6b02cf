"""The fix plan: from one domain's report, one ordered list of steps that keeps mail flowing.

Order: a no-mail domain is locked down in one step (null MX, ``v=spf1 -all``, DMARC
``p=reject``). Otherwise: receiving (MX) first, then SPF (valid, every sender listed), DKIM,
DMARC in monitoring mode (``p=none`` with aggregate reports), reverse DNS and blocklists, and only
then DMARC enforcement: ``p=quarantine``, later ``p=reject``, each after the reports show that
legitimate mail passes. Steps that must wait for the previous one are marked ``later``.

Findings propose whole replacement records that each fix one problem; the plan merges the
proposals for one SPF or DMARC record into one record (``fixmerge``) and removes the record in
force, so the zone never holds two. Pure: no I/O, no DNS.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from mailaudit.catalogue import BASE_LANGUAGE, LANGUAGES, Catalogue
from mailaudit.dmarc.record import parse_dmarc
from mailaudit.fixplan.merge import kind_of, merge
from mailaudit.model import CheckResult, DnsRecord, DomainReport, Finding, Severity
from mailaudit.registry import check_of_finding

PHASES = ("nomail", "receive", "spf", "dkim", "dmarc", "reputation", "other", "quarantine", "reject")
_NULL_MX = ("MX", "0 .")
_UNENFORCED = ("dmarc.missing", "dmarc.policy.none")
_NO_MAIL_VARIANTS = ("nomail", "no_mail")  # the checks' variants for a domain that sends no mail
_NOTHING_TO_DO = (("spf.all.softfail", "dmarc_enforced"),)  # variants whose fix is "keep it as it is"
_CONDITIONAL = (("spf.missing", "no_mx"),)  # records right only for a domain that sends no mail


@dataclass(frozen=True, slots=True)
class Step:
    number: int
    phase: str
    title: str
    why: tuple[str, ...]
    publish: tuple[DnsRecord, ...] = ()
    remove: tuple[DnsRecord, ...] = ()
    actions: tuple[str, ...] = ()
    findings: tuple[tuple[str, str], ...] = ()  # (finding id, subject)
    wait: str = ""  # what to verify before the next step
    later: bool = False  # do it only once the previous step has been verified


@dataclass(frozen=True, slots=True)
class FixPlan:
    domain: str
    lang: str
    steps: tuple[Step, ...]
    no_mail: bool = False
    notes: tuple[str, ...] = ()


def phase_of(finding: Finding) -> str:
    """The plan phase of a finding: its check's (from the registry); reverse DNS is reputation."""
    if finding.id in ("mx.host.ptr", "ip.ptr"):
        return "reputation"
    owner = check_of_finding(finding.id)
    phase = owner.phase if owner is not None else "other"
    return phase if phase in PHASES else "other"


def actionable(finding: Finding) -> bool:
    fix = finding.fix
    if fix is None or not (fix.summary or fix.records or fix.remove):
        return False
    if (finding.id, finding.variant) in _NOTHING_TO_DO:
        return False
    return finding.severity is not Severity.INFO or bool(fix.records or fix.remove)


def plan(report: DomainReport, lang: str = "en") -> FixPlan:
    text = Catalogue.load(lang if lang in LANGUAGES else BASE_LANGUAGE).words("plan")
    todo = [f for f in report.findings if actionable(f)]
    no_mail = any(f.variant in _NO_MAIL_VARIANTS for f in report.findings)
    groups: dict[str, list[Finding]] = {p: [] for p in PHASES}
    for finding in sorted(todo, key=lambda f: -f.severity.rank):
        phase = phase_of(finding)
        groups["nomail" if no_mail and phase in ("receive", "spf", "dmarc") else phase].append(finding)
    # ~all stays: once DMARC is enforced it decides, and -all would only cost forwarded mail
    softfail = [f for f in groups["spf"] if f.id == "spf.all.softfail"]
    if softfail and any(f.id in _UNENFORCED for f in groups["dmarc"]):
        groups["spf"] = [f for f in groups["spf"] if f not in softfail]
    else:
        softfail = []
    steps: list[Step] = []
    for phase in PHASES:
        if phase == "dmarc":
            steps.extend(_dmarc_steps(report, groups[phase], text, softfail))
        elif groups[phase]:
            steps.append(_step(phase, groups[phase], report, text, no_mail))
    steps.sort(key=lambda s: PHASES.index(s.phase) if s.phase in PHASES else PHASES.index("dmarc"))
    notes: tuple[str, ...] = ()
    if report.errors:
        notes = (text["incomplete"].format(checks=", ".join(c.id for c in report.errors)),)
    numbered = tuple(replace(step, number=i) for i, step in enumerate(steps, 1))
    return FixPlan(report.domain, lang, numbered, no_mail, notes)


def _why(findings: Iterable[Finding]) -> tuple[str, ...]:
    return tuple(f"[{f.severity.value}] {f.title}: {f.detail}" for f in findings)


def _step(phase: str, findings: list[Finding], report: DomainReport, text: Mapping[str, str],
          no_mail: bool) -> Step:
    actions: list[str] = []
    proposals: list[DnsRecord] = []
    removals: list[DnsRecord] = []
    for finding in findings:
        assert finding.fix is not None
        records = list(finding.fix.records)
        if finding.id == "mx.missing" and not no_mail:
            nulls = [r for r in records if (r.type.upper(), r.value) == _NULL_MX]
            records = [r for r in records if r not in nulls]
            if nulls:
                actions.append(text["no_mx_record"].format(record=f"{nulls[0].name} MX 0 ."))
            else:
                actions.append(finding.fix.summary)
        elif (finding.id, finding.variant) in _CONDITIONAL and not no_mail:
            records = []  # right only if the domain sends no mail: the summary says so, with the record
            actions.append(finding.fix.summary)
        elif finding.fix.summary:
            actions.append(finding.fix.summary)
        proposals.extend(records)
        removals.extend(finding.fix.remove)
    current = {**evidence_records(findings), **current_records(report)}
    publish, remove = merged(proposals, removals, current)
    return Step(0, phase, text[phase], _why(findings), publish, remove, _unique(actions),
                tuple((f.id, f.subject) for f in findings), text.get(f"wait_{phase}", ""))


def current_records(report: DomainReport) -> dict[tuple[str, str], str]:
    """The SPF and DMARC records in force, by (owner, kind), from the checks' data."""
    out: dict[tuple[str, str], str] = {}
    spf, dmarc = report.check("spf"), report.check("dmarc")
    value = _datum(spf, "record")
    if value:
        out[(_owner(report.domain), "spf")] = value
    value, owner = _datum(dmarc, "record"), _datum(dmarc, "found_at")
    if value and owner:
        out[(_owner(owner), "dmarc")] = value
    return out


def evidence_records(findings: Iterable[Finding]) -> dict[tuple[str, str], str]:
    """Records in force quoted in evidence as ``owner. TXT "text"`` next to a proposed replacement."""
    out: dict[tuple[str, str], str] = {}
    for finding in findings:
        for record in finding.fix.records if finding.fix else ():
            prefix = f'{_owner(record.name)} TXT "'
            kind = kind_of(record.type, record.value)
            for item in finding.evidence:
                if kind and item.lower().startswith(prefix.lower()) and item.endswith('"'):
                    out.setdefault((_owner(record.name), kind), item[len(prefix) : -1])
    return out


def _datum(check: CheckResult | None, key: str) -> str | None:
    value = check.datum(key) if check is not None else None
    return value if isinstance(value, str) and value else None


def _owner(name: str) -> str:
    return name.lower().rstrip(".") + "."


def merged(proposals: Iterable[DnsRecord], removals: Iterable[DnsRecord],
           current: Mapping[tuple[str, str], str]) -> tuple[tuple[DnsRecord, ...], tuple[DnsRecord, ...]]:
    """One record per (owner, SPF/DMARC); replaced records in force are removed first."""
    publish: list[DnsRecord] = []
    remove = list(dict.fromkeys(removals))
    grouped: dict[tuple[str, str], list[DnsRecord]] = {}
    for record in dict.fromkeys(proposals):
        kind = kind_of(record.type, record.value)
        if kind:
            grouped.setdefault((_owner(record.name), kind), []).append(record)
        else:
            publish.append(record)
    for (owner, kind), records in grouped.items():
        base = current.get((owner, kind))
        value = merge(kind, base, [r.value for r in records])
        if base is not None and value == base:
            continue
        old = DnsRecord(records[0].name, "TXT", base) if base is not None else None
        if old is not None and old not in remove:
            remove.append(old)
        publish.append(DnsRecord(records[0].name, "TXT", value))
    return tuple(publish), tuple(remove)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def _dmarc_steps(report: DomainReport, findings: list[Finding], text: Mapping[str, str],
                 deferred: list[Finding]) -> list[Step]:
    """Monitoring first; enforcement (quarantine, then reject) only as later steps."""
    if not findings:
        return []
    first = _step("dmarc", findings, report, text, False)
    unenforced = [f for f in findings if f.id in _UNENFORCED]
    if not unenforced:
        return [first]
    current = current_records(report)
    owner = _dmarc_owner(findings, current)
    name = _published_name(first, owner)
    record = _monitoring(first, owner, current)
    others = [r for r in first.publish if kind_of(r.type, r.value) != "dmarc"]
    removals = [r for f in findings if f.fix is not None for r in f.fix.remove]
    publish, remove = merged([*others, DnsRecord(name, "TXT", record)], removals, current)
    steps: list[Step] = []
    if publish or remove:
        steps.append(replace(first, phase="monitor", title=text["monitor"], publish=publish, remove=remove,
                             wait=text["wait_monitor"]))
    quarantine = parse_dmarc(record).with_tags(p="quarantine")
    why = (text["enforce_why"], *_why([*unenforced, *deferred]))
    steps.append(Step(0, "quarantine", text["quarantine"], why, (DnsRecord(name, "TXT", quarantine),),
                      (DnsRecord(name, "TXT", record),), (), tuple((f.id, f.subject) for f in [*unenforced, *deferred]),
                      text["wait_quarantine"], True))
    final = parse_dmarc(quarantine).with_tags(p="reject")
    steps.append(Step(0, "reject", text["reject"], (text["reject_why"],), (DnsRecord(name, "TXT", final),),
                      (DnsRecord(name, "TXT", quarantine),), later=True))
    return steps


def _dmarc_owner(findings: list[Finding], current: Mapping[tuple[str, str], str]) -> str:
    for finding in findings:
        for record in finding.fix.records if finding.fix else ():
            if kind_of(record.type, record.value) == "dmarc":
                return _owner(record.name)
    return next((owner for owner, kind in current if kind == "dmarc"), "")


def _published_name(step: Step, owner: str) -> str:
    return next((r.name for r in step.publish if _owner(r.name) == owner), owner)


def _monitoring(step: Step, owner: str, current: Mapping[tuple[str, str], str]) -> str:
    """The DMARC record of the monitoring stage: every tag fix, but ``p=none``."""
    value = next((r.value for r in step.publish if _owner(r.name) == owner and kind_of(r.type, r.value) == "dmarc"),
                 current.get((owner, "dmarc"), "v=DMARC1; p=none"))
    return parse_dmarc(value).with_tags(p="none")
