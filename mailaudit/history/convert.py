"""The audit's typed results to the store's typed values and back.

``stored_report`` keeps everything a report JSON shows (findings, check statuses and data, grade,
score) plus what the texts were built from (variant, params), so a reader can show a stored
finding again in another language (``to_finding`` + ``Catalogue.localize``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping

from mailaudit.history.types import (
    RunMeta,
    StoredCheck,
    StoredFinding,
    StoredFix,
    StoredRecord,
    StoredReport,
)
from mailaudit.model import CheckResult, DnsRecord, DomainReport, Finding, Fix, Severity, Status

# options recorded with a run; never a secret (the Spamhaus DQS key is left out on purpose)
RECORDED_OPTIONS = ("lang", "fail_on", "smtp", "dkim_selectors", "dnsbl_zones", "no_dnsbl", "sending_ips",
                    "nameservers", "zones", "offline", "timeout", "allow_private_targets")


def _record(record: DnsRecord) -> StoredRecord:
    return StoredRecord(record.name, record.type, record.value)


def stored_finding(finding: Finding, check: str) -> StoredFinding:
    fix = None if finding.fix is None else StoredFix(
        finding.fix.summary, tuple(map(_record, finding.fix.records)), tuple(map(_record, finding.fix.remove)))
    return StoredFinding(id=finding.id, subject=finding.subject, severity=finding.severity.value,
                         title=finding.title, detail=finding.detail, evidence=finding.evidence, fix=fix,
                         check=check, variant=finding.variant, params=finding.params)


def _check(check: CheckResult) -> StoredCheck:
    return StoredCheck(check.id, check.status.value, check.error,
                       json.dumps(dict(check.data), sort_keys=True, default=str))


def stored_report(report: DomainReport, grade: str, score: int) -> StoredReport:
    """A report with its grade (``render.grade``), findings worst first as every output has them."""
    owned = [(f, c.id) for c in report.checks for f in c.findings]
    owned.sort(key=lambda pair: (-pair[0].severity.rank, pair[0].id, pair[0].subject))
    return StoredReport(domain=report.domain, grade=grade, score=score,
                        checks=tuple(_check(c) for c in report.checks),
                        findings=tuple(stored_finding(f, check) for f, check in owned),
                        input=report.input if report.input != report.domain else "", notes=report.notes)


def to_finding(finding: StoredFinding) -> Finding:
    """The audit's Finding for a stored one (to render it again, e.g. in another language)."""
    def records(items: Iterable[StoredRecord]) -> tuple[DnsRecord, ...]:
        return tuple(DnsRecord(r.name, r.type, r.value) for r in items)

    fix = None if finding.fix is None else Fix(finding.fix.summary, records(finding.fix.records),
                                               records(finding.fix.remove))
    return Finding(id=finding.id, subject=finding.subject, severity=Severity(finding.severity), title=finding.title,
                   detail=finding.detail, evidence=finding.evidence, fix=fix, variant=finding.variant,
                   params=finding.params)


def source_of(zones: Iterable[str], offline: bool) -> str:
    """``offline`` (only zone files), ``zone`` (zone files over live DNS: a what-if), or ``live``."""
    if offline:
        return "offline"
    return "zone" if tuple(zones) else "live"


def run_meta(params: Mapping[str, object], command: str, tool_version: str, at: dt.datetime | None = None) -> RunMeta:
    """The run's record from the CLI's parameters (only ``RECORDED_OPTIONS``)."""
    def text(value: object) -> str:
        if isinstance(value, tuple | list):
            return ",".join(str(v) for v in value)
        return "" if value is None else str(value)

    zones = params.get("zones") or ()
    options = tuple(sorted((k, text(params[k])) for k in RECORDED_OPTIONS if params.get(k) not in (None, (), False)))
    return RunMeta(at=at or dt.datetime.now(dt.UTC).replace(microsecond=0),
                   source=source_of(zones if isinstance(zones, tuple | list) else (), bool(params.get("offline"))),
                   command=command, options=options, tool_version=tool_version)


def to_domain_report(report: StoredReport, localize: Callable[[Finding], Finding] | None = None) -> DomainReport:
    """The audit's DomainReport for a stored one (each finding under the check that reported it),
    for what works on audit results: the fix plan, the renderers. ``localize`` (e.g.
    ``Catalogue.localize``) shows the findings' texts in another language."""
    owned: dict[str, list[Finding]] = {}
    for finding in report.findings:
        made = to_finding(finding)
        owned.setdefault(finding.owner, []).append(localize(made) if localize else made)
    checks = [CheckResult(c.id, Status(c.status), tuple(owned.pop(c.id, ())), c.error, tuple(c.data.items()))
              for c in report.checks]
    checks += [CheckResult(cid, Status.WARN, tuple(found)) for cid, found in owned.items()]
    return DomainReport(report.domain, tuple(checks), report.input or report.domain, report.notes)
