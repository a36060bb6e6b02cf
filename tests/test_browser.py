"""The HTML report in a real browser (headless Chromium): hostile DNS data stays inert after the
page has loaded, and the shipped example is screenshotted for a person to look at.

Skipped when Chromium is not installed (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import html as htmllib
import html.parser
import os
import pathlib
import re
import shutil
import struct
import subprocess
import sys

import pytest

from mailaudit import AuditOptions, audit
from mailaudit.model import Severity
from mailaudit.render import RenderOptions, render

from .conftest import resolver_for
from .reportdata import IMG, SCRIPT, SVG, hostile_report

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)"),
]


def chromium(tmp_path: pathlib.Path, page: pathlib.Path, *args: str) -> str:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"  # fresh every run
    assert CHROMIUM is not None
    done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
                          capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def dom_after_load(tmp_path: pathlib.Path, text: str, name: str) -> str:
    page = tmp_path / name
    page.write_text(text, encoding="utf-8")
    return chromium(tmp_path, page, "--virtual-time-budget=3000", "--dump-dom")


def assert_nothing_ran(dom: str, title: str) -> None:
    shown = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert shown is not None and htmllib.unescape(shown.group(1)) == title  # no payload set the title
    assert "PWNED" not in htmllib.unescape(shown.group(1))
    assert "<pwned" not in dom  # no handler added an element
    tags = Tags()
    tags.feed(dom)
    names = {name for name, _ in tags.found}
    assert not names & {"script", "img", "svg", "iframe", "object", "embed", "pwned"}  # nothing from DNS data
    assert not [(n, a) for n, attrs in tags.found for a in attrs if a.startswith("on")]  # no event handler


class Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def test_positive_control_the_payloads_do_run_when_not_escaped(tmp_path):
    """Proves the detection works: the same payloads pasted raw into a page change the DOM."""
    raw = f"<!DOCTYPE html><html><head><title>control</title></head><body>{SCRIPT}{IMG}{SVG}</body></html>"
    dom = dom_after_load(tmp_path, raw, "control.html")
    assert "<title>PWNED" in dom or "<title>PWNED-SVG" in dom
    assert "<pwned></pwned>" in dom


def test_hostile_report_is_inert_in_chromium(tmp_path, dns_server):
    server = dns_server("render")
    from_dns = audit("hostile.render.test", resolver=resolver_for(server), options=AuditOptions(dnsbl=False))
    assert len(from_dns.check("mx").findings) == 3
    text = render("html", [from_dns, hostile_report()], RenderOptions(Severity.INFO))
    dom = dom_after_load(tmp_path, text, "hostile.html")
    assert_nothing_ran(dom, "E-mail security report")
    assert "&lt;script&gt;document.title='PWNED'&lt;/script&gt;" in dom  # shown as text
    assert "\\x1b[31mred" in dom  # escape sequences visible, not interpreted


def test_escaping_alone_keeps_hostile_data_inert(tmp_path):
    """The Content-Security-Policy is a second line: without it, nothing may run either."""
    text = render("html", [hostile_report()], RenderOptions(Severity.INFO))
    without_csp, removed = re.subn(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    assert removed == 1
    dom = dom_after_load(tmp_path, without_csp, "no-csp.html")
    assert_nothing_ran(dom, "E-mail security report: hostile.example")


def png_size(path: pathlib.Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_screenshot_of_the_shipped_example(tmp_path):
    out = pathlib.Path(os.environ.get("MAILAUDIT_ARTIFACTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "mailaudit", "batch", str(ROOT / "examples" / "domains.txt"), "--offline",
         "--zone", str(ROOT / "examples" / "zones"), "--format", "html"],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT)
    assert done.returncode in (1, 3), done.stderr  # the example has findings to show
    page = out / "example-report.html"
    page.write_text(done.stdout, encoding="utf-8")
    shot = out / "example-report.png"
    chromium(tmp_path, page, f"--screenshot={shot}", "--window-size=1280,2000", "--hide-scrollbars")
    assert png_size(shot) == (1280, 2000)
    assert shot.stat().st_size > 50_000  # a rendered page, not a blank one
    print(f"screenshot: {shot}")


def test_the_shipped_example_prints_on_at_most_three_a4_pages(tmp_path):
    """The client report fit to send: A4, findings expanded, the records once (in the plan)."""
    root = pathlib.Path(__file__).resolve().parent.parent
    page = tmp_path / "report.html"
    with page.open("w", encoding="utf-8") as out:
        done = subprocess.run([sys.executable, "-m", "mailaudit", "check", "batikmurni.example", "--offline",
                               "--zone", str(root / "examples" / "zones"), "--format", "html", "--brand", "PT Contoh"],
                              stdout=out, stderr=subprocess.PIPE, text=True, timeout=120, cwd=root)
    assert done.returncode in (0, 1), done.stderr
    pdf = tmp_path / "report.pdf"
    chromium(tmp_path, page, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
    assert 1 <= pages <= 3, pages
    text = page.read_text(encoding="utf-8")
    assert "Prepared by PT Contoh" in text and "zone files only" in text  # who, and that it is not live
