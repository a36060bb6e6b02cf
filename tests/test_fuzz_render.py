"""Property tests: a report with arbitrary text in every string field renders safely in every format.

table/markdown/plan text: no raw control character, escape sequence or bidi override; junit: always
well-formed XML; html: no ``<`` that came from data and no raw control character; json: ASCII and a
faithful round trip.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailaudit.fixplan.plan import plan
from mailaudit.model import CheckResult, DnsRecord, DomainReport, Finding, Fix, Severity, Status
from mailaudit.render import RenderOptions, render
from mailaudit.render.jsonout import VERSION, load_reports, report_dict
from mailaudit.render.paste import pasteable
from mailaudit.render.plan import plan_json, plan_text, plan_zone
from mailaudit.render.table import render_table


def fuzz(examples: int) -> settings:
    """``examples`` per run (FUZZ_EXAMPLES=n overrides, for a longer hunt); kept small for 2 cores."""
    return settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", examples)), deadline=3000,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


FUZZ = fuzz(100)

# -- a report as plain data, built with a text transform (for the html '<' comparison) ----------

HOSTILE = ["<script>alert(1)</script>", "<zq", "\x1b[31m", "\x1b]8;;http://evil\x07", "\u202e", "\u2066",
           "\x00", "\x7f", "\x85", "\x9b", "\r\n", "\u2028", "\ufeff", "`", "```", "|", "[x](javascript:y)",
           "]]>", "&amp;", '"', "'", "\\", "%", "{domain}", "\ud800", "\U0010ffff", "\ufffe", "\uffff"]
FINDING_IDS = ["spf.all.softfail", "spf.all.pass", "spf.missing", "dmarc.missing", "dmarc.policy.none",
               "mx.missing", "mx.host.ptr", "dkim.not_found", "dnsbl.ip.listed", "ip.ptr"]
CHECK_IDS = ["mx", "spf", "dmarc", "dkim", "dnsbl"]
TYPES = ["TXT", "MX", "CNAME", "A", "txt"]
VALUES = ["v=spf1 -all", "v=spf1 ~all", "v=DMARC1; p=none", "v=DMARC1; p=reject; rua=mailto:a@b.c",
          "v=DKIM1; p=", "0 .", "10 mail.example.com."]

text = st.lists(st.sampled_from(HOSTILE) | st.text(max_size=12), max_size=6).map("".join) | st.text(max_size=40)
name = st.sampled_from(["example.com.", "_dmarc.example.com.", "Example.COM"]) | text
label = st.sampled_from(FINDING_IDS) | text


def record() -> st.SearchStrategy[dict[str, str]]:
    value = st.sampled_from(VALUES) | text | st.tuples(st.sampled_from(VALUES), text).map(" ".join)
    return st.fixed_dictionaries({"name": name, "type": st.sampled_from(TYPES) | text, "value": value})


def finding() -> st.SearchStrategy[dict[str, Any]]:
    fix = st.none() | st.fixed_dictionaries({"summary": text, "records": st.lists(record(), max_size=3),
                                             "remove": st.lists(record(), max_size=2)})
    return st.fixed_dictionaries({
        "id": label, "subject": text, "severity": st.sampled_from(list(Severity)), "title": text,
        "detail": text, "evidence": st.lists(text, max_size=4), "fix": fix,
        "variant": st.sampled_from(["default", "nomail", "dmarc_enforced"]) | text,
        "params": st.lists(st.tuples(text, text), max_size=2),
    })


def check() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({
        "id": st.sampled_from(CHECK_IDS) | text, "status": st.sampled_from(list(Status)),
        "findings": st.lists(finding(), max_size=3), "error": st.none() | text,
        "data": st.lists(st.tuples(st.sampled_from(["record", "found_at"]) | text, text), max_size=2),
        "notes": st.lists(text, max_size=2),
    })


reports = st.fixed_dictionaries({
    "domain": st.sampled_from(["example.com"]) | text, "checks": st.lists(check(), max_size=4),
    "input": text, "notes": st.lists(text, max_size=2),
})

Tr = Callable[[str], str]


def build(spec: dict[str, Any], tr: Tr = str) -> DomainReport:
    return DomainReport(tr(spec["domain"]), tuple(_check(c, tr) for c in spec["checks"]), tr(spec["input"]),
                        tuple(tr(n) for n in spec["notes"]))


def _check(spec: dict[str, Any], tr: Tr) -> CheckResult:
    error = None if spec["error"] is None else tr(spec["error"])
    return CheckResult(tr(spec["id"]), spec["status"], tuple(_finding(f, tr) for f in spec["findings"]), error,
                       tuple((tr(k), tr(v)) for k, v in spec["data"]), tuple(tr(n) for n in spec["notes"]))


def _finding(spec: dict[str, Any], tr: Tr) -> Finding:
    fix = spec["fix"]
    made = None if fix is None else Fix(tr(fix["summary"]), tuple(_record(r, tr) for r in fix["records"]),
                                        tuple(_record(r, tr) for r in fix["remove"]))
    return Finding(tr(spec["id"]), tr(spec["subject"]), spec["severity"], tr(spec["title"]), tr(spec["detail"]),
                   tuple(tr(e) for e in spec["evidence"]), made, tr(spec["variant"]),
                   tuple((tr(k), tr(v)) for k, v in spec["params"]))


def _record(spec: dict[str, str], tr: Tr) -> DnsRecord:
    return DnsRecord(tr(spec["name"]), tr(spec["type"]), tr(spec["value"]))


# -- what "safe" means -------------------------------------------------------------------------


def unsafe(out: str) -> list[str]:
    """Characters that must never reach a terminal or page raw: controls but newline, bidi and
    other invisible format characters, surrogates, line/paragraph separators, unassigned."""
    return sorted({
        repr(ch) for ch in out
        if (ord(ch) < 0x20 and ch != "\n") or 0x7F <= ord(ch) < 0xA0
        or unicodedata.category(ch) in ("Cf", "Cs", "Co", "Zl", "Zp", "Cn")
    })


options = st.builds(RenderOptions, st.sampled_from([*Severity, None]), st.sampled_from(["en", "id"]))

# -- the properties ----------------------------------------------------------------------------


@fuzz(30)
@given(st.lists(reports, min_size=1, max_size=2))
def test_table_has_no_raw_control_characters(specs: list[dict[str, Any]]) -> None:
    assert unsafe(render_table([build(s) for s in specs])) == []


@FUZZ
@given(st.lists(reports, min_size=1, max_size=2).map(lambda specs: [_known_ids(s) for s in specs]))
def test_table_data_fields_have_no_raw_control_characters(specs: list[dict[str, Any]]) -> None:
    """The same with ids the code chooses (only DNS data and texts are hostile)."""
    assert unsafe(render_table([build(s) for s in specs])) == []


def _known_ids(spec: dict[str, Any]) -> dict[str, Any]:
    checks = [{**c, "id": CHECK_IDS[i % 5], "findings": [{**f, "id": FINDING_IDS[j % 10]}
                                                          for j, f in enumerate(c["findings"])]}
              for i, c in enumerate(spec["checks"])]
    return {**spec, "checks": checks}


@FUZZ
@given(st.lists(reports, min_size=1, max_size=2), options)
def test_markdown_has_no_raw_control_characters(specs: list[dict[str, Any]], opts: RenderOptions) -> None:
    out = render("markdown", [build(s) for s in specs], opts)
    assert unsafe(out) == []


@FUZZ
@given(st.lists(reports, min_size=1, max_size=2), options)
def test_junit_is_always_well_formed(specs: list[dict[str, Any]], opts: RenderOptions) -> None:
    out = render("junit", [build(s) for s in specs], opts)
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag == "testsuites"
    assert len(root.findall("testsuite")) == len(specs)
    assert unsafe(out) == []


_TAG = re.compile(r"<")


@fuzz(40)
@given(st.lists(reports, min_size=1, max_size=2), options)
def test_html_has_no_tag_from_data(specs: list[dict[str, Any]], opts: RenderOptions) -> None:
    out = render("html", [build(s) for s in specs], opts)
    inert = render("html", [build(s, lambda t: t.replace("<", "x")) for s in specs], opts)
    assert len(_TAG.findall(out)) == len(_TAG.findall(inert)), "a '<' from data reached the page"
    assert "<zq" not in out and "<script" not in out
    assert unsafe(out) == []


@FUZZ
@given(st.lists(reports, min_size=1, max_size=3))
def test_json_round_trips(specs: list[dict[str, Any]]) -> None:
    built = [build(s) for s in specs]
    out = render("json", built)
    assert out.isascii()
    expected = json.loads(json.dumps([report_dict(r) for r in built]))
    assert json.loads(out) == {"version": VERSION, "reports": expected}
    assert load_reports(out) == expected
    lines = render("jsonl", built)
    assert lines.isascii() and load_reports(lines) == expected


@FUZZ
@given(reports, st.sampled_from(["en", "id"]))
def test_fix_plan_renders_safely(spec: dict[str, Any], lang: str) -> None:
    steps = plan(build(spec), lang)
    assert unsafe(plan_text(steps)) == []
    zone = plan_zone(steps)
    assert unsafe(zone) == []
    published = {pasteable(r) for s in steps.steps if not s.later for r in s.publish}
    for line in zone.splitlines():
        assert not line or line.startswith(";") or line in published, f"data started a zone line: {line!r}"
    out = plan_json(steps)
    assert out.isascii()
    assert json.loads(out)["domain"] == steps.domain


# -- regressions found by the properties above -------------------------------------------------


def test_undecodable_text_in_a_txt_value_renders_everywhere() -> None:
    """A lone surrogate (argv or file bytes decoded with surrogateescape) crashed every format."""
    rec = DnsRecord("example.com.", "TXT", "v=spf1 \udcff -all")
    report = DomainReport("example.com", (CheckResult("spf", Status.FAIL, (
        Finding("spf.all.pass", "example.com", Severity.HIGH, "t", "d", fix=Fix("s", (rec,))),)),))
    for fmt in ("table", "markdown", "junit", "html", "json"):
        assert "\udcff" not in render(fmt, [report])
    assert '"v=spf1 ? -all"' in plan_zone(plan(report))


def test_ids_are_escaped_in_markdown_and_html() -> None:
    report = DomainReport("example.com", (CheckResult("x\x1b[2J<b>", Status.FAIL, (
        Finding("a`b\x1b]8;;x\x07<i>", "s", Severity.HIGH, "t", "d", fix=Fix("s")),)),))
    markdown = render("markdown", [report])
    assert unsafe(markdown) == [] and "``a`b\\x1b]8;;x\\x07<i>``" in markdown
    page = render("html", [report])
    assert unsafe(page) == [] and "<i>" not in page and "<b>" not in page
