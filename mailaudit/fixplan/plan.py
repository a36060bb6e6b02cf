"""The fix plan: from one domain's report, one ordered list of steps that keeps mail flowing.

Order: a domain that does not exist gets no steps, only a note. A no-mail domain is locked down
in one step (null MX, ``v=spf1 -all``, DMARC ``p=reject``). Otherwise what hurts most comes
first: an authorised host that is listed (the incident: close its accounts, stop pointing MX at
it and remove it from SPF, in one SPF record with every other repair of that record), then
receiving (MX), SPF (valid, every sender listed), DKIM, DMARC in monitoring mode (``p=none``
with aggregate reports), reverse DNS and blocklists, and only then DMARC enforcement:
``p=quarantine``, later ``p=reject``. Steps that must wait for the previous one are ``later``.

Never harm: no record outside the domain's own tree is edited (a parent's or a public suffix's
DMARC record applies to many domains; a report destination's record is the destination's to
publish): those become actions. No step points anything at a host the audit found listed. A
weak DKIM key is rotated to a new 2048-bit key at a new selector, never republished.

Findings propose whole replacement records that each fix one problem; the plan merges the
proposals for one SPF or DMARC record into one record (``fixmerge``) and removes the record in
force, so the zone never holds two. Pure: no I/O, no DNS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

import dns.exception
import dns.name

from mailaudit.catalogue import BASE_LANGUAGE, LANGUAGES, Catalogue
from mailaudit.dmarc.record import parse_dmarc
from mailaudit.fixplan.merge import kind_of, merge
from mailaudit.model import CheckResult, DnsRecord, DomainReport, Finding, Severity
from mailaudit.registry import check_of_finding

PHASES = ("nomail", "incident", "receive", "spf", "dkim", "dmarc", "reputation", "other", "retire", "quarantine",
          "reject")
_NULL_MX = ("MX", "0 .")
_UNENFORCED = ("dmarc.missing", "dmarc.policy.none")
_NO_MAIL_VARIANTS = ("nomail", "no_mail")  # the checks' variants for a domain that sends no mail
_NOTHING_TO_DO = (("spf.all.softfail", "dmarc_enforced"),)  # variants whose fix is "keep it as it is"
_CONDITIONAL = (("spf.missing", "no_mx"),)  # records right only for a domain that sends no mail
NEW_SELECTOR = "s2048"  # where a weak key's 2048-bit successor goes (a built-in probed selector)
# A 2048-bit RSA public key (made-up numbers) standing in for the successor key the user
# generates at the signing service: verification publishes it in the overlay, never in a plan.
STAND_IN_KEY = (
    "v=DKIM1; k=rsa; p="
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA2v+yKXYxqZLwzlg1BcavB1jVVj2rLNMe4xUSiGLDOk+3dOtSSNtAr3IV"
    "g3DSaamlrmWPM/47iQuT9Eizpao8gU9CbcuzlPs2uy1CDw+ICAsQo9ayqgXhGrJxWUV5XoIpRRq9gfHWntYX9eg31wgg/hGactF0"
    "yd9qzAEc3ZR0Axt/JhRLmCifzVmlSnux/uCPVxJCQlBRwczRf5rK4B9QV8oCE16SsdPyjt4NesO66p4T3u+GqxAx0PZG4fQKCXyX"
    "a/RsaX0sr4Lu6sviJuh1VVeQ+C7B0/z/Kjr01GsKGOiDDge8HjmPEBK9Ss767L04m+S8/Em2Sghy5sw6urztIQIDAQAB"
)


@dataclass(frozen=True, slots=True)
class Abused:
    """An address the audit found listed that the domain authorises or points MX at."""

    address: str
    spf_terms: tuple[str, ...] = ()  # terms of the domain's own SPF record that authorise it
    mx_hosts: tuple[str, ...] = ()  # MX host names that resolve to it
    includes: tuple[str, ...] = ()  # include: terms (someone else's records) that authorise it


@dataclass(frozen=True, slots=True)
class PlanHints:
    """What the plan needs beyond the report, found by the layer above (``fixplan.verify``)."""

    abused: tuple[Abused, ...] = ()
    keep_includes: tuple[str, ...] = ()  # include: terms of providers the domain sends through


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
    targets: tuple[tuple[str, str], ...] = ()  # findings this step's records make disappear
    models: tuple[DnsRecord, ...] = ()  # what verification publishes for an action outside DNS


@dataclass(frozen=True, slots=True)
class FixPlan:
    domain: str
    lang: str
    steps: tuple[Step, ...]
    no_mail: bool = False
    notes: tuple[str, ...] = ()
    verified: str = ""  # the last stage verification passed ("" when not verified)
    verification: str = ""  # what was verified, for people


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


def plan(report: DomainReport, lang: str = "en", hints: PlanHints | None = None) -> FixPlan:
    """The ordered plan. ``hints``: what the layer above found out (abused hosts' SPF terms,
    providers to keep); without them the plan uses only the report."""
    catalogue = Catalogue.load(lang if lang in LANGUAGES else BASE_LANGUAGE)
    ui_words = catalogue.words("ui")
    text = {**catalogue.words("plan"), **{f"sev_{s.value}": ui_words.get(s.value, s.value) for s in Severity}}
    if any(f.id in ("mx.missing", "spf.missing") and f.variant == "nxdomain" for f in report.findings):
        return FixPlan(report.domain, lang, (), notes=(text["nxdomain"].format(domain=report.domain),))
    hints = hints if hints is not None else derive_hints(report)
    notes: list[str] = []
    todo = [g for f in report.findings if actionable(f) and actionable(g := _local(f, report.domain, text, notes))]
    no_mail = any(f.variant in _NO_MAIL_VARIANTS for f in report.findings)
    groups = _grouped(todo, no_mail)
    steps: list[Step] = []
    incident = None if no_mail else _incident(report, groups, hints, text)
    # ~all stays: once DMARC is enforced it decides, and -all would only cost forwarded mail
    softfail = [f for f in groups["spf"] if f.id == "spf.all.softfail"]
    if softfail and any(f.id in _UNENFORCED for f in groups["dmarc"]):
        groups["spf"] = [f for f in groups["spf"] if f not in softfail]
    else:
        softfail = []
    providers, said = _providers(report, text)
    if incident is not None:
        steps.append(incident(groups["spf"], providers, said))
        groups["spf"], providers = [], []
    for phase in PHASES:
        if phase == "spf" and (groups[phase] or providers):
            step = _step(phase, groups[phase], report, text, no_mail, providers)
            steps.append(replace(step, actions=_unique([*said, *step.actions])))
        elif phase == "dmarc":
            steps.extend(_dmarc_steps(report, groups[phase], text, softfail))
        elif phase == "dkim":
            steps.extend(_dkim_steps(report, groups[phase], text))
        elif groups[phase] and phase not in ("incident", "retire"):
            steps.append(_step(phase, groups[phase], report, text, no_mail))
    steps.sort(key=lambda s: PHASES.index(s.phase) if s.phase in PHASES else PHASES.index("dmarc"))
    if report.errors:
        notes.insert(0, text["incomplete"].format(checks=", ".join(c.id for c in report.errors)))
    numbered = tuple(replace(step, number=i) for i, step in enumerate(steps, 1))
    return FixPlan(report.domain, lang, numbered, no_mail, tuple(dict.fromkeys(notes)))


def _why(findings: Iterable[Finding], text: Mapping[str, str]) -> tuple[str, ...]:
    """Each finding as ``[high] title: detail``, the severity in the plan's language."""
    return tuple(f"[{text.get('sev_' + f.severity.value, f.severity.value).lower()}] {f.title}: {f.detail}"
                 for f in findings)


