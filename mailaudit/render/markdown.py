"""Markdown for tickets and merge-request comments (GitLab/GitHub flavoured).

DNS data is hostile, yet the text is pasted into chats and e-mails, so only what would change the
rendering is escaped: HTML characters become entities, the characters that open code, emphasis,
links, images, strikethrough, math or table cells get a backslash (``_`` only where it could close
emphasis), and a list or heading marker at the start. Dots, colons and hyphens inside text stay as
they are, so ``batikmurni.example`` and ``https://check.spamhaus.org/`` read as written. No record
can add a link, an image, raw HTML or break a table;
records and evidence go into fenced code blocks whose fence is longer than any backtick run in
the content. Control characters are made visible first (``\\x1b``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from mailaudit.fixplan.plan import Step, plan
from mailaudit.model import DomainReport, Finding
from mailaudit.render import RenderOptions
from mailaudit.render.grade import SEVERITIES, Grade, grade, sorted_findings
from mailaudit.render.paste import zone_text
from mailaudit.render.records import zone_line
from mailaudit.render.ui import check_label, plural, ui
from mailaudit.text import escape_text, fix_parts

_LIMIT = 2000
_META = frozenset("\\`*[]|~$")  # always escaped; "_" only where it could close emphasis
_LINE_START = re.compile(r"^(?:[#+\-=]|\d+[.)](?=\s|$))")  # a heading, list or setext marker
_ENTITIES = MappingProxyType({"<": "&lt;", ">": "&gt;", "&": "&amp;"})
_BACKTICKS = re.compile(r"`+")


def md_text(text: str, limit: int | None = _LIMIT) -> str:
    """Inline-safe: no Markdown or HTML meaning survives, control characters are visible."""
    shown = escape_text(text, limit)
    out: list[str] = []
    for i, ch in enumerate(shown):
        after = shown[i + 1] if i + 1 < len(shown) else " "
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch in _META or (ch == "_" and not after.isalnum()):
            out.append("\\" + ch)
        else:
            out.append(ch)
    escaped = "".join(out)
    marker = _LINE_START.match(escaped)
    if marker:
        escaped = escaped[: marker.end() - 1] + "\\" + escaped[marker.end() - 1 :]
    return escaped


def md_span(text: str, limit: int = 100) -> str:
    """An inline code span no content can close early; control characters visible."""
    body = escape_text(text, limit).replace("\n", " ")
    longest = max((len(m) for m in _BACKTICKS.findall(body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{pad}{body}{pad}{fence}" if body else ""


def md_code(lines: Sequence[str], lang: str = "text", limit: int | None = _LIMIT) -> list[str]:
    """A fenced block that no content can close early (``lang="dns"``: zone lines, kept pasteable)."""
    body = [zone_text(line) if lang == "dns" else escape_text(line, limit) for line in lines]
    longest = max((len(m) for line in body for m in _BACKTICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + lang, *body, fence]


def render(reports: Sequence[DomainReport], options: RenderOptions) -> str:
    words = ui(options.lang)
    lang = options.lang
    lines = [f"# {words['report_title']}", ""]
    if len(reports) > 1:
        lines.extend(_index(reports, words))
    for report in reports:
        lines.extend(_domain(report, words, lang))
    if options.fail_on is not None:
        lines.append(f"_{md_text(words['fail_on'].format(level=words[options.fail_on.value]))}_")
    lines.append(f"_{words['generated_by']}_")
    return "\n".join(lines) + "\n"


def _grade_text(mark: Grade, words: Mapping[str, str]) -> str:
    text = f"{words['grade']} **{mark.letter}** ({words['score']} {mark.score}/100)"
    return text if mark.complete else f"{text}, {words['incomplete']}"


def _index(reports: Sequence[DomainReport], words: Mapping[str, str]) -> list[str]:
    head = [words["domain"], words["grade"], words["score"], *(words[s.value] for s in SEVERITIES)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for report in reports:
        mark = grade(report)
        cells = [md_text(report.domain), mark.letter + ("" if mark.complete else "?"), str(mark.score)]
        cells.extend(str(mark.count(s)) for s in SEVERITIES)
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def _domain(report: DomainReport, words: Mapping[str, str], lang: str) -> list[str]:
    lines = [f"## {md_text(report.domain)}", "", _grade_text(grade(report), words), ""]
    lines.extend(f"> {md_text(note)}" for note in report.notes)
    lines.extend([f"| {words['check']} | {words['status']} | {words['note']} |", "|---|---|---|"])
    for check in report.checks:
        note = check.error or (plural(words, "counts", len(check.findings)) if check.findings else "")
        note = "; ".join(n for n in (note, *check.notes) if n)
        status = words.get(check.status.value, check.status.value)
        lines.append(f"| {md_text(check_label(words, check.id))} | {status} | {md_text(note, 300)} |")
    lines.append("")
    steps = plan(report, lang).steps
    if steps:
        lines.extend([f"### {words['plan']}", ""])
        for step in steps:
            lines.extend(_step(step, words))
    findings = sorted_findings(report)
    if not findings:
        return [*lines, words["no_findings"], ""]
    lines.extend([f"### {words['findings']}", ""])
    for number, finding in enumerate(findings, 1):
        lines.extend(_finding(number, finding, words))
    return lines


def _step(step: Step, words: Mapping[str, str]) -> list[str]:
    later = f" _({words['later']}: {words['later_note']})_" if step.later else ""
    lines = [f"{step.number}. **{md_text(step.title)}**{later}", ""]
    for action in step.actions:
        text, block = fix_parts(action)
        lines.append(f"   - {md_text(text)}")
        lines.extend(f"     {line}" for line in (md_code(block) if block else []))
    for label, records in ((words["remove"], step.remove), (words["publish"], step.publish)):
        if records:
            block = md_code([zone_line(r) for r in records], "dns")
            lines.extend(["", f"   {label}:", "", *(f"   {line}" for line in block)])
    if step.wait:
        lines.extend(["", f"   {words['wait']}: {md_text(step.wait)}"])
    return [*lines, ""]


def _finding(number: int, finding: Finding, words: Mapping[str, str]) -> list[str]:
    sev = words[finding.severity.value].upper()
    lines = [
        f"#### {number}. {sev}: {md_text(finding.title, 300)}",
        "",
        f"{md_span(finding.id)} · {words['subject']}: {md_text(finding.subject, 300)}",
        "",
        md_text(finding.detail),
        "",
    ]
    if finding.evidence:
        lines.extend([f"{words['evidence']}:", "", *md_code(finding.evidence[:10]), ""])
    if finding.fix is not None:
        text, block = fix_parts(finding.fix.summary)
        lines.extend([f"**{words['fix']}:** {md_text(text)}", ""])
        if block:
            lines.extend([*md_code(block), ""])
        if finding.fix.records:
            lines.extend([f"{words['publish']}:", "", *md_code([zone_line(r) for r in finding.fix.records], "dns"), ""])
        if finding.fix.remove:
            lines.extend([f"{words['remove']}:", "", *md_code([zone_line(r) for r in finding.fix.remove], "dns"), ""])
    return lines

