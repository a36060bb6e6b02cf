"""The general event parser of DMARC aggregate reports (RFC 7489 App. C, the older draft shape, RFC 9990).

Elements are matched by local name wherever they sit, so namespaces (RFC 9990's
``urn:ietf:params:xml:ns:dmarc-2.0``, GMX, none at all) and wrappers (a stray ``<xs:schema>``)
do not matter. DTDs and entities are refused (defusedxml); each top-level item is dropped
from the tree once read, so memory stays flat however many records a report holds.
"""

from __future__ import annotations

import ipaddress
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import BinaryIO

from defusedxml.ElementTree import iterparse

from .limits import DEFAULT_LIMITS, LimitExceeded, Limits
from .model import AuthResult, PolicyPublished, Record, ReportMeta

ITEMS = frozenset({"record", "report_metadata", "policy_published"})
MAX_ITEM_ELEMENTS = 4096
RFC9990_NS = "urn:ietf:params:xml:ns:dmarc-2.0"


class ReportError(ValueError):
    """The document is XML but not a usable aggregate report."""


def local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def child(elem: ET.Element, name: str) -> ET.Element | None:
    for sub in elem:
        if local(sub.tag) == name:
            return sub
    return None


def children(elem: ET.Element, name: str) -> Iterator[ET.Element]:
    return (sub for sub in elem if local(sub.tag) == name)


def text(elem: ET.Element | None, *path: str) -> str:
    """Stripped text at ``path`` below ``elem`` ('' when absent)."""
    for name in path:
        if elem is None:
            return ""
        elem = child(elem, name)
    return (elem.text or "").strip() if elem is not None else ""


def parse_events(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[ReportMeta | Record]:
    """The general path: defusedxml's event parser, every element seen (slower, any layout)."""
    state = _State()
    for event, elem in iterparse(stream, events=("start", "end"), forbid_dtd=True):
        if event == "start":
            state.enter(elem, limits)
            continue
        done = state.leave(elem)
        if done is not None:
            yield from state.take(done)
    if state.meta is None:
        raise ReportError("no report_metadata/policy_published: not a DMARC aggregate report")
    yield from state.take(None)


class _State:
    """Where the parse is: the element stack, the metadata so far, and records waiting for it."""

    def __init__(self) -> None:
        self.stack: list[ET.Element] = []
        self.item_elements = 0
        self.item_at = -1  # stack depth of the item being read, -1 when none
        self.metadata: ET.Element | None = None
        self.policy: ET.Element | None = None
        self.meta: ReportMeta | None = None
        self.namespace = ""
        self.waiting: list[Record] = []

    def enter(self, elem: ET.Element, limits: Limits) -> None:
        stack = self.stack
        if not stack:
            self.namespace = elem.tag[1:].partition("}")[0] if str(elem.tag).startswith("{") else ""
        stack.append(elem)
        if len(stack) > limits.max_xml_depth:
            raise LimitExceeded(f"XML nested deeper than {limits.max_xml_depth} elements; refused")
        if self.item_at >= 0:
            self.item_elements += 1
            if self.item_elements > MAX_ITEM_ELEMENTS:
                raise LimitExceeded(f"a report item with more than {MAX_ITEM_ELEMENTS} elements; refused")
        elif local(elem.tag) in ITEMS:
            self.item_at = len(stack) - 1

    def leave(self, elem: ET.Element) -> ET.Element | None:
        """Pop ``elem``; return it when it is a finished top-level item, and unhook it from the tree."""
        stack = self.stack
        stack.pop()
        depth = len(stack)
        if self.item_at >= 0 and depth > self.item_at:
            return None  # part of an item still open
        if stack:
            stack[-1].remove(elem)
        if depth == self.item_at:
            self.item_at, self.item_elements = -1, 0
            return elem
        return None

    def take(self, elem: ET.Element | None) -> Iterator[ReportMeta | Record]:
        """Records (and the metadata, once complete) that can be handed out now."""
        name = local(elem.tag) if elem is not None else ""
        if name == "report_metadata":
            self.metadata = elem
        elif name == "policy_published":
            self.policy = elem
        elif name == "record" and elem is not None:
            record = parse_record(elem)
            if record is not None:
                self.waiting.append(record)
        if self.meta is None and (elem is None or (self.metadata is not None and self.policy is not None)):
            self.meta = parse_meta(self.metadata, self.policy, self.namespace)
            yield self.meta
        if self.meta is not None:
            yield from self.waiting
            self.waiting.clear()


def parse_meta(metadata: ET.Element | None, policy: ET.Element | None, namespace: str) -> ReportMeta:
    if metadata is None or policy is None:
        raise ReportError("no report_metadata/policy_published: not a DMARC aggregate report")
    org = text(metadata, "org_name")
    report_id = text(metadata, "report_id").strip("<>").strip()
    domain = text(policy, "domain").lower().rstrip(".")
    if not org or not report_id or not domain:
        raise ReportError("report without org_name, report_id or policy domain")
    begin, end = _epoch(text(metadata, "date_range", "begin")), _epoch(text(metadata, "date_range", "end"))
    return ReportMeta(org, report_id, begin, max(end, begin), parse_policy(policy, domain), namespace)


def parse_policy(policy: ET.Element, domain: str) -> PolicyPublished:
    pct = text(policy, "pct")
    return PolicyPublished(
        domain=domain,
        p=text(policy, "p").lower(),
        sp=text(policy, "sp").lower(),
        pct=int(pct) if pct.isdigit() and int(pct) <= 100 else 100,
        adkim=text(policy, "adkim").lower() or "r",
        aspf=text(policy, "aspf").lower() or "r",
        np=text(policy, "np").lower(),
        testing=text(policy, "testing").lower(),
    )


def _epoch(value: str) -> int:
    try:
        return max(int(float(value)), 0)
    except (ValueError, OverflowError):
        return 0


def parse_record(elem: ET.Element) -> Record | None:
    """One ``<record>``, or None when its address or count is unusable."""
    row = child(elem, "row")
    try:
        ip = ipaddress.ip_address(text(row, "source_ip"))
        count = int(float(text(row, "count") or "x"))
    except (ValueError, OverflowError):
        return None
    if count < 0:
        return None
    evaluated = child(row, "policy_evaluated") if row is not None else None
    auth = child(elem, "auth_results")
    return Record(
        source_ip=ip.compressed,
        count=count,
        disposition=text(evaluated, "disposition").lower() or "none",
        dkim_aligned=text(evaluated, "dkim").lower() == "pass",
        spf_aligned=text(evaluated, "spf").lower() == "pass",
        header_from=text(elem, "identifiers", "header_from").lower().rstrip("."),
        envelope_from=text(elem, "identifiers", "envelope_from").lower().rstrip("."),
        dkim=_auth(auth, "dkim"),
        spf=_auth(auth, "spf"),
        reasons=tuple((text(r, "type").lower(), text(r, "comment")) for r in children(evaluated, "reason"))
        if evaluated is not None
        else (),
    )


def _auth(auth: ET.Element | None, kind: str) -> tuple[AuthResult, ...]:
    if auth is None:
        return ()
    return tuple(
        AuthResult(
            domain=text(a, "domain").lower().rstrip("."),
            result=text(a, "result").lower() or "none",
            selector=text(a, "selector"),
            scope=text(a, "scope").lower(),
        )
        for a in children(auth, kind)
    )
