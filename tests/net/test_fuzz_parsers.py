"""Hostile input never crashes the pure transport parsers, and what they echo back is bounded."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mailaudit.bimi import record as bimi_record
from mailaudit.bimi import svg
from mailaudit.mta_sts import mx, policy
from mailaudit.mta_sts import record as sts_record
from mailaudit.tls_rpt import record as tlsrpt_record

TEXT = st.text(st.characters(codec="utf-8"), max_size=400)
PREFIXED = st.builds(lambda head, tail: head + tail, st.sampled_from(["v=STSv1;", "v=TLSRPTv1;", "v=BIMI1;", ""]), TEXT)


@settings(max_examples=300, deadline=None)
@given(PREFIXED)
def test_record_parsers_never_raise(text: str) -> None:
    for parsed in (sts_record.parse(text), tlsrpt_record.parse(text), bimi_record.parse(text)):
        assert all(len(p.value) <= 120 for p in parsed.problems)
    sts_record.select([text])
    tlsrpt_record.select([text])
    bimi_record.select([text])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000) | st.builds(lambda lines: "\n".join(lines).encode(), st.lists(TEXT, max_size=12)))
def test_policy_parser_never_raises(body: bytes) -> None:
    parsed = policy.parse(body)
    assert all(len(p.value) <= 80 for p in parsed.problems)
    assert parsed.valid is not any(p.fatal for p in parsed.problems)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000) | st.builds(lambda t: f"<svg xmlns='http://www.w3.org/2000/svg'>{t}</svg>".encode(),
                                            TEXT))
def test_svg_validator_never_raises(data: bytes) -> None:
    report = svg.validate(data)
    assert report.size == len(data)


@settings(max_examples=300, deadline=None)
@given(TEXT, TEXT)
def test_mx_matcher_never_raises(pattern: str, host: str) -> None:
    assert isinstance(mx.matches(pattern, host), bool)