def _grouped(todo: list[Finding], no_mail: bool) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = {p: [] for p in PHASES}
    for finding in sorted(todo, key=lambda f: -f.severity.rank):
        phase = phase_of(finding)
        groups["nomail" if no_mail and phase in ("receive", "spf", "dmarc") else phase].append(finding)
    return groups


def _inside(name: str, domain: str) -> bool:
    owner = name.lower().rstrip(".")
    return owner == domain or owner.endswith("." + domain)


def _valid_name(name: str) -> bool:
    try:
        dns.name.from_text(name)
    except (dns.exception.DNSException, ValueError, UnicodeError):
        return False
    return True


def _local(finding: Finding, domain: str, text: Mapping[str, str], notes: list[str]) -> Finding:
    """The finding with only the records the domain itself can publish: a record outside its
    tree (a parent's, a public suffix's, a report destination's) applies to others and is never
    edited to fix this domain (the fix becomes something to ask of its owner); an owner name DNS
    cannot hold (over 255 octets) is dropped with a note."""
    fix = finding.fix
    if fix is None:
        return finding
    domain = domain.lower().rstrip(".")
    kept = tuple(r for r in fix.records if _inside(r.name, domain) and _valid_name(r.name))
    removals = tuple(r for r in fix.remove if _inside(r.name, domain) and _valid_name(r.name))
    gone = [r for r in (*fix.records, *fix.remove) if r not in kept and r not in removals]
    if not gone:
        return finding
    summary = fix.summary
    for record in dict.fromkeys(gone):
        if not _valid_name(record.name):
            notes.append(text["bad_name"].format(subject=finding.subject[:80]))
    outside = [r.name for r in gone if _valid_name(r.name)]
    if outside and summary:
        summary = text["elsewhere"].format(name=outside[0].rstrip("."), summary=summary)
    return replace(finding, fix=replace(fix, summary=summary, records=kept, remove=removals))


