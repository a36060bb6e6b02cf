"""TLSA record parsing and SMTP sanity (RFC 7672)."""

from __future__ import annotations

import dns.name
import pytest

from mailaudit.dane import TLSAError, TLSARecord, assess, from_text, tlsa_name

from .certs import issue

SHA256 = "ab" * 32


def test_tlsa_name_for_an_mx_host() -> None:
    assert tlsa_name("mx.example.com") == dns.name.from_text("_25._tcp.mx.example.com.")
    assert tlsa_name(dns.name.from_text("mx.example.com."), 465).to_text() == "_465._tcp.mx.example.com."


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (f"3 1 1 {SHA256}", ()),
        (f"2 0 1 {SHA256}", ()),
        (f"3 1 2 {'cd' * 64}", ()),
        (f"1 1 1 {SHA256}", ("usage.pkix",)),
        (f"0 0 1 {SHA256}", ("usage.pkix",)),
        (f"4 1 1 {SHA256}", ("usage.unknown",)),
        (f"3 2 1 {SHA256}", ("selector.unknown",)),
        (f"3 1 3 {SHA256}", ("mtype.unknown",)),
        ("3 1 0 00112233", ("data.unparseable",)),
        ("3 0 0 00112233", ("data.unparseable",)),
    ],
)
def test_record_problems(text: str, problems: tuple[str, ...]) -> None:
    record = from_text(text)
    assert record.problems == problems
    assert record.usable is (not problems)
    assert from_text(record.to_text()) == record


def test_digest_of_the_wrong_size() -> None:
    """dnspython refuses such text; records built from other sources are still checked."""
    assert TLSARecord(3, 1, 1, b"\xab" * 20).problems == ("data.length",)
    assert TLSARecord(3, 1, 2, b"\xab" * 32).problems == ("data.length",)
    assert TLSARecord(3, 1, 1, b"\xab" * 32).usable


def test_full_certificate_and_key_records_parse() -> None:
    leaf = issue("mx.example.test", sans=("mx.example.test",))
    assert from_text(leaf.tlsa(3, 0, 0)).usable and from_text(leaf.tlsa(3, 1, 0)).usable


@pytest.mark.parametrize("text", ["", "3 1 1", "3 1 1 zz", "x y z", "3 1 1 " + "a" * 3])
def test_not_tlsa(text: str) -> None:
    with pytest.raises(TLSAError):
        from_text(text)


def test_assess_rrset() -> None:
    single = assess([from_text(f"3 1 1 {SHA256}")])
    assert single.any_usable and single.single_ee
    rollover = assess([from_text(f"3 1 1 {SHA256}"), from_text(f"3 1 1 {'cd' * 32}")])
    assert not rollover.single_ee
    with_ta = assess([from_text(f"3 1 1 {SHA256}"), from_text(f"2 1 1 {'cd' * 32}")])
    assert not with_ta.single_ee
    pkix = assess([from_text(f"1 1 1 {SHA256}")])
    assert not pkix.any_usable and pkix.unusable == ((f"1 1 1 {SHA256}", ("usage.pkix",)),)
