import gzip
import pathlib

import pytest

from mailaudit.bimi import svg

DATA = pathlib.Path(__file__).parent / "data"
GOOD = (DATA / "good.svg").read_bytes()


def codes(data: bytes) -> list[str]:
    return svg.validate(data).codes


def test_good_logo() -> None:
    report = svg.validate(GOOD)
    assert report.valid and report.problems == () and report.title == "Example Corp"


def test_svgz_is_inflated() -> None:
    assert svg.validate(gzip.compress(GOOD)).valid


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        (b'<rect', b'<script>alert(1)</script><rect', "svg.script"),
        (b'<rect', b'<image href="https://tracker.example/p.png" width="1" height="1"/><rect', "svg.forbidden_element"),
        (b'<rect', b'<image href="https://tracker.example/p.png" width="1" height="1"/><rect', "svg.external_ref"),
        (b'<rect', b'<use xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="https://x.example/a.svg#i"/><rect',
         "svg.external_ref"),
        (b'fill="#0055aa"', b'fill="url(https://x.example/p)"', "svg.external_ref"),
        (b'<rect', b'<style>@import url(https://x.example/a.css);</style><rect', "svg.external_ref"),
        (b'<circle', b'<circle onclick="alert(1)"', "svg.event_handler"),
        (b'<rect', b'<foreignObject><p>x</p></foreignObject><rect', "svg.forbidden_element"),
        (b'<rect', b'<animate attributeName="r" to="1"/><rect', "svg.forbidden_element"),
        (b'version="1.2"', b'version="1.1"', "svg.version"),
        (b'baseProfile="tiny-ps"', b'baseProfile="tiny"', "svg.profile"),
        (b'<title>Example Corp</title>', b'', "svg.title.missing"),
        (b'Example Corp', b'E' * 80, "svg.title.long"),
        (b' viewBox="0 0 100 100"', b'', "svg.viewbox"),
        (b'viewBox=', b'x="0" y="0" viewBox=', "svg.root_xy"),
    ],
)
def test_invalid_logos(old: bytes, new: bytes, code: str) -> None:
    data = GOOD.replace(old, new)
    assert data != GOOD
    assert code in codes(data) and not svg.validate(data).valid


def test_internal_reference_is_fine() -> None:
    data = GOOD.replace(b"<rect", b'<defs><linearGradient id="g"/></defs><rect').replace(b"#ffffff", b"url(#g)")
    assert svg.validate(data).valid


def test_not_square_is_a_warning() -> None:
    report = svg.validate(GOOD.replace(b"0 0 100 100", b"0 0 200 100"))
    assert report.valid and report.codes == ["svg.not_square"]


def test_wrong_root() -> None:
    assert "svg.root" in codes(b"<html><title>x</title></html>")


def test_billion_laughs_is_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' + b''.join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i else b"&lol;") * 10) for i in range(1, 10)
    ) + b']><svg xmlns="http://www.w3.org/2000/svg">&lol9;</svg>'
    assert codes(bomb) == ["svg.dtd"]


def test_external_entity_is_refused() -> None:
    xxe = b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>'
    assert codes(xxe) == ["svg.dtd"]


def test_size_caps() -> None:
    assert codes(GOOD + b" " * svg.MAX_BYTES) == ["svg.size"]
    assert codes(gzip.compress(GOOD.replace(b"<rect", b"<!--" + b" " * (2 * svg.MAX_DECOMPRESSED) + b"--><rect"))) == [
        "svg.size"]


def test_not_xml_and_corrupt_gzip() -> None:
    assert codes(b"\x89PNG\r\n") == ["svg.not_xml"]
    assert codes(b"\x1f\x8b\x08\x00garbage") == ["svg.gzip"]
