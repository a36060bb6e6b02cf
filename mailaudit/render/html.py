"""The HTML report for clients: one self-contained file (inline CSS, no scripts, no external
assets), an index of domains, and per domain a grade, a checklist and every finding with its
evidence and fix records.

Built only from Jinja2 templates with autoescaping on. DNS data is hostile, so every piece of it
also passes ``escape_text`` (control characters and bidi overrides made visible) and is clipped
before the template escapes it. A Content-Security-Policy forbidding all scripts is a second
line of defence, not the first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import jinja2

from mailaudit.catalogue import Catalogue
from mailaudit.fixplan.plan import Step, plan
from mailaudit.model import CheckResult, DomainReport, Finding, Severity
from mailaudit.render import RenderOptions
from mailaudit.render.grade import SEVERITIES, grade, sorted_findings
from mailaudit.render.paste import pasteable
from mailaudit.render.ui import check_label, plural, ui
from mailaudit.text import escape_text, fix_parts

_TEXT_LIMIT = 2000
_EVIDENCE_SHOWN = 12
_CODE_SPAN = re.compile(r"`([^`]+)`")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("mailaudit.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["show"] = show
    env.filters["prose"] = prose
    return env


def show(value: object, limit: int = _TEXT_LIMIT) -> str:
    """DNS data as visible, clipped plain text (the template escapes it for HTML)."""
    return escape_text(str(value), limit)


def prose(value: object) -> list[tuple[bool, str]]:
    """Text split into (is_code, part): `backticked` parts become <code> in the template."""
    text = show(value)
    parts: list[tuple[bool, str]] = []
    last = 0
    for match in _CODE_SPAN.finditer(text):
        parts.append((False, text[last : match.start()]))
        parts.append((True, match.group(1)))
        last = match.end()
    parts.append((False, text[last:]))
    return [p for p in parts if p[1]]


def render(reports: Sequence[DomainReport], options: RenderOptions) -> str:
    catalogue = Catalogue.load(options.lang)
    words = ui(options.lang)
    domains = [_domain_view(i, report, catalogue, words) for i, report in enumerate(reports, 1)]
    fail_on = words["fail_on"].format(level=words[options.fail_on.value]) if options.fail_on else ""
    template = environment().get_template("report.html.j2")
    return template.render(lang=options.lang, t=words, domains=domains, fail_on=fail_on,
                           severities=[s.value for s in SEVERITIES], about=_about(options, words))


def _about(options: RenderOptions, words: Mapping[str, str]) -> dict[str, str]:
    """The report's own facts for its header: who prepared it, when, from which data."""
    logo = options.logo if options.logo.startswith("data:image/") else ""
    return {"brand": options.brand, "logo": logo, "when": options.generated_at, "source": options.source,
            "version": options.version}


def summary_line(report: DomainReport, words: Mapping[str, str]) -> str:
    """One plain-language sentence before the details: how much needs doing now, and later."""
    now = sum(1 for f in report.findings if f.severity.at_least(Severity.HIGH))
    later = sum(1 for f in report.findings if f.severity in (Severity.MEDIUM, Severity.LOW))
    if not now and not later:
        return words["sum_clean"]
    parts = [plural(words, "sum_now", now)] if now else []
    parts += [plural(words, "sum_later", later)] if later else []
    return words["sum_join"].join(parts) + "."


def _domain_view(index: int, report: DomainReport, catalogue: Catalogue, words: Mapping[str, str]) -> dict[str, Any]:
    mark = grade(report)
    steps = plan(report, catalogue.lang).steps
    findings = sorted_findings(report)
    return {
        "anchor": f"domain-{index}",
        "name": report.domain,
        "input": report.input if report.input and report.input != report.domain else "",
        "notes": list(report.notes),
        "grade": mark.letter,
        "score": mark.score,
        "complete": mark.complete,
        "counts": {s.value: mark.count(s) for s in SEVERITIES},
        "worst": findings[0].severity.value if findings else "none",
        "checks": [_check_view(c, words) for c in report.checks],
        "findings": [_finding_view(f"{index}-{n}", f, catalogue) for n, f in enumerate(findings, 1)],
        "plan": [_step_view(s) for s in steps],
        "summary": summary_line(report, words),
        "first": steps[0].title if steps else "",
    }


def _step_view(step: Step) -> dict[str, Any]:
    return {
        "number": step.number,
        "title": step.title,
        "later": step.later,
        "publish": [pasteable(r) for r in step.publish],
        "remove": [pasteable(r) for r in step.remove],
        "actions": [dict(zip(("text", "file"), fix_parts(a), strict=True)) for a in step.actions],
        "findings": [fid for fid, _ in step.findings],
        "wait": step.wait,
    }


def _check_view(check: CheckResult, words: Mapping[str, str]) -> dict[str, Any]:
    worst = max((f.severity for f in check.findings), key=lambda s: s.rank, default=None)
    note = check.error or ""
    if not note and check.findings:
        note = plural(words, "counts", len(check.findings))
    note = "; ".join([note, *check.notes]) if note else "; ".join(check.notes)
    return {
        "id": check.id,
        "label": check_label(words, check.id),
        "status": check.status.value,
        "status_text": words.get(check.status.value, check.status.value),
        "note": note,
        "worst": worst.value if worst else "",
    }


def _finding_view(anchor: str, finding: Finding, catalogue: Catalogue) -> dict[str, Any]:
    spec = catalogue.specs.get(finding.id)
    fix = finding.fix
    return {
        "anchor": f"finding-{anchor}",
        "id": finding.id,
        "severity": finding.severity.value,
        "open": finding.severity.at_least(Severity.MEDIUM),
        "subject": finding.subject,
        "title": finding.title,
        "detail": finding.detail,
        "evidence": list(finding.evidence[:_EVIDENCE_SHOWN]),
        "more_evidence": max(0, len(finding.evidence) - _EVIDENCE_SHOWN),
        "risk": spec.risk if spec else "",
        "description": spec.description if spec else "",
        "references": list(spec.references) if spec else [],
        "fix": fix_parts(fix.summary)[0] if fix else "",
        "fix_file": fix_parts(fix.summary)[1] if fix else [],
        "publish": [pasteable(r) for r in fix.records] if fix else [],
        "remove": [pasteable(r) for r in fix.remove] if fix else [],
    }
