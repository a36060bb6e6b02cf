"""The terminal report: per domain its grade, a checks summary, a findings table and, per finding,
evidence and fix; the first thing to do; over many domains a ranked summary (worst first).

Every piece of DNS data passes through ``safe`` (control characters escaped) before output; colour
is added after escaping, only when the CLI says the terminal wants it (``TermStyle.color``). Lines
fit ``TermStyle.width``: text is wrapped, and a TXT record longer than the line is shown as BIND
writes it, split into several quoted strings inside parentheses (receivers join them without a
space, RFC 7208 3.3 and RFC 6376 3.6.2.2), so it can be pasted as it is. Every word comes from the
catalogue (``_words.ui`` of ``render/catalogue/<lang>.toml``). Notes about the whole run (an
untrustworthy resolver, an interrupted run) are printed once, first.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from tabulate import tabulate

from mailaudit.fixplan.plan import plan
from mailaudit.model import CheckResult, DnsRecord, DomainReport, Finding, Severity, Status
from mailaudit.render.records import presentation_value, txt_value
from mailaudit.render.ui import ui
from mailaudit.text import fix_parts, safe

Words = Mapping[str, str]
_SEVERITY_COLOUR = MappingProxyType({"critical": "1;35", "high": "1;31", "medium": "33", "low": "36", "info": "2"})
_STATUS_COLOUR = MappingProxyType({"pass": "32", "warn": "33", "fail": "1;31", "error": "35", "skipped": "2"})
_GRADE_COLOUR = MappingProxyType({"A": "1;32", "B": "32", "C": "33", "D": "31", "F": "1;31"})


@dataclass(frozen=True, slots=True)
class TermStyle:
    color: bool = False
    width: int = 100
    verbose: bool = True  # every domain's details; False: the ranked summary only (batch)

    def paint(self, code: str | None, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and code else text

    @property
    def text_width(self) -> int:
        return max(self.width, 60)


def render_table(reports: Iterable[DomainReport], lang: str = "en", style: TermStyle | None = None) -> str:
    reports = list(reports)
    style = style or TermStyle()
    words = ui(lang)
    head = _headlines(reports, words, style)
    parts = [render_one(r, words, style, lang) for r in reports] if style.verbose or len(reports) == 1 else []
    if len(reports) > 1:
        parts.append(render_ranking(reports, words, style))
        parts.append(render_summary(reports, words, style))
    return head + "\n".join(parts)


def _headlines(reports: Sequence[DomainReport], words: Words, style: TermStyle) -> str:
    seen = dict.fromkeys(n for r in reports for n in r.run_notes)
    lines = [_wrap(f"{style.paint('1;31', words['t_warning'])}: {safe(n)}", style) for n in seen]
    return "\n".join(lines) + "\n\n" if lines else ""


def _wrap(text: str, style: TermStyle, indent: str = "", first: str | None = None) -> str:
    wrapped = textwrap.wrap(text, style.text_width, initial_indent=indent if first is None else first,
                            subsequent_indent=indent, break_long_words=True, break_on_hyphens=False)
    return "\n".join(wrapped) if wrapped else (first or indent)


def _grade(report: DomainReport, words: Words, style: TermStyle) -> str:
    mark = report.grade + ("" if report.complete else "?")
    return words["t_grade"].format(grade=style.paint(_GRADE_COLOUR.get(report.grade), mark), score=report.score)


def render_ranking(reports: Sequence[DomainReport], words: Words, style: TermStyle) -> str:
    """One line per domain, worst first: grade, score, domain, counts, worst finding."""
    ranked = sorted(reports, key=lambda r: (r.score, r.complete, r.domain))
    rows = []
    for report in ranked:
        counts = " ".join(f"{n} {style.paint(_SEVERITY_COLOUR[s.value], words.get(s.value, s.value).lower())}"
                          for s, n in _counts(report) if n and s is not Severity.INFO)
        worst = report.findings[0].id if report.findings else ""
        incomplete = words["t_incomplete_mark"] if not report.complete else ""
        rows.append([_grade(report, words, style), safe(report.domain), counts or "-", safe(worst) + incomplete])
    headers = [words["t_grade_col"], words["t_domain"], words["t_findings"], words["t_worst"]]
    return words["t_ranking"].format(count=len(reports)) + "\n" + tabulate(rows, headers=headers) + "\n"


def _counts(report: DomainReport) -> list[tuple[Severity, int]]:
    order = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
    return [(s, sum(1 for f in report.findings if f.severity is s)) for s in order]


def render_summary(reports: Sequence[DomainReport], words: Words | None = None, style: TermStyle | None = None) -> str:
    """Over many domains: how many have each finding, and which checks could not complete."""
    words = words or ui("en")
    style = style or TermStyle()
    domains: dict[tuple[str, str], set[str]] = {}
    rank: dict[str, int] = {}
    for report in reports:
        for finding in report.findings:
            domains.setdefault((finding.id, finding.severity.value), set()).add(report.domain)
            rank[finding.severity.value] = finding.severity.rank
    rows = sorted(domains.items(), key=lambda item: (-rank[item[0][1]], -len(item[1]), item[0][0]))
    lines = ["", words["t_summary"].format(count=len(reports))]
    if rows:
        headers = [words["t_finding"], words["t_severity"], words["t_domains"]]
        lines.append(tabulate([[safe(fid), _sev(sev, style, words), len(names)] for (fid, sev), names in rows],
                              headers=headers))
    else:
        lines.append(words["t_no_findings"])
    lines += _summary_errors(reports, words, style)
    return "\n".join(lines) + "\n"


def _sev(severity: str, style: TermStyle, words: Words) -> str:
    return style.paint(_SEVERITY_COLOUR.get(severity), words.get(severity, severity).upper())


def _summary_errors(reports: Sequence[DomainReport], words: Words, style: TermStyle) -> list[str]:
    errors: dict[str, list[str]] = {}
    for report in reports:
        for check in report.checks:
            if check.status is Status.ERROR:
                errors.setdefault(check.id, []).append(check.error or "")
    if not errors:
        return []
    limit = style.text_width - 30
    return ["\n" + words["t_incomplete_head"]] + [
        "  " + words["t_incomplete_row"].format(check=safe(cid), count=len(texts), example=safe(_clip(texts[0], limit)))
        for cid, texts in errors.items()]


def render_one(report: DomainReport, words: Words | None = None, style: TermStyle | None = None,
               lang: str = "en") -> str:
    words = words or ui(lang)
    style = style or TermStyle()
    lines = [f"== {safe(report.domain)} ==  {_grade(report, words, style)}"]
    lines.extend(_wrap(f"{words['t_note']}: {safe(n)}", style, "  ", "") for n in report.notes
                 if n not in report.run_notes)
    headers = [words["t_check"], words["t_status"], words["t_note"]]
    lines.append(tabulate([_check_row(c, words, style) for c in report.checks], headers=headers))
    lines.extend(_errors(report.checks, words, style))
    findings = report.findings
    if not findings:
        lines.append("\n" + words["t_no_findings"])
        return "\n".join(lines) + "\n"
    lines += ["", _findings_table(findings, words, style), ""]
    for i, finding in enumerate(findings, 1):
        lines.extend(_finding_block(i, finding, words, style))
    lines.extend(_first_step(report, words, style, lang))
    return "\n".join(lines) + "\n"


def _findings_table(findings: Sequence[Finding], words: Words, style: TermStyle) -> str:
    """Below 110 columns the subject moves out of the table into each finding's block."""
    wide = style.text_width >= 110
    rows = [[i, _sev(f.severity.value, style, words), safe(f.id), *([safe(f.subject)] if wide else []), safe(f.title)]
            for i, f in enumerate(findings, 1)]
    headers = ["#", words["t_severity"], words["t_finding"], *([words["t_subject"]] if wide else []), words["t_title"]]
    free = max(style.text_width - 40, 24)  # what the subject and title columns may share
    widths: list[int | None] = [None, None, None, max(free // 3, 12), free - free // 3] if wide else \
        [None, None, None, free]
    return tabulate(rows, headers=headers, maxcolwidths=widths)


def _first_step(report: DomainReport, words: Words, style: TermStyle, lang: str) -> list[str]:
    steps = plan(report, lang).steps
    if not steps:
        return []
    text = words["t_first"].format(step=steps[0].title, domain=report.domain)
    return [_wrap(f"{style.paint('1', words['t_first_label'])}: {safe(text)}", style, "   ", ""), ""]


def _check_row(check: CheckResult, words: Words, style: TermStyle) -> list[str]:
    note = check.error or ""
    if len(note) > _note_limit(style):  # printed in full below the table, once
        note = words["t_see_below"]
    if check.status is not Status.ERROR and check.findings:
        worst = max(check.findings, key=lambda f: f.severity.rank).severity
        key = "t_check_findings_one" if len(check.findings) == 1 else "t_check_findings_other"
        note = words[key].format(count=len(check.findings), worst=worst.value)
    if check.notes and check.status is not Status.ERROR:  # what it could not verify, without failing
        joined = "; ".join([note, *check.notes] if note else check.notes)
        note = joined if len(joined) <= _note_limit(style) else "; ".join(filter(None, (note, words["t_see_below"])))
    mark = style.paint(_STATUS_COLOUR.get(check.status.value), words[f"t_mark_{check.status.value}"])
    return [safe(check.id), mark, safe(_clip(note, _note_limit(style)))]


def _note_limit(style: TermStyle) -> int:
    return style.text_width - 25


def _clip(text: str, limit: int) -> str:
    """Keep the summary table narrow; the whole text follows the table (``_errors``)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _errors(checks: Iterable[CheckResult], words: Words, style: TermStyle) -> list[str]:
    """Check errors and notes too long for the summary table, in full (each once)."""
    out: list[str] = []
    limit = _note_limit(style)
    for c in checks:
        if c.error and len(c.error) > limit:
            label = words["t_error"] if c.status is Status.ERROR else words["t_note"]
            out.append(_wrap(f"{safe(c.id)} {label}: {safe(c.error)}", style, "  ", ""))
        if c.status is not Status.ERROR and c.notes and words["t_see_below"] in _check_row(c, words, style)[2]:
            out.extend(_wrap(f"{safe(c.id)} {words['t_note']}: {safe(n)}", style, "  ", "") for n in c.notes)
    return out


def _finding_block(index: int, finding: Finding, words: Words, style: TermStyle) -> list[str]:
    head = f"{index}. [{_sev(finding.severity.value, style, words)}] {safe(finding.id)}: {safe(finding.title)}"
    out = [_wrap(head, style, "   ", "")]
    if style.text_width < 110 or len(finding.subject) > 40:
        out.append(_wrap(f"{words['t_subject']}: {safe(finding.subject)}", style, "     ", "   "))
    out.append(_wrap(safe(finding.detail), style, "   "))
    out.extend(_wrap(f"{words['t_evidence']}: {safe(e)}", style, "     ", "   ") for e in finding.evidence[:8])
    if len(finding.evidence) > 8:
        out.append(f"   {words['t_evidence']}: " + words["t_more"].format(count=len(finding.evidence) - 8))
    fix = finding.fix
    if fix is not None:
        text, block = fix_parts(fix.summary)
        out.append(_wrap(f"{style.paint('1', words['t_fix'])}: {safe(text)}", style, "     ", "   "))
        out.extend(f"       | {safe(line)}" for line in block)
        out.extend(_record_lines(words["t_publish"], r, style) for r in fix.records)
        out.extend(_record_lines(words["t_remove"], r, style) for r in fix.remove)
    out.append("")
    return out


def _record_lines(label: str, record: DnsRecord, style: TermStyle) -> str:
    """``publish: name 3600 IN TXT "..."`` on one line when it fits, else BIND's multi-line form."""
    head = f"     {label}: {safe(record.name)} 3600 IN {safe(record.type.upper())} "
    value = presentation_value(record)
    if len(head) + len(value) <= style.text_width or record.type.upper() not in ("TXT", "SPF"):
        return head + safe(value)
    chunk = max(style.text_width - 12, 40)
    strings = [txt_value(record.value[i : i + chunk]) for i in range(0, len(record.value), chunk)]
    return head + "(\n" + "\n".join(f"         {s}" for s in strings) + " )"