def _param(finding: Finding, key: str) -> str:
    return next((v for k, v in finding.params if k == key), "")


def _mx_hosts(report: DomainReport) -> list[dict[str, object]]:
    check = report.check("mx")
    hosts = check.datum("hosts") if check is not None else None
    return [h for h in hosts if isinstance(h, dict)] if isinstance(hosts, list) else []


def derive_hints(report: DomainReport) -> PlanHints:
    """Abused hosts from the report alone: listed addresses the MX or SPF points at (which SPF
    terms authorise them needs DNS: ``fixplan.verify`` finds that)."""
    abused: list[Abused] = []
    for finding in report.findings:
        address = _param(finding, "address")
        if finding.id != "dnsbl.ip.listed" or not address:
            continue
        hosts = tuple(str(h.get("host", "")) for h in _mx_hosts(report)
                      if address in (h.get("addresses") or ()))  # type: ignore[operator]
        if hosts or "SPF" in _param(finding, "sources"):
            abused.append(Abused(address, mx_hosts=hosts))
    return PlanHints(tuple(abused))


def _step(phase: str, findings: list[Finding], report: DomainReport, text: Mapping[str, str],
          no_mail: bool, extra: Iterable[DnsRecord] = (), extra_remove: Iterable[DnsRecord] = ()) -> Step:
    actions: list[str] = []
    proposals: list[DnsRecord] = list(extra)
    removals: list[DnsRecord] = list(extra_remove)
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
    proposals.extend(_spf_drops(report, findings, ()))
    current = {**evidence_records(findings), **current_records(report)}
    publish, remove = merged(proposals, removals, current)
    targets = tuple((f.id, f.subject) for f in findings if f.fix and (f.fix.records or f.fix.remove))
    return Step(0, phase, text[phase], _why(findings, text), publish, remove, _unique(actions),
                tuple((f.id, f.subject) for f in findings), text.get(f"wait_{phase}", ""), targets=targets)


def _spf_drops(report: DomainReport, findings: Iterable[Finding], terms: Iterable[str]) -> list[DnsRecord]:
    """The SPF record in force without ``terms`` and, when ``spf.ptr`` is among ``findings``,
    without the deprecated ``ptr`` (whose finding proposes no record of its own)."""
    drop = {t.lower() for t in terms}
    drop |= {t.strip().lower() for f in findings if f.id == "spf.ptr" for t in _param(f, "term").split(",") if t}
    now = current_records(report).get((_owner(report.domain), "spf"))
    if not drop or now is None:
        return []
    kept = [t for t in now.split()[1:] if t.lower() not in drop]
    return [DnsRecord(_owner(report.domain), "TXT", " ".join(["v=spf1", *kept]))]


