"""The terminal report: a checks summary, a findings table and, per finding, evidence and fix.

Every piece of DNS data passes through ``safe`` (control characters escaped) before output.
Every word comes from the catalogue (``_words.ui`` of ``render/catalogue/<lang>.toml``). Notes
about the whole run (an untrustworthy resolver, an interrupted run) are printed once, first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from tabulate import tabulate

from mailaudit.model import CheckResult, DomainReport, Finding, Status
from mailaudit.render.records import zone_line
from mailaudit.render.ui import ui
from mailaudit.text import safe

Words = Mapping[str, str]
_NOTE_WIDTH = 100


def render_table(reports: Iterable[DomainReport], lang: str = "en") -> str:
    reports = list(reports)
    words = ui(lang)
    head = _headlines(reports, words)
    text = "\n".join(render_one(r, words) for r in reports)
    body = text + "\n" + render_summary(reports, words) if len(reports) > 1 else text
    return head + body


def _headlines(reports: Sequence[DomainReport], words: Words) -> str:
    seen = dict.fromkeys(n for r in reports for n in r.run_notes)
    lines = [f"{words['t_warning']}: {safe(n)}" for n in seen]
    return "\n".join(lines) + "\n\n" if lines else ""


def render_summary(reports: Sequence[DomainReport], words: Words | None = None) -> str:
    """Over many domains: how many have each finding, and which checks could not complete."""
    words = words or ui("en")
    domains: dict[tuple[str, str], set[str]] = {}
    rank: dict[str, int] = {}
    for report in reports:
        for finding in report.findings:
            domains.setdefault((finding.id, finding.severity.value), set()).add(report.domain)
            rank[finding.severity.value] = finding.severity.rank
    rows = sorted(domains.items(), key=lambda item: (-rank[item[0][1]], -len(item[1]), item[0][0]))
    lines = [words["t_summary"].format(count=len(reports))]
    if rows:
        headers = [words["t_finding"], words["t_severity"], words["t_domains"]]
        lines.append(tabulate([[safe(fid), sev.upper(), len(names)] for (fid, sev), names in rows], headers=headers))
    else:
        lines.append(words["t_no_findings"])
    lines += _summary_errors(reports, words)
    return "\n".join(lines) + "\n"


def _summary_errors(reports: Sequence[DomainReport], words: Words) -> list[str]:
    errors: dict[str, list[str]] = {}
    for report in reports:
        for check in report.checks:
            if check.status is Status.ERROR:
                errors.setdefault(check.id, []).append(check.error or "")
    if not errors:
        return []
    return ["\n" + words["t_incomplete_head"]] + [
        "  " + words["t_incomplete_row"].format(check=safe(cid), count=len(texts), example=safe(_clip(texts[0])))
        for cid, texts in errors.items()]


def render_one(report: DomainReport, words: Words | None = None) -> str:
    words = words or ui("en")
    lines = [f"== {safe(report.domain)} =="]
    lines.extend(f"{words['t_note']}: {safe(n)}" for n in report.notes if n not in report.run_notes)
    headers = [words["t_check"], words["t_status"], words["t_note"]]
    lines.append(tabulate([_check_row(c, words) for c in report.checks], headers=headers))
    lines.extend(_errors(report.checks, words))
    findings = report.findings
    if not findings:
        lines.append("\n" + words["t_no_findings"])
        return "\n".join(lines) + "\n"
    rows = [[i, f.severity.value.upper(), safe(f.id), safe(f.subject), safe(f.title)]
            for i, f in enumerate(findings, 1)]
    lines.append("")
    headers = ["#", words["t_severity"], words["t_finding"], words["t_subject"], words["t_title"]]
    lines.append(tabulate(rows, headers=headers))
    lines.append("")
    for i, finding in enumerate(findings, 1):
        lines.extend(_finding_block(i, finding, words))
    return "\n".join(lines) + "\n"


def _check_row(check: CheckResult, words: Words) -> list[str]:
    note = check.error or ""
    if check.status is not Status.ERROR and check.findings:
        worst = max(check.findings, key=lambda f: f.severity.rank).severity
        note = words["t_check_findings"].format(count=len(check.findings), worst=worst.value)
    if check.notes and check.status is not Status.ERROR:  # what it could not verify, without failing
        note = "; ".join([note, *check.notes] if note else check.notes)
    return [safe(check.id), words[f"t_mark_{check.status.value}"], safe(_clip(note))]


def _clip(text: str) -> str:
    """Keep the summary table narrow; the whole text follows the table (``_errors``)."""
    return text if len(text) <= _NOTE_WIDTH else text[: _NOTE_WIDTH - 3] + "..."


def _errors(checks: Iterable[CheckResult], words: Words) -> list[str]:
    """Check errors and notes too long for the summary table, in full."""
    out: list[str] = []
    for c in checks:
        if c.error and len(c.error) > _NOTE_WIDTH:
            out.append(f"{safe(c.id)} {words['t_error']}: {safe(c.error)}")
        out.extend(f"{safe(c.id)} {words['t_note']}: {safe(n)}" for n in c.notes
                   if c.status is not Status.ERROR and len(_check_row(c, words)[2]) >= _NOTE_WIDTH)
    return out


def _finding_block(index: int, finding: Finding, words: Words) -> list[str]:
    out = [f"{index}. [{finding.severity.value.upper()}] {safe(finding.id)}: {safe(finding.title)}"]
    out.append(f"   {safe(finding.detail)}")
    out.extend(f"   {words['t_evidence']}: {safe(e)}" for e in finding.evidence[:8])
    if len(finding.evidence) > 8:
        out.append(f"   {words['t_evidence']}: " + words["t_more"].format(count=len(finding.evidence) - 8))
    fix = finding.fix
    if fix is not None:
        out.append(f"   {words['t_fix']}: {safe(fix.summary)}")
        out.extend(f"     {words['t_publish']}: {safe(zone_line(r))}" for r in fix.records)
        out.extend(f"     {words['t_remove']}:  {safe(zone_line(r))}" for r in fix.remove)
    out.append("")
    return out
