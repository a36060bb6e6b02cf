"""JUnit XML: parses with standard parsers, one failure per finding at or above --fail-on."""

from __future__ import annotations

import xml.dom.minidom
import xml.etree.ElementTree as ET

from click.testing import CliRunner

from mailaudit.cli import main_group
from mailaudit.model import Severity
from mailaudit.render import RenderOptions, render

from .reportdata import ESCAPES, SCRIPT, clean_report, failing_report, hostile_report


def junit(reports, fail_on=Severity.HIGH):
    text = render("junit", reports, RenderOptions(fail_on))
    return text, ET.fromstring(text.encode("utf-8"))


def test_failing_domain_counts_one_failure_per_finding_at_or_above_threshold():
    for fail_on, expected in [(Severity.CRITICAL, 1), (Severity.HIGH, 3), (Severity.MEDIUM, 4),
                              (Severity.LOW, 5), (Severity.INFO, 6), (None, 0)]:
        text, root = junit([failing_report()], fail_on)
        [suite] = root.findall("testsuite")
        assert len(suite.findall("testcase")) == 5  # one per check
        assert len(root.findall(".//failure")) == expected, fail_on
        assert suite.get("failures") == str(expected) == root.get("failures")
        assert suite.get("errors") == "1" and suite.get("skipped") == "1" and suite.get("tests") == "5"
        # the same file through the DOM parser
        dom = xml.dom.minidom.parseString(text.encode("utf-8"))
        assert len(dom.getElementsByTagName("failure")) == expected


def test_cases_name_checks_and_failures_name_findings():
    _, root = junit([failing_report(), clean_report()])
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["failing.example", "clean.example"]
    spf = suites[0].find("testcase[@name='spf']")
    assert spf is not None and spf.get("classname") == "mailaudit.failing_example"
    assert sorted(f.get("type") for f in spf.findall("failure")) == ["spf.all.pass", "spf.lookups.exceeded"]
    failure = spf.find("failure[@type='spf.all.pass']")
    assert "failing.example. 3600 IN TXT \"v=spf1 mx -all\"" in failure.text
    assert failure.get("message").startswith("[critical] spf.all.pass")
    dnsbl = suites[0].find("testcase[@name='dnsbl']")
    assert dnsbl.find("error").get("message") == "zen.example: timeout"
    assert "dnsbl.query.refused" in dnsbl.find("system-out").text  # below the threshold: logged only
    assert suites[1].get("failures") == "0" and not suites[1].findall(".//failure")


def test_hostile_data_is_inert_and_legal_xml():
    text, root = junit([hostile_report()], Severity.INFO)
    assert "\x1b" not in text and "\x00" not in text and "\x07" not in text
    assert "<script>" not in text and "<img" not in text  # only as &lt;script&gt; text
    assert "\\x1b[31m" in text  # escape sequences are visible, not active
    assert not root.findall(".//script") and not root.findall(".//img")
    mx = root.find(".//testcase[@name='mx']/failure")
    assert SCRIPT in mx.get("message")  # round-trips as text
    error = root.find(".//testcase[@name='dmarc']/error")
    assert ESCAPES not in error.get("message") and "\\x1b" in error.get("message")
    assert len(text) < 200_000  # the 64 KB TXT is clipped


def test_junit_from_dns_via_cli(dns_server):
    server = dns_server("render")
    result = CliRunner().invoke(main_group, [
        "check", "failing.render.test", "hostile.render.test", "--format", "junit", "--no-dnsbl",
        "--nameserver", server.address, "--timeout", "0.5"], standalone_mode=False)
    assert result.return_value == 1, result.output
    root = ET.fromstring(result.output.encode("utf-8"))
    failing = root.find("testsuite[@name='failing.render.test']")
    mx_failures = failing.findall("testcase[@name='mx']/failure")
    assert [f.get("type") for f in mx_failures] == ["mx.host.unresolvable"]
    hostile = root.find("testsuite[@name='hostile.render.test']")
    assert len(hostile.findall("testcase[@name='mx']/failure")) == 3
    assert "<script>" not in result.output and "\x1b" not in result.output
