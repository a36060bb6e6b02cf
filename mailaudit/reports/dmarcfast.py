"""The fast path for aggregate reports laid out as every reporter does: metadata, then records.

The head (everything before the first ``<record``) goes through defusedxml's parser, which
refuses DTDs and entities; a DTD can only sit in that prolog, so what follows cannot declare
one. The records are then cut at ``</record>`` into batches of about a megabyte, each parsed
whole by the C parser (no Python call per element) and read with C-level ``find``. Memory is
one batch. A document that does not fit this layout (no metadata before the first record, a
record over the batch cap) goes back to the general event parser, or is refused.
"""

from __future__ import annotations

import ipaddress
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import BinaryIO, cast
from xml.sax.saxutils import quoteattr

from defusedxml.ElementTree import DefusedXMLParser

from .dmarcevents import ReportError, _State, parse_record, text
from .limits import LimitExceeded, Limits
from .model import AuthResult, Record, ReportMeta
from .streams import RunGuard

FIRST_RECORD = re.compile(rb"<record[\s>]")
HEAD_MAX = 1024 * 1024
BATCH = 1024 * 1024
BATCH_MAX = 16 * 1024 * 1024
END = b"</record>"
CLOSING = re.compile(rb"^(\s*</[^<>\s]+\s*>)*\s*$")


def start_fast(stream: BinaryIO, limits: Limits) -> bytes | tuple[ReportMeta, Iterator[Record]]:
    """The metadata and an iterator of the records; or, when the fast path does not apply,
    the bytes read so far, to replay through the event parser."""
    head, rest = _read_head(stream)
    if head is None:
        return rest
    parsed = _parse_head(head, limits)
    if parsed is None:
        return head + rest
    meta, prefixes, depth = parsed
    return meta, _records(rest, stream, prefixes, depth)


def _read_head(stream: BinaryIO) -> tuple[bytes | None, bytes]:
    """(bytes before the first record, the rest read so far), or (None, all read) when not found."""
    data = b""
    while len(data) <= HEAD_MAX:
        chunk = stream.read(65536)
        if not chunk:
            break
        data += chunk
        match = FIRST_RECORD.search(data)
        if match:
            return data[:match.start()], data[match.start():]
    return None, data


def _parse_head(head: bytes, limits: Limits) -> tuple[ReportMeta, bytes, int] | None:
    """The metadata (None when the head lacks it), the namespace prefixes declared there, and
    how many elements are open where the records start."""
    parser = ET.XMLPullParser(events=("start", "end", "start-ns"),
                              _parser=DefusedXMLParser(target=ET.TreeBuilder(), forbid_dtd=True))
    parser.feed(head)
    state = _State()
    prefixes: list[bytes] = []
    for event, item in cast(Iterator[tuple[str, object]], parser.read_events()):
        if event == "start-ns":
            prefix, uri = cast(tuple[str, str], item)
            if prefix:
                prefixes.append(f" xmlns:{prefix}={quoteattr(uri)}".encode())
        elif event == "start":
            state.enter(cast(ET.Element, item), limits)
        else:
            done = state.leave(cast(ET.Element, item))
            if done is not None:
                list(state.take(done))
    if state.meta is None:
        return None
    return state.meta, b"".join(prefixes), len(state.stack)


def _records(pending: bytes, stream: BinaryIO, prefixes: bytes, depth: int) -> Iterator[Record]:
    """Records, batch by batch; the bytes after the last record must only close the open elements."""
    seen: dict[str, str] = {}
    while True:
        chunk = stream.read(BATCH)
        pending += chunk
        cut = pending.rfind(END)
        if cut >= 0 and (len(pending) >= BATCH or not chunk):
            cut += len(END)
            yield from _batch(pending[:cut], prefixes, seen)
            pending = pending[cut:]
        elif len(pending) > BATCH_MAX:
            raise LimitExceeded(f"a record longer than {BATCH_MAX} bytes; refused")
        if not chunk:
            break
    if not CLOSING.match(pending) or pending.count(b"</") != depth:
        raise ReportError("the report does not end after its last record (cut short, or not well-formed)")


def _batch(data: bytes, prefixes: bytes, seen: dict[str, str]) -> Iterator[Record]:
    root = ET.fromstring(b"<batch" + prefixes + b">" + data + b"</batch>")
    for elem in root:
        if not isinstance(elem.tag, str) or elem.tag.rpartition("}")[2] != "record":
            continue
        record = fast_record(elem, seen) if elem.tag == "record" else None
        record = record or parse_record(elem)
        if record is not None:
            yield record


def _text(elem: ET.Element | None, name: str) -> str:
    found = elem.find(name) if elem is not None else None
    return (found.text or "").strip() if found is not None else ""


def fast_record(elem: ET.Element, seen: dict[str, str]) -> Record | None:
    """One record read with C-level lookups; None for an unusual shape (the general reader then tries)."""
    row = elem.find("row")
    if row is None:
        return None
    evaluated = row.find("policy_evaluated")
    ids = elem.find("identifiers")
    auth = elem.find("auth_results")
    try:
        return Record(
            source_ip=_address(_text(row, "source_ip"), seen),
            count=_count(_text(row, "count")),
            disposition=_text(evaluated, "disposition").lower() or "none",
            dkim_aligned=_text(evaluated, "dkim").lower() == "pass",
            spf_aligned=_text(evaluated, "spf").lower() == "pass",
            header_from=_text(ids, "header_from").lower().rstrip("."),
            envelope_from=_text(ids, "envelope_from").lower().rstrip("."),
            dkim=_auth(auth, "dkim"),
            spf=_auth(auth, "spf"),
            reasons=tuple((text(r, "type").lower(), text(r, "comment"))
                          for r in (evaluated.findall("reason") if evaluated is not None else ())),
        )
    except ValueError:
        return None


def _address(value: str, seen: dict[str, str]) -> str:
    """Canonical text of an address, remembered per document (big reports repeat their addresses)."""
    known = seen.get(value)
    if known is None:
        if len(seen) > 65536:
            seen.clear()
        known = seen[value] = ipaddress.ip_address(value).compressed
    return known


def _count(value: str) -> int:
    count = int(value) if value.isdigit() else int(float(value))
    if count < 0:
        raise ValueError("negative count")
    return count


def _auth(auth: ET.Element | None, kind: str) -> tuple[AuthResult, ...]:
    if auth is None:
        return ()
    return tuple(
        AuthResult(_text(a, "domain").lower().rstrip("."), _text(a, "result").lower() or "none",
                   _text(a, "selector"), _text(a, "scope").lower())
        for a in auth.findall(kind)
    )


__all__ = ["RunGuard", "fast_record", "start_fast"]
