"""Streaming, tolerant parser of DMARC aggregate reports (RFC 7489 App. C, the older draft shape, RFC 9990).

Elements are matched by local name wherever they sit, so namespaces (RFC 9990's
``urn:ietf:params:xml:ns:dmarc-2.0``, GMX, none at all) and wrappers (a stray ``<xs:schema>``)
do not matter. DTDs and entities are refused (defusedxml). The usual layout takes the fast path
(:mod:`.dmarcfast`); any other the general event parser (:mod:`.dmarcevents`), which drops
each item from the tree once read, so memory stays flat however many records a report holds.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import BinaryIO

from .dmarcevents import ReportError, parse_events, parse_record
from .dmarcfast import start_fast
from .limits import DEFAULT_LIMITS, Limits
from .model import Record, ReportMeta
from .streams import PrefixedReader, RunGuard

__all__ = ["ReportError", "parse_aggregate", "parse_events", "parse_record"]


def parse_aggregate(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[ReportMeta | Record]:
    """The report's :class:`ReportMeta` first, then its records (records seen before the metadata wait for it).

    Raises :class:`ReportError`, :class:`LimitExceeded`, ``ET.ParseError`` or defusedxml's
    refusals; callers turn them into one ``errors[]`` line. ``skipped`` rows (bad address or
    count) are dropped silently: one reporter's typo must not sink the rest of its report.
    The usual layout takes the fast path (:mod:`.dmarcfast`); anything else the event parser.
    """
    guarded = io.BufferedReader(RunGuard(stream, limits), 65536)
    started = start_fast(guarded, limits)
    if isinstance(started, bytes):
        yield from parse_events(io.BufferedReader(PrefixedReader(started, guarded)), limits)
        return
    meta, records = started
    yield meta
    yield from records
