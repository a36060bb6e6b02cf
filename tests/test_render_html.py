"""HTML report: self-contained, autoescaped, every piece of DNS data inert; en and id."""

from __future__ import annotations

import html.parser
import re

from mailaudit import AuditOptions, audit
from mailaudit.model import Severity
from mailaudit.render import RenderOptions, render

from .conftest import resolver_for
from .reportdata import IMG, SCRIPT, clean_report, failing_report, hostile_report


class Elements(html.parser.HTMLParser):
    """Collects every start tag with its attributes, and the text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(text: str) -> Elements:
    parser = Elements()
    parser.feed(text)
    parser.close()
    return parser


def page(reports, lang="en", fail_on=Severity.HIGH) -> str:
    return render("html", reports, RenderOptions(fail_on, lang))


def assert_inert(text: str) -> None:
    found = parse(text)
    names = {tag for tag, _ in found.tags}
    assert not names & {"script", "img", "svg", "iframe", "object", "embed", "link", "base", "form", "x"}
    for tag, attrs in found.tags:
        assert not any(a.startswith("on") for a in attrs), (tag, attrs)
        for name in ("href", "src", "action"):
            value = attrs.get(name)
            assert value is None or value.startswith("#"), (tag, attrs)  # only in-page links
    assert "\x1b" not in text and "\x00" not in text and "\u202e" not in text and "\x07" not in text


def test_self_contained_with_index_grade_and_checklist():
    text = page([failing_report(), clean_report()])
    assert_inert(text)
    found = parse(text)
    assert ("a", {"href": "#domain-1"}) in found.tags and ("a", {"href": "#domain-2"}) in found.tags
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    assert 'class="grade grade-F"' in text and 'class="grade grade-A"' in text
    assert text.count('class="check status-') == 10
    for status in ("warn", "fail", "error", "skipped", "pass"):
        assert f"status-pill status-{status}" in text
    assert 'failing.example. 3600 IN TXT &#34;v=spf1 mx -all&#34;' in text  # fix record, pasteable
    assert "No findings: nothing to fix." in text
    assert '<ol class="plan">' in text and "Make the SPF record valid" in text  # the fix plan, in order
    assert not re.search(r"https?://", "".join(re.findall(r"<(?:link|img|script)[^>]*>", text)))


def test_hostile_report_is_inert_text():
    text = page([hostile_report()], fail_on=Severity.INFO)
    assert_inert(text)
    shown = "".join(parse(text).text)
    assert SCRIPT in shown and IMG in shown  # the payload is there, as text
    assert "\\x1b[31mred" in shown and "\\u202e" in shown  # escapes made visible
    assert len(text) < 400_000


def test_indonesian_report():
    text = page([failing_report()], lang="id")
    assert '<html lang="id">' in text
    assert "Laporan keamanan e-mail" in text and "Kritis" in text and "galat" in text


def test_hostile_zone_through_dns_is_inert(dns_server):
    server = dns_server("render")
    report = audit("hostile.render.test", resolver=resolver_for(server), options=AuditOptions(dnsbl=False))
    assert len(report.check("mx").findings) == 3
    text = page([report])
    assert_inert(text)
    assert "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;" in text
