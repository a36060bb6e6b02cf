"""``mailaudit explain`` output: JSON (the contract's shape), a terminal table, Markdown.

Every text from the input is hostile: the table escapes control characters (``safe``), Markdown
escapes its metacharacters (``md_text``), JSON is ASCII-escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mailaudit.catalogue import Catalogue
from mailaudit.explain.report import ExplainReport, MessageSummary
from mailaudit.model import Finding
from mailaudit.render.jsonout import dumps, finding_dict
from mailaudit.render.markdown import md_code, md_span, md_text
from mailaudit.render.records import zone_line
from mailaudit.render.ui import ui
from mailaudit.text import safe

EXPLAIN_FORMATS = ("table", "json", "markdown")


def message_dict(message: MessageSummary | None) -> dict[str, Any] | None:
    if message is None:
        return None
    return {"from_domain": message.from_domain, "connecting_ip": message.connecting_ip, "spf": message.spf,
            "dkim": [{"domain": d.domain, "selector": d.selector, "result": d.result} for d in message.dkim],
            "dmarc": message.dmarc}


def render_json(report: ExplainReport) -> str:
    doc = {"version": 1, "kind": report.kind, "diagnosis": [finding_dict(f) for f in report.findings],
           "message": message_dict(report.message)}
    return dumps(doc, pretty=True) + "\n"


def _words(lang: str) -> tuple[Mapping[str, str], Mapping[str, str]]:
    return Catalogue.load(lang).words("explain"), ui(lang)


def _message_rows(message: MessageSummary, words: Mapping[str, str]) -> list[tuple[str, str]]:
    dkim = ", ".join(f"{d.domain}/{d.selector}: {d.result}" for d in message.dkim) or "-"
    return [(words["from_domain"], message.from_domain or "-"), (words["connecting_ip"], message.connecting_ip or "-"),
            (words["spf"], message.spf), (words["dkim"], dkim), (words["dmarc"], message.dmarc)]


def _hop_lines(report: ExplainReport, words: Mapping[str, str]) -> list[str]:
    out = []
    for number, hop in enumerate(report.hops, 1):
        tls = words["tls"] if hop.tls else words["no_tls"]
        out.append(f"{number}. {hop.sender or '-'} [{hop.address or '-'}] -> {hop.by or '-'}, "
                   f"{hop.protocol or '-'} ({tls}), {hop.date or '-'}")
    return out


def render_table(report: ExplainReport, lang: str = "en") -> str:
    words, labels = _words(lang)
    lines = [f"{words['title']} ({words['kind']}: {words['kind_' + report.kind]})", ""]
    if report.message is not None:
        lines.append(words["message"] + ":")
        lines.extend(f"  {label}: {safe(value)}" for label, value in _message_rows(report.message, words))
        lines.append("")
    if report.hops:
        lines.append(words["hops"] + ":")
        lines.extend(f"  {safe(line)}" for line in _hop_lines(report, words))
        lines.append("")
    lines.append(words["diagnosis"] + ":")
    if not report.findings:
        lines.append("  " + words["none_found"])
    for number, finding in enumerate(report.findings, 1):
        lines.extend(_table_finding(number, finding, words, labels))
    lines.extend(f"{words['errors']}: {safe(e)}" for e in report.errors)
    return "\n".join(lines).rstrip("\n") + "\n"


def _table_finding(number: int, finding: Finding, words: Mapping[str, str], labels: Mapping[str, str]) -> list[str]:
    severity = labels.get(finding.severity.value, finding.severity.value).upper()
    out = [f"{number}. [{severity}] {safe(finding.id)} ({safe(finding.subject)}): {safe(finding.title)}",
           f"   {safe(finding.detail)}"]
    out.extend(f"   {words['evidence']}: {safe(e)}" for e in finding.evidence[:6])
    if finding.fix is not None:
        out.append(f"   {words['fix']}: {safe(finding.fix.summary)}")
        out.extend(f"     {words['publish']}: {safe(zone_line(r))}" for r in finding.fix.records)
        out.extend(f"     {words['remove']}:  {safe(zone_line(r))}" for r in finding.fix.remove)
    out.append("")
    return out


def render_markdown(report: ExplainReport, lang: str = "en") -> str:
    words, labels = _words(lang)
    lines = [f"## {md_text(words['title'])}", "", f"{md_text(words['kind'])}: {md_text(words['kind_' + report.kind])}",
             ""]
    if report.message is not None:
        lines.extend([f"### {md_text(words['message'])}", ""])
        lines.extend(f"- {md_text(label)}: {md_span(value, 300)}" for label, value in
                     _message_rows(report.message, words))
        lines.append("")
    if report.hops:
        lines.extend([f"### {md_text(words['hops'])}", ""])
        lines.extend(f"- {md_text(line)}" for line in _hop_lines(report, words))
        lines.append("")
    lines.extend([f"### {md_text(words['diagnosis'])}", ""])
    if not report.findings:
        lines.extend([md_text(words["none_found"]), ""])
    for number, finding in enumerate(report.findings, 1):
        lines.extend(_md_finding(number, finding, words, labels))
    lines.extend(f"- {md_text(words['errors'])}: {md_text(e)}" for e in report.errors)
    return "\n".join(lines).rstrip("\n") + "\n"


def _md_finding(number: int, finding: Finding, words: Mapping[str, str], labels: Mapping[str, str]) -> list[str]:
    severity = labels.get(finding.severity.value, finding.severity.value).upper()
    lines = [f"#### {number}. {md_text(severity)}: {md_text(finding.title, 300)}", "",
             f"{md_span(finding.id)} · {md_text(finding.subject, 300)}", "", md_text(finding.detail), ""]
    if finding.evidence:
        lines.extend([f"{md_text(words['evidence'])}:", "", *md_code(finding.evidence[:6]), ""])
    if finding.fix is not None:
        lines.extend([f"**{md_text(words['fix'])}:** {md_text(finding.fix.summary)}", ""])
        if finding.fix.records:
            lines.extend([f"{md_text(words['publish'])}:", "",
                          *md_code([zone_line(r) for r in finding.fix.records], "dns"), ""])
        if finding.fix.remove:
            lines.extend([f"{md_text(words['remove'])}:", "",
                          *md_code([zone_line(r) for r in finding.fix.remove], "dns"), ""])
    return lines
