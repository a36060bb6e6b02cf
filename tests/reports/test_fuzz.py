"""Whatever the bytes, reading them ends in counts or one error line: never an exception, never a hang."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailaudit.reports.aggregate import Collector
from mailaudit.reports.extract import iter_message, iter_payload

from . import corpus

GOOD = corpus.raw("google.xml")


def _mutations() -> st.SearchStrategy[bytes]:
    cut = st.integers(0, len(GOOD)).map(lambda n: GOOD[:n])
    spliced = st.tuples(st.integers(0, len(GOOD)), st.binary(max_size=64)).map(
        lambda t: GOOD[:t[0]] + t[1] + GOOD[t[0]:])
    wrapped = st.sampled_from([corpus.gz, lambda b: corpus.zipped(**{"r.xml": b}), lambda b: b])
    return st.tuples(st.one_of(cut, spliced, st.binary(max_size=512)), wrapped).map(lambda t: t[1](t[0]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_payloads_never_raise(data: bytes) -> None:
    collector = Collector()
    collector.feed(iter_payload("fuzz", io.BytesIO(data)))
    result = collector.result()
    assert all(e.error and "\n" not in e.error for e in result.errors)
    assert all(d.messages >= 0 for d in result.domains)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2048))
def test_messages_never_raise(data: bytes) -> None:
    collector = Collector()
    head = b"From: a@example.com\nContent-Type: multipart/mixed; boundary=x\n\n"
    collector.feed(iter_message("fuzz.eml", head + data))
    collector.result()
