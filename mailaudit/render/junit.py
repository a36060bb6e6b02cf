"""JUnit XML for CI (GitLab, Jenkins): one testsuite per domain, one testcase per check.

Each finding at or above ``fail_on`` becomes a ``<failure>`` of its check's testcase; findings
below it are listed in the testcase's ``<system-out>``. A check that could not complete is an
``<error>``, a skipped check ``<skipped>``. Built with xml.etree (every text and attribute is
escaped by the serializer); DNS data first has control characters made visible and anything
XML 1.0 cannot carry removed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from mailaudit.model import CheckResult, DomainReport, Finding, Severity, Status
from mailaudit.render import RenderOptions
from mailaudit.render.grade import grade
from mailaudit.render.records import zone_line
from mailaudit.text import escape_text, fix_parts

_LIMIT = 4000  # characters of one piece of DNS data shown in CI logs


def xml_text(text: str, limit: int | None = _LIMIT) -> str:
    """Control characters visible (``\\x1b``), and no character XML 1.0 forbids."""
    return "".join(ch for ch in escape_text(text, limit) if _allowed(ord(ch)))


def _allowed(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def render(reports: Sequence[DomainReport], options: RenderOptions) -> str:
    root = ET.Element("testsuites", name="mailaudit")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for report in reports:
        suite = _suite(report, options.fail_on)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(report: DomainReport, fail_on: Severity | None) -> ET.Element:
    domain = xml_text(report.domain, 300)
    suite = ET.Element("testsuite", name=domain)
    mark = grade(report)
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="grade", value=mark.letter)
    ET.SubElement(props, "property", name="score", value=str(mark.score))
    ET.SubElement(props, "property", name="fail_on", value=fail_on.value if fail_on else "never")
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for check in report.checks:
        case = _case(domain, check, fail_on)
        suite.append(case)
        counts["tests"] += 1
        counts["failures"] += len(case.findall("failure"))
        counts["errors"] += len(case.findall("error"))
        counts["skipped"] += len(case.findall("skipped"))
    for key, value in counts.items():
        suite.set(key, str(value))
    return suite


def _case(domain: str, check: CheckResult, fail_on: Severity | None) -> ET.Element:
    # Jenkins splits classname at the last dot into package and class: mailaudit > example_com > spf
    case = ET.Element("testcase", classname=f"mailaudit.{domain.replace('.', '_')}", name=xml_text(check.id, 100))
    failing = [f for f in check.findings if fail_on is not None and f.severity.at_least(fail_on)]
    for finding in failing:
        failure = ET.SubElement(case, "failure", type=xml_text(finding.id, 100), message=_message(finding))
        failure.text = _body(finding)
    if check.status is Status.ERROR:
        error = ET.SubElement(case, "error", type="lookup", message=xml_text(check.error or "could not complete"))
        error.text = xml_text(check.error or "could not complete")
    elif check.status is Status.SKIPPED and not failing:
        ET.SubElement(case, "skipped", message=xml_text(check.error or "skipped"))
    below = [f for f in check.findings if f not in failing]
    if below:
        out = ET.SubElement(case, "system-out")
        out.text = "\n\n".join(_body(f) for f in below)
    return case


def _message(finding: Finding) -> str:
    return xml_text(f"[{finding.severity.value}] {finding.id}: {finding.title} ({finding.subject})", 500)


def _body(finding: Finding) -> str:
    lines = [f"[{finding.severity.value}] {finding.id} about {finding.subject}", finding.title, finding.detail]
    lines.extend(f"evidence: {e}" for e in finding.evidence)
    if finding.fix is not None:
        text, block = fix_parts(finding.fix.summary)
        lines.append(f"fix: {text}")
        lines.extend(f"  | {line}" for line in block)
        lines.extend(f"  publish: {zone_line(r)}" for r in finding.fix.records)
        lines.extend(f"  remove:  {zone_line(r)}" for r in finding.fix.remove)
    return "\n".join(xml_text(line) for line in lines)