def _incident(report: DomainReport, groups: dict[str, list[Finding]], hints: PlanHints,
              text: Mapping[str, str]) -> Callable[[list[Finding], list[DnsRecord], list[str]], Step] | None:
    """The listed hosts the domain authorises or points MX at, first: the step (built once the
    SPF findings it absorbs are known) closes their accounts, stops pointing MX at them and
    removes them from SPF, in one SPF record with every other repair of that record."""
    abused = {a.address: a for a in hints.abused}
    listed = [f for f in groups["reputation"] if f.id == "dnsbl.ip.listed" and _param(f, "address") in abused]
    if not listed:
        return None
    hosts = {h.lower().rstrip(".") for a in abused.values() for h in a.mx_hosts}
    about = [f for phase in ("receive", "reputation") for f in groups[phase]
             if f not in listed and f.subject.split(" ")[0].lower().rstrip(".") in hosts]
    for phase in ("receive", "reputation"):
        groups[phase] = [f for f in groups[phase] if f not in listed and f not in about]
    mx_remove, actions = _mx_removals(report, hosts, text)
    drops = [t for a in abused.values() for t in a.spf_terms
             if not (t.lower().lstrip("+-~?").startswith("mx") and mx_remove)]
    for a in abused.values():
        actions.append(text["close_accounts"].format(address=a.address, hosts=", ".join(a.mx_hosts) or a.address))
        actions.extend(text["provider_listed"].format(address=a.address, term=t) for t in a.includes)

    quiet = [replace(f, fix=replace(f.fix, summary="")) for f in about if f.fix]  # moot once MX is gone

    def build(spf: list[Finding], providers: list[DnsRecord], said: list[str]) -> Step:
        base = _step("incident", [*listed, *quiet, *spf], report, text, False,
                     [*_spf_drops(report, spf, drops), *providers], mx_remove)
        targets = (*base.targets, *((f.id, f.subject) for f in [*listed, *about]))
        return replace(base, actions=_unique([*actions, *said, *base.actions]), targets=tuple(dict.fromkeys(targets)))

    return build


def _providers(report: DomainReport, text: Mapping[str, str]) -> tuple[list[DnsRecord], list[str]]:
    """The SPF record in force with the includes of providers the domain is seen to send
    through (MX, DKIM selectors) that it does not reach yet (the spf check's ``provider_fix``,
    made room for under the lookup limit), and the action saying so."""
    check = report.check("spf")
    value = check.datum("provider_fix") if check is not None else None
    now = current_records(report).get((_owner(report.domain), "spf"))
    if not isinstance(value, str) or now is None or value == now:
        return [], []
    wanted = [t for t in value.split()[1:] if t.startswith("include:") and t not in now.split()]
    return [DnsRecord(_owner(report.domain), "TXT", value)], [text["add_provider"].format(terms=" ".join(wanted))]


def _mx_removals(report: DomainReport, hosts: set[str], text: Mapping[str, str]) -> tuple[list[DnsRecord], list[str]]:
    """MX records naming an abused host, removed when other MX hosts remain; otherwise an action."""
    check = report.check("mx")
    raw = check.datum("records") if check is not None else None
    records = [r for r in raw if isinstance(r, str)] if isinstance(raw, list) else []
    bad = [r for r in records if r.split()[-1].lower().rstrip(".") in hosts]
    if not bad:
        return [], []
    if len(bad) == len(records):
        return [], [text["abused_only_mx"].format(hosts=", ".join(sorted(hosts)))]
    return [DnsRecord(_owner(report.domain), "MX", r) for r in bad], []


def _dkim_steps(report: DomainReport, findings: list[Finding], text: Mapping[str, str]) -> list[Step]:
    """Key fixes; a weak key is never republished: a 2048-bit successor at a new selector (an
    action at the signing service, modelled for verification), and the old record removed later."""
    weak = {f.subject for f in findings if f.id == "dkim.key.weak"}
    others = [f for f in findings if f.subject not in weak]
    rotating = [f for f in findings if f.subject in weak]
    steps = [_step("dkim", others, report, text, False)] if others else []
    if not rotating:
        return steps
    new = f"{NEW_SELECTOR}._domainkey.{report.domain}."
    actions = tuple(text["rotate"].format(old=s, new=new, new_selector=NEW_SELECTOR) for s in sorted(weak))
    model = DnsRecord(new, "TXT", STAND_IN_KEY)
    why = _why(rotating, text)
    found = tuple((f.id, f.subject) for f in rotating)
    if steps:
        first = steps[0]
        steps[0] = replace(first, why=(*first.why, *why), actions=_unique([*first.actions, *actions]),
                           findings=(*first.findings, *found), models=(model,))
    else:
        steps.append(Step(0, "dkim", text["dkim"], why, actions=actions, findings=found, wait=text["wait_dkim"],
                          models=(model,)))
    old = tuple(DnsRecord(_owner(owner), "TXT", value) for (owner, kind), value in evidence_records(rotating,
                                                                                                  any_kind=True).items())
    steps.append(Step(0, "retire", text["retire"], (text["retire_why"],), remove=old, findings=found,
                      wait=text["wait_retire"], later=True, targets=found))
    return steps


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


