"""checkdmarc 6.0.4 as an oracle for BIMI logos; differences are in docs/transport-security.md."""

from __future__ import annotations

import gzip
import pathlib

import pytest

checkdmarc_bimi = pytest.importorskip("checkdmarc.bimi")

from mailaudit.bimi import svg  # noqa: E402

GOOD = (pathlib.Path(__file__).parent / "data" / "good.svg").read_bytes()


def theirs(data: bytes) -> str:
    try:
        errors = checkdmarc_bimi.check_svg_requirements(checkdmarc_bimi.get_svg_metadata(data))
    except ValueError:
        return "unreadable"
    return "invalid" if errors else "valid"


def ours(data: bytes) -> str:
    return "valid" if svg.validate(data).valid else "invalid"


@pytest.mark.parametrize(
    ("name", "data", "theirs_verdict", "ours_verdict"),
    [
        ("good", GOOD, "valid", "valid"),
        ("SVG 1.1", GOOD.replace(b'version="1.2"', b'version="1.1"'), "invalid", "invalid"),
        ("no baseProfile", GOOD.replace(b' baseProfile="tiny-ps"', b""), "invalid", "invalid"),
        ("no title", GOOD.replace(b"<title>Example Corp</title>", b""), "invalid", "invalid"),
        # differences:
        ("script", GOOD.replace(b"<rect", b"<script>alert(1)</script><rect"), "valid", "invalid"),
        ("external image", GOOD.replace(b"<rect", b'<image href="https://t.example/p.png"/><rect'), "valid", "invalid"),
        ("event handler", GOOD.replace(b"<circle", b'<circle onclick="x()"'), "valid", "invalid"),
        ("SVGZ", gzip.compress(GOOD), "unreadable", "valid"),
        ("no viewBox", GOOD.replace(b' viewBox="0 0 100 100"', b""), "unreadable", "invalid"),
    ],
)
def test_logo_verdicts(name: str, data: bytes, theirs_verdict: str, ours_verdict: str) -> None:
    assert (theirs(data), ours(data)) == (theirs_verdict, ours_verdict)
