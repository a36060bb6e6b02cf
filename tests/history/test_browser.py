"""The portfolio page and the history timeline in headless Chromium: hostile stored data stays
inert after load, and a realistic portfolio is screenshotted for a person to look at.

Skipped when Chromium is not installed (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import os
import pathlib
import re

import pytest

from mailaudit.history import DmarcSummary, DueRules, domain_state, open_db, timeline
from mailaudit.history.convert import stored_report
from mailaudit.render.grade import grade
from mailaudit.render.history import Words
from mailaudit.render.history_html import render_portfolio, render_timeline

from ..reportdata import ESCAPES, IMG, SCRIPT, SVG, hostile_report
from ..test_browser import CHROMIUM, assert_nothing_ran, chromium, dom_after_load, png_size
from .helpers import AFTER, BEFORE, REGRESSED, day, meta, report

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)"),
]


def hostile_states(tmp_path):
    audited = hostile_report()
    mark = grade(audited)
    weird = report([], grade="A", score=100, domain=f"{SCRIPT}{IMG}{SVG}{ESCAPES}.example")
    with open_db(tmp_path / "h.db") as db:
        db.record_run(meta(0), [stored_report(audited, mark.letter, mark.score), weird])
        db.record_run(meta(1, "zone"), [weird])
        db.record_report_data([DmarcSummary(weird.domain, day(0), day(9), 2, 40, detail=SCRIPT)])
        histories = {name: timeline(db.runs_of(name)) for name in db.domains()}
        periods = {name: db.dmarc_of(name) for name in histories}
    return histories, [domain_state(h, periods[n], day(3)) for n, h in histories.items()]


def test_a_hostile_portfolio_is_inert_in_chromium(tmp_path):
    _, states = hostile_states(tmp_path)
    page = render_portfolio(states, day(3), DueRules(), Words("en"))
    assert_nothing_ran(dom_after_load(tmp_path, page, "portfolio.html"), "E-mail security portfolio")
    without_csp, removed = re.subn(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    assert removed == 1  # escaping alone keeps it inert; the CSP is a second line
    dom = dom_after_load(tmp_path, without_csp, "portfolio-no-csp.html")
    assert_nothing_ran(dom, "E-mail security portfolio")
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom.lower()  # shown as text (domains lowercased)
    assert "\\x1b[31mred" in dom


def test_a_hostile_timeline_is_inert_in_chromium(tmp_path):
    histories, states = hostile_states(tmp_path)
    for (name, changes), state in zip(histories.items(), states, strict=True):
        page = render_timeline(name, changes, state, day(3), Words("id"))
        page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
        dom = dom_after_load(tmp_path, page, "timeline.html")
        title = re.search(r"<title>(.*?)</title>", page, re.S)
        assert title is not None and "<script" not in title.group(1)
        assert "<pwned" not in dom and "PWNED" not in (re.search(r"<title>(.*?)</title>", dom, re.S) or [""])[0]


def test_screenshot_of_a_portfolio(tmp_path):
    out = pathlib.Path(os.environ.get("MAILAUDIT_ARTIFACTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    clean = report([], grade="A", score=100, policy="reject", domain="batikmurni.example")
    quarantine = report(BEFORE.findings[2:], grade="B", score=92, policy="quarantine", domain="relaycloud.example")
    blind = report(AFTER.findings, grade="B", score=92, errors=("dkim",), domain="idc-hosting.example")
    with open_db(tmp_path / "h.db") as db:
        for n, rep in enumerate([BEFORE, AFTER, REGRESSED]):
            db.record_run(meta(7 * n), [rep])
        db.record_run(meta(1), [clean, quarantine, blind])
        db.record_run(meta(20), [clean])
        db.record_run(meta(21), [quarantine])
        db.record_report_data([DmarcSummary("relaycloud.example", day(0), day(16), 30, 9000, ready=True,
                                            next_policy="reject", aligned_share=0.995)])
        states = [domain_state(timeline(db.runs_of(n)), db.dmarc_of(n), day(22)) for n in db.domains()]
    page = out / "portfolio.html"
    page.write_text(render_portfolio(states, day(22), DueRules(), Words("en")), encoding="utf-8")
    shot = out / "portfolio.png"
    chromium(tmp_path, page, f"--screenshot={shot}", "--window-size=1400,1000", "--hide-scrollbars")
    assert png_size(shot) == (1400, 1000) and shot.stat().st_size > 40_000
    print(f"screenshot: {shot}")


def test_the_portfolio_prints_to_pdf(tmp_path):
    _, states = hostile_states(tmp_path)
    page = tmp_path / "print.html"
    page.write_text(render_portfolio(states, day(3), DueRules(), Words("id")), encoding="utf-8")
    pdf = tmp_path / "portfolio.pdf"
    chromium(tmp_path, page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") + data.count(b"/Type/Page") >= 1
