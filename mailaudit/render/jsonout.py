"""JSON (contract version 1) derived from the typed models. Reading it back: ``mailaudit.reportfile``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from mailaudit.model import CheckResult, DnsRecord, DomainReport, Finding, Fix
from mailaudit.reportfile import VERSION, load_reports

__all__ = ["VERSION", "load_reports"]  # re-exported: scripts read the output back with it



def record_dict(record: DnsRecord) -> dict[str, str]:
    return {"name": record.name, "type": record.type, "value": record.value}


def fix_dict(fix: Fix | None) -> dict[str, Any] | None:
    if fix is None:
        return None
    out: dict[str, Any] = {"summary": fix.summary, "records": [record_dict(r) for r in fix.records]}
    if fix.remove:
        out["remove"] = [record_dict(r) for r in fix.remove]
    return out


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "subject": finding.subject,
        "severity": finding.severity.value,
        "title": finding.title,
        "detail": finding.detail,
        "evidence": list(finding.evidence),
        "fix": fix_dict(finding.fix),
    }


def check_dict(check: CheckResult) -> dict[str, Any]:
    out: dict[str, Any] = {"id": check.id, "status": check.status.value, "error": check.error}
    if check.notes:
        out["notes"] = list(check.notes)
    if check.data:
        out["data"] = dict(check.data)
    return out


def report_dict(report: DomainReport) -> dict[str, Any]:
    out: dict[str, Any] = {
        "domain": report.domain,
        "grade": report.grade,
        "score": report.score,
        "checks": [check_dict(c) for c in report.checks],
        "findings": [finding_dict(f) for f in report.findings],
    }
    if report.input and report.input != report.domain:
        out["input"] = report.input
    if report.notes:
        out["notes"] = list(report.notes)
    return out


def dumps(obj: Any, pretty: bool = False) -> str:
    # ensure_ascii keeps control characters and escape sequences as \u escapes: inert anywhere
    if pretty:
        return json.dumps(obj, indent=2, ensure_ascii=True, default=str)
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True, default=str)


def render_json(reports: Iterable[DomainReport]) -> str:
    return dumps({"version": VERSION, "reports": [report_dict(r) for r in reports]}, pretty=True) + "\n"


def render_jsonl_line(report: DomainReport) -> str:
    return dumps(report_dict(report)) + "\n"