def evidence_records(findings: Iterable[Finding], any_kind: bool = False) -> dict[tuple[str, str], str]:
    """Records in force quoted in evidence as ``owner. TXT "text"`` next to a proposed replacement
    (``any_kind``: also the record at the finding's subject, whatever it holds)."""
    out: dict[tuple[str, str], str] = {}
    for finding in findings:
        names = [r.name for r in finding.fix.records] if finding.fix else []
        names += [finding.subject] if any_kind else []
        for name in names:
            prefix = f'{_owner(name)} TXT "'
            for item in finding.evidence:
                if not (item.lower().startswith(prefix.lower()) and item.endswith('"')):
                    continue
                value = item[len(prefix) : -1]
                kind = kind_of("TXT", value, name) or ("txt" if any_kind else "")
                if kind:
                    out.setdefault((_owner(name), kind), value)
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
        kind = kind_of(record.type, record.value, record.name)
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
    if not _inside(owner, report.domain.lower()):  # a parent's record is never staged from here
        return [first]
    name = _published_name(first, owner)
    record = _monitoring(first, owner, current)
    others = [r for r in first.publish if kind_of(r.type, r.value, r.name) != "dmarc"]
    removals = [r for f in findings if f.fix is not None for r in f.fix.remove]
    publish, remove = merged([*others, DnsRecord(name, "TXT", record)], removals, current)
    steps: list[Step] = []
    staged = [(f.id, f.subject) for f in [*unenforced, *deferred]]
    if publish or remove:
        targets = tuple(t for t in first.targets if t not in staged)
        steps.append(replace(first, phase="monitor", title=text["monitor"], publish=publish, remove=remove,
                             wait=text["wait_monitor"], targets=targets))
    quarantine = _stage(record, "quarantine")
    why = (text["enforce_why"], *_why([*unenforced, *deferred], text))
    targets = (*staged, ("dmarc.policy.none", owner.rstrip(".")))
    steps.append(Step(0, "quarantine", text["quarantine"], why, (DnsRecord(name, "TXT", quarantine),),
                      (DnsRecord(name, "TXT", record),), (), tuple(staged), text["wait_quarantine"], True,
                      targets=targets))
    final = _stage(quarantine, "reject")
    steps.append(Step(0, "reject", text["reject"], (text["reject_why"],), (DnsRecord(name, "TXT", final),),
                      (DnsRecord(name, "TXT", quarantine),), later=True))
    return steps


def _dmarc_owner(findings: list[Finding], current: Mapping[tuple[str, str], str]) -> str:
    for finding in findings:
        for record in finding.fix.records if finding.fix else ():
            if kind_of(record.type, record.value, record.name) == "dmarc":
                return _owner(record.name)
    return next((owner for owner, kind in current if kind == "dmarc"), "")


def _published_name(step: Step, owner: str) -> str:
    return next((r.name for r in step.publish if _owner(r.name) == owner), owner)


def _monitoring(step: Step, owner: str, current: Mapping[tuple[str, str], str]) -> str:
    """The DMARC record of the monitoring stage: every tag fix, but ``p=none``."""
    value = next((r.value for r in step.publish
                  if _owner(r.name) == owner and kind_of(r.type, r.value, r.name) == "dmarc"),
                 current.get((owner, "dmarc"), "v=DMARC1; p=none"))
    record = parse_dmarc(value)
    if not any(u.usable for u in record.rua):  # monitoring without reports shows nothing
        value = record.with_tags(rua=f"mailto:dmarc-reports@{owner.removeprefix('_dmarc.').rstrip('.')}")
    return _stage(value, "none")


def _stage(value: str, policy: str) -> str:
    """The record at an enforcement stage: ``p`` set, invalid tags dropped (so every stage
    parses), and the testing flag off once enforcing (``t=y`` would lower the policy again)."""
    record = parse_dmarc(value)
    changes: dict[str, str | None] = dict.fromkeys(record.invalid)
    if policy != "none":
        changes["t"] = None
    return record.with_tags(**changes, p=policy)
