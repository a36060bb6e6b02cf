"""JSON (contract version 1) derived from the typed models, and read back for diffs/baselines."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..model import CheckResult, DnsRecord, DomainReport, Finding, Fix

VERSION = 1


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


def load_reports(text: str) -> list[Mapping[str, Any]]:
    """Report objects from json (``{"version":1,"reports":[...]}``) or jsonl output.

    Raises ValueError with a one-line reason when the text is neither.
    """
    text = text.strip()
    if not text:
        return []
    try:
        whole = _loads(text)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, dict) and isinstance(whole.get("reports"), list):
        return [r for r in whole["reports"] if isinstance(r, dict)]
    if isinstance(whole, dict) and "domain" in whole:
        return [whole]
    out: list[Mapping[str, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = _loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f"line {number}: not JSON ({err.msg})") from None
        if not isinstance(item, dict) or "domain" not in item:
            raise ValueError(f"line {number}: not a mailaudit report")
        out.append(item)
    return out


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:  # hostile input: thousands of nested arrays or objects
        raise ValueError("JSON nested too deeply") from None
