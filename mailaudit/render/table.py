"""The terminal report: a checks summary, a findings table and, per finding, evidence and fix.

Every piece of DNS data passes through ``safe`` (control characters escaped) before output.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import MappingProxyType

from tabulate import tabulate

from mailaudit.model import CheckResult, DomainReport, Finding, Status
from mailaudit.render.records import zone_line
from mailaudit.text import safe

_MARK = MappingProxyType({
    Status.PASS: "ok",
    Status.WARN: "warn",
    Status.FAIL: "FAIL",
    Status.ERROR: "ERROR",
    Status.SKIPPED: "skipped",
})

_NOTE_WIDTH = 100


def render_table(reports: Iterable[DomainReport]) -> str:
    reports = list(reports)
    text = "\n".join(render_one(r) for r in reports)
    return text + "\n" + render_summary(reports) if len(reports) > 1 else text


def render_summary(reports: Sequence[DomainReport]) -> str:
    """Over many domains: how many have each finding, and which checks could not complete."""
    domains: dict[tuple[str, str], set[str]] = {}
    rank: dict[str, int] = {}
    for report in reports:
        for finding in report.findings:
            domains.setdefault((finding.id, finding.severity.value), set()).add(report.domain)
            rank[finding.severity.value] = finding.severity.rank
    rows = sorted(domains.items(), key=lambda item: (-rank[item[0][1]], -len(item[1]), item[0][0]))
    lines = [f"== summary: {len(reports)} domains =="]
    if rows:
        lines.append(tabulate([[safe(fid), sev.upper(), len(names)] for (fid, sev), names in rows],
                              headers=["finding", "severity", "domains"]))
    else:
        lines.append("No findings.")
    errors: dict[str, list[str]] = {}
    for report in reports:
        for check in report.checks:
            if check.status is Status.ERROR:
                errors.setdefault(check.id, []).append(check.error or "")
    if errors:
        lines.append("\nchecks that could not complete:")
        lines.extend(f"  {safe(cid)} on {len(texts)} domain(s), e.g. {safe(_clip(texts[0]))}"
                     for cid, texts in errors.items())
    return "\n".join(lines) + "\n"


def render_one(report: DomainReport) -> str:
    lines = [f"== {safe(report.domain)} =="]
    lines.extend(f"note: {safe(n)}" for n in report.notes)
    lines.append(tabulate([_check_row(c) for c in report.checks], headers=["check", "status", "note"]))
    lines.extend(_errors(report.checks))
    findings = sorted(report.findings, key=lambda f: (-f.severity.rank, f.id, f.subject))
    if not findings:
        lines.append("\nNo findings.")
        return "\n".join(lines) + "\n"
    rows = [[i, f.severity.value.upper(), safe(f.id), safe(f.subject), safe(f.title)]
            for i, f in enumerate(findings, 1)]
    lines.append("")
    lines.append(tabulate(rows, headers=["#", "severity", "finding", "subject", "title"]))
    lines.append("")
    for i, finding in enumerate(findings, 1):
        lines.extend(_finding_block(i, finding))
    return "\n".join(lines) + "\n"


def _check_row(check: CheckResult) -> list[str]:
    note = check.error or ""
    if check.status is not Status.ERROR and check.findings:
        worst = max(check.findings, key=lambda f: f.severity.rank).severity
        note = f"{len(check.findings)} finding(s), worst {worst.value}"
    if check.notes and check.status is not Status.ERROR:  # what it could not verify, without failing
        note = "; ".join([note, *check.notes] if note else check.notes)
    return [safe(check.id), _MARK[check.status], safe(_clip(note))]


def _clip(text: str) -> str:
    """Keep the summary table narrow; the whole text follows the table (``_errors``)."""
    return text if len(text) <= _NOTE_WIDTH else text[: _NOTE_WIDTH - 3] + "..."


def _errors(checks: Iterable[CheckResult]) -> list[str]:
    """Check errors and notes too long for the summary table, in full."""
    out: list[str] = []
    for c in checks:
        if c.error and len(c.error) > _NOTE_WIDTH:
            out.append(f"{safe(c.id)} error: {safe(c.error)}")
        out.extend(f"{safe(c.id)} note: {safe(n)}" for n in c.notes
                   if c.status is not Status.ERROR and len(_check_row(c)[2]) >= _NOTE_WIDTH)
    return out


def _finding_block(index: int, finding: Finding) -> list[str]:
    out = [f"{index}. [{finding.severity.value.upper()}] {safe(finding.id)}: {safe(finding.title)}"]
    out.append(f"   {safe(finding.detail)}")
    out.extend(f"   evidence: {safe(e)}" for e in finding.evidence[:8])
    if len(finding.evidence) > 8:
        out.append(f"   evidence: ... {len(finding.evidence) - 8} more")
    fix = finding.fix
    if fix is not None:
        out.append(f"   fix: {safe(fix.summary)}")
        out.extend(f"     publish: {safe(zone_line(r))}" for r in fix.records)
        out.extend(f"     remove:  {safe(zone_line(r))}" for r in fix.remove)
    out.append("")
    return out
