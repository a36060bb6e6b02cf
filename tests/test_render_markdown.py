"""Markdown for tickets: readable, and no DNS data can become a link, an image, HTML or a table break."""

from __future__ import annotations

import re

from mailaudit.model import Severity
from mailaudit.render import RenderOptions, render
from mailaudit.render.markdown import md_code, md_text

from .reportdata import clean_report, failing_report, hostile_report


def md(reports, lang="en", fail_on=Severity.HIGH):
    return render("markdown", reports, RenderOptions(fail_on, lang))


def test_structure_of_a_failing_report():
    text = md([failing_report(), clean_report()])
    assert text.startswith("# E-mail security report\n")
    assert "## failing.example" in text and "## clean.example" in text  # no needless backslashes
    assert "| failing.example | F? | 10 | 1 | 2 | 1 | 1 | 1 |" in text  # index: grade, score, counts
    assert "#### 1. CRITICAL: title +all" in text  # worst first
    assert '```dns\nfailing.example. 3600 IN TXT "v=spf1 mx -all"\n```' in text  # pasteable record
    assert "No findings: nothing to fix." in text


def test_indonesian_labels():
    text = md([failing_report()], lang="id")
    assert text.startswith("# Laporan keamanan e-mail")
    assert "KRITIS" in text and "Nilai **F**" in text and "galat" in text


def test_inline_text_has_no_markup_left():
    assert md_text("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert md_text("[a](javascript:x)") == "\\[a\\](javascript:x)"  # no link without the brackets
    assert md_text("batikmurni.example https://check.spamhaus.org/") == "batikmurni.example https://check.spamhaus.org/"
    assert md_text("_dmarc.example") == "_dmarc.example" and md_text("a_ b") == "a\\_ b"
    assert md_text("# not a heading") == "\\# not a heading" and md_text("1. not a list") == "1\\. not a list"
    assert md_text("a|b") == "a\\|b"
    assert md_text("\x1b[31m\nline") == "\\\\x1b\\[31m\\\\x0aline"


def test_code_fence_cannot_be_closed_by_content():
    block = md_code(["a ``` b", "````"])
    assert block[0] == "`````text" and block[-1] == "`````"


def test_hostile_report_is_inert():
    text = md([hostile_report()], fail_on=Severity.INFO)
    assert "\x1b" not in text and "\x00" not in text and "\u202e" not in text and "\u2028" not in text
    outside_code = re.sub(r"(?ms)^( *)(`{3,})[a-z]*\n.*?^\1\2$", "", text)
    for bad in ("<script", "<img", "<svg", "<!--"):
        assert bad not in outside_code, bad
    for bad in (r"(?<!\\)\]\(", r"!(?<!\\)\[", r"(?<!\\)\[[^\]]*(?<!\\)\]\("):  # a link or an image
        assert not re.search(bad, outside_code), bad
    # every table row keeps its column count: no cell content adds a '|'
    for line in outside_code.splitlines():
        if line.startswith("| "):
            assert len(re.findall(r"(?<!\\)\|", line)) in (4, 9), line
    assert len(text) < 200_000  # evidence clipped; the 64 KB fix record is shown whole twice (plan, finding)
