"""Is a BIMI logo SVG Tiny Portable/Secure? (draft-svg-tiny-ps-abrotman, BIMI Group's rules.)

Hostile input is expected: the bytes are capped before anything else (32 KiB served, as BIMI
Group and the big receivers use), an SVGZ is decompressed with a cap, and the XML is parsed by
defusedxml with DTDs and entities forbidden (no billion-laughs, no external entities). Pure:
bytes in, a typed :class:`SvgReport` out; never raises.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree
from defusedxml import DefusedXmlException

from mailaudit.mta_sts.problems import Problem

MAX_BYTES = 32 * 1024
MAX_DECOMPRESSED = 256 * 1024
MAX_TITLE = 65
SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
FORBIDDEN = frozenset({
    "script", "foreignObject", "image", "a", "animate", "set", "animateMotion", "animateColor",
    "animateTransform", "filter", "iframe", "video", "audio", "handler", "listener", "discard",
})


@dataclass(frozen=True)
class SvgReport:
    size: int  # bytes as served
    title: str | None
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not any(p.fatal for p in self.problems)

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]


def validate(data: bytes) -> SvgReport:
    """Judge ``data`` (SVG or SVGZ bytes as served)."""
    if len(data) > MAX_BYTES:
        return SvgReport(len(data), None, (Problem("svg.size", True, value=str(len(data))),))
    document, problems = _inflate(data)
    if document is None:
        return SvgReport(len(data), None, tuple(problems))
    root = _parse(document, problems)
    if root is None:
        return SvgReport(len(data), None, tuple(problems))
    title = _check_root(root, problems)
    _check_tree(root, problems)
    return SvgReport(len(data), title, tuple(problems))


def inflate(data: bytes) -> bytes | None:
    """The SVG document itself: ``data``, or ``data`` gunzipped (SVGZ) within the cap; None if too big/corrupt."""
    return _inflate(data)[0]


def _inflate(data: bytes) -> tuple[bytes | None, list[Problem]]:
    if not data.startswith(b"\x1f\x8b"):
        return data, []
    inflater = zlib.decompressobj(wbits=31)
    try:
        document = inflater.decompress(data, MAX_DECOMPRESSED)
    except zlib.error:
        return None, [Problem("svg.gzip", True)]
    if inflater.unconsumed_tail:
        return None, [Problem("svg.size", True, value=f">{MAX_DECOMPRESSED} decompressed")]
    if not inflater.eof:
        return None, [Problem("svg.gzip", True)]  # truncated
    return document, []


def _parse(document: bytes, problems: list[Problem]) -> Element | None:
    try:
        return defusedxml.ElementTree.fromstring(document, forbid_dtd=True)
    except DefusedXmlException as exc:
        problems.append(Problem("svg.dtd", True, value=type(exc).__name__))
    except ParseError as exc:
        problems.append(Problem("svg.not_xml", True, line=exc.position[0]))
    return None


def _check_root(root: Element, problems: list[Problem]) -> str | None:
    if root.tag != f"{SVG_NS}svg":
        problems.append(Problem("svg.root", True, value=root.tag[:60]))
    if root.get("version") != "1.2":
        problems.append(Problem("svg.version", True, value=root.get("version", "")))
    if root.get("baseProfile") != "tiny-ps":
        problems.append(Problem("svg.profile", True, value=root.get("baseProfile", "")))
    if root.get("x") is not None or root.get("y") is not None:
        problems.append(Problem("svg.root_xy", True))
    _check_viewbox(root.get("viewBox"), problems)
    title = root.find(f"{SVG_NS}title")
    text = (title.text or "").strip() if title is not None else ""
    if not text:
        problems.append(Problem("svg.title.missing", True))
        return None
    if len(text) > MAX_TITLE:
        problems.append(Problem("svg.title.long", True, value=str(len(text))))
    return text


def _check_viewbox(viewbox: str | None, problems: list[Problem]) -> None:
    if viewbox is None:
        problems.append(Problem("svg.viewbox", True))
        return
    try:
        _x, _y, width, height = (float(v) for v in viewbox.replace(",", " ").split())
    except ValueError:
        problems.append(Problem("svg.viewbox", True, value=viewbox[:60]))
        return
    if width != height:
        problems.append(Problem("svg.not_square", False, value=viewbox[:60]))


def _check_tree(root: Element, problems: list[Problem]) -> None:
    """Forbidden elements, event handlers and external references, each reported once per kind."""
    seen: set[tuple[str, str]] = set()

    def add(code: str, value: str) -> None:
        if (code, value) not in seen:
            seen.add((code, value))
            problems.append(Problem(code, True, value=value[:120]))

    for element in root.iter():
        local = element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""
        if local == "script":
            add("svg.script", local)
        elif local in FORBIDDEN:
            add("svg.forbidden_element", local)
        for name, value in element.attrib.items():
            _check_attribute(name, value, add)
        if local == "style" and _external_css(element.text or ""):
            add("svg.external_ref", "style")


def _check_attribute(name: str, value: str, report: Callable[[str, str], None]) -> None:
    local = name.rpartition("}")[2]
    if local.lower().startswith("on"):
        report("svg.event_handler", local)
    elif (_is_link(name, local) and not value.strip().startswith("#")) or _external_css(value):
        report("svg.external_ref", value)


def _is_link(name: str, local: str) -> bool:
    return name == XLINK_HREF or local == "href"


def _external_css(text: str) -> bool:
    """``url(...)`` not pointing inside the document, or ``@import``."""
    lowered = text.lower()
    if "@import" in lowered:
        return True
    start = lowered.find("url(")
    while start != -1:
        target = lowered[start + 4:].lstrip(" \t'\"")
        if not target.startswith("#"):
            return True
        start = lowered.find("url(", start + 4)
    return False
