"""Pure blocklist logic: query names, return-code decoding, refusals, the built-in set."""

from __future__ import annotations

import pytest

from mailaudit.dnsbl import lists as blocklists
from mailaudit.dnsbl.lists import BUILTIN, DBL, MAILSPIKE, SURBL, URIBL, ZEN, Kind
from mailaudit.dnsbl.record import (
    Verdict,
    classify,
    domain_query_name,
    ip_query_name,
    probe_listed,
    probe_names,
    query_name,
)
from mailaudit.errors import InputError
from mailaudit.model import Severity


def text(name):
    return None if name is None else name.to_text()


def test_ipv4_reversed_octets():
    assert text(ip_query_name("94.130.13.66", "zen.spamhaus.org")) == "66.13.130.94.zen.spamhaus.org."


def test_ipv6_reversed_nibbles():
    name = ip_query_name("2a01:4f8:c0c:1234::25", "zen.spamhaus.org")
    assert text(name) == (
        "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.4.3.2.1.c.0.c.0.8.f.4.0.1.0.a.2.zen.spamhaus.org."
    )
    assert len(name) == 32 + 4


def test_ipv4_mapped_ipv6_is_asked_as_ipv4():
    assert text(ip_query_name("::ffff:94.130.13.66", "bl.spamcop.net")) == "66.13.130.94.bl.spamcop.net."


def test_bad_inputs_give_no_name():
    assert ip_query_name("not-an-ip", "zen.spamhaus.org") is None
    assert domain_query_name("", "dbl.spamhaus.org") is None
    assert domain_query_name("a..b", "dbl.spamhaus.org") is None
    assert domain_query_name(("a" * 60 + ".") * 4 + "com", "dbl.spamhaus.org") is None  # > 255 octets


def test_domain_names_and_dqs_zone():
    assert text(query_name(DBL, "Example.COM.")) == "example.com.dbl.spamhaus.org."
    zone = blocklists.query_zone(DBL, "goodkey123")
    assert zone == "goodkey123.dbl.dq.spamhaus.net"
    assert text(query_name(DBL, "example.com", zone)) == "example.com.goodkey123.dbl.dq.spamhaus.net."
    assert blocklists.query_zone(SURBL, "goodkey123") == "multi.surbl.org"  # DQS is Spamhaus only


def test_rfc5782_probe_names():
    listed, clean = probe_names(blocklists.SPAMCOP)
    assert (text(listed), text(clean)) == ("2.0.0.127.bl.spamcop.net.", "1.0.0.127.bl.spamcop.net.")
    generic_domain = blocklists.parse_zone("domain:rhsbl.example.net")
    listed, clean = probe_names(generic_domain)
    assert (text(listed), text(clean)) == ("test.rhsbl.example.net.", "invalid.rhsbl.example.net.")
    assert text(probe_names(DBL)[0]) == "dbltest.com.dbl.spamhaus.org."


def test_zen_codes_and_meanings():
    result = classify(ZEN, ["127.0.0.4"])
    assert result.verdict is Verdict.LISTED
    assert result.describe().startswith("XBL: exploited host")
    several = classify(ZEN, ["127.0.0.10", "127.0.0.2", "127.0.0.4"])
    assert several.codes == ("127.0.0.2", "127.0.0.4", "127.0.0.10")
    assert [c.label for c in several.meanings] == ["SBL", "XBL", "PBL"]
    assert classify(ZEN, ["127.0.0.11"]).meanings[0].label == "PBL"
    assert classify(ZEN, ["127.0.0.9"]).meanings[0].label == "DROP"
    assert classify(ZEN, ["127.0.0.30"]).meanings[0].label == "BCL"
    assert classify(ZEN, []).verdict is Verdict.CLEAN


@pytest.mark.parametrize("code, words", [
    ("127.255.255.254", "public resolver"),
    ("127.255.255.255", "excessive number of queries"),
    ("127.255.255.252", "typing error"),
    ("127.255.255.250", "DQS key"),
    ("127.255.255.251", "DQS key"),
    ("127.255.255.7", "error code"),
])
def test_spamhaus_error_codes_are_refusals(code, words):
    for bl in (ZEN, DBL):
        result = classify(bl, [code])
        assert result.verdict is Verdict.REFUSED and words in result.reason
        assert result.meanings == ()


def test_an_error_code_beside_a_listing_is_still_a_refusal():
    assert classify(ZEN, ["127.0.0.2", "127.255.255.254"]).verdict is Verdict.REFUSED


def test_dbl_codes_and_its_refusal():
    assert classify(DBL, ["127.0.1.4"]).describe() == "DBL: phishing domain"
    assert classify(DBL, ["127.0.1.102"]).verdict is Verdict.LISTED
    refused = classify(DBL, ["127.0.1.255"])
    assert refused.verdict is Verdict.REFUSED and "domain list" in refused.reason
    assert classify(ZEN, ["127.0.1.2"]).verdict is Verdict.REFUSED  # a DBL code from ZEN: undocumented


@pytest.mark.parametrize("answer", ["127.0.0.99", "127.0.0.1", "94.130.13.200", "::1", "garbage"])
def test_undocumented_answers_are_refusals(answer):
    result = classify(ZEN, [answer])
    assert result.verdict is Verdict.REFUSED and result.meanings == ()


def test_surbl_bitmask():
    result = classify(SURBL, ["127.0.0.80"])
    assert result.verdict is Verdict.LISTED
    assert [c.label for c in result.meanings] == ["MW", "ABUSE"]
    assert classify(SURBL, ["127.0.0.136"]).describe() == "PH: phishing sites; CR: cracked (compromised) sites"
    assert classify(SURBL, ["127.0.0.1"]).verdict is Verdict.REFUSED
    assert classify(SURBL, ["127.0.0.2"]).verdict is Verdict.REFUSED  # a bit SURBL no longer documents


def test_uribl_bitmask_and_refusal():
    result = classify(URIBL, ["127.0.0.14"])
    assert [c.label for c in result.meanings] == ["black", "grey", "red"]
    assert result.severity is Severity.HIGH
    assert classify(URIBL, ["127.0.0.4"]).severity is Severity.MEDIUM
    refused = classify(URIBL, ["127.0.0.1"])
    assert refused.verdict is Verdict.REFUSED and "URIBL" in refused.reason
    assert classify(URIBL, ["127.0.0.3"]).verdict is Verdict.REFUSED  # refusal bit mixed in
    assert classify(URIBL, ["127.0.0.32"]).verdict is Verdict.REFUSED


def test_mailspike_levels():
    assert classify(MAILSPIKE, ["127.0.0.10"]).describe() == "L5: worst possible reputation"
    assert classify(MAILSPIKE, ["127.0.0.12"]).severity is Severity.MEDIUM
    assert classify(MAILSPIKE, ["127.0.0.15"]).verdict is Verdict.REFUSED  # neutral rep: not a BL code


def test_uceprotect_levels_2_and_3_are_medium():
    assert classify(blocklists.UCEPROTECT_1, ["127.0.0.2"]).severity is Severity.HIGH
    assert classify(blocklists.UCEPROTECT_2, ["127.0.0.2"]).severity is Severity.MEDIUM
    assert classify(blocklists.UCEPROTECT_3, ["127.0.0.2"]).severity is Severity.MEDIUM


def test_unknown_zone_rules():
    custom = blocklists.parse_zone("bl.custom.test")
    assert custom.generic and custom.kind is Kind.IP
    assert classify(custom, ["127.0.0.2"]).verdict is Verdict.LISTED
    assert classify(custom, ["127.0.0.255"]).verdict is Verdict.LISTED
    for refusal in ("127.0.0.1", "127.255.255.254", "127.0.1.2", "10.0.0.1"):
        assert classify(custom, [refusal]).verdict is Verdict.REFUSED, refusal


def test_probe_accepts_every_bit_set():
    assert probe_listed(SURBL, classify(SURBL, ["127.0.0.254"]))
    assert not probe_listed(SURBL, classify(SURBL, ["127.0.0.1"]))
    assert not probe_listed(ZEN, classify(ZEN, ["127.255.255.254"]))
    assert not probe_listed(ZEN, classify(ZEN, ["94.130.13.200"]))
    assert not probe_listed(ZEN, classify(ZEN, []))


def test_select_and_parse_zone():
    assert blocklists.select(None) == BUILTIN
    chosen = blocklists.select(["ZEN.spamhaus.org.", "domain:rhsbl.example.net", "ip:bl.custom.test",
                                "zen.spamhaus.org"])
    assert [b.zone for b in chosen] == ["zen.spamhaus.org", "rhsbl.example.net", "bl.custom.test"]
    assert chosen[0] is ZEN and chosen[1].kind is Kind.DOMAIN
    for bad in ("", "not a zone", "ftp:zen.spamhaus.org", "a..b", "x" * 300):
        with pytest.raises(InputError):
            blocklists.parse_zone(bad)


def test_dqs_key_must_be_one_label():
    assert blocklists.check_dqs_key(" GoodKey123 ") == "goodkey123"
    for bad in ("short", "has.dot.in.it", "key with space", "x" * 64, "evil\x1b[0m"):
        with pytest.raises(InputError):
            blocklists.check_dqs_key(bad)


def test_builtin_set_is_alive_and_complete():
    zones = [b.zone for b in BUILTIN]
    assert len(zones) == len(set(zones))
    assert not any("sorbs" in z or "njabl" in z or "ahbl" in z for z in zones)  # closed lists
    for bl in BUILTIN:
        assert bl.codes and bl.delist.startswith("https://"), bl.zone
        assert bl.name and not bl.generic
        for code in bl.codes:
            assert code.label and code.meaning
    assert {b.zone for b in BUILTIN if b.kind is Kind.DOMAIN} == {
        "dbl.spamhaus.org", "multi.surbl.org", "multi.uribl.com"}
    assert {b.zone for b in BUILTIN if b.dqs_zone} == {"zen.spamhaus.org", "dbl.spamhaus.org"}


def test_hostile_answer_floods_are_judged_whole_and_kept_short():
    flood = [f"127.0.{i // 256}.{i % 256}" for i in range(2, 2000)]
    custom = blocklists.parse_zone("bl.custom.test")
    result = classify(custom, flood)
    assert result.verdict is Verdict.REFUSED  # 127.0.1.x and beyond are not generic listing codes
    assert len(result.codes) <= 32 and len(result.reason) < 300
    listed = classify(custom, [f"127.0.0.{i}" for i in range(2, 256)] * 3)
    assert listed.verdict is Verdict.LISTED and len(listed.codes) == 32
    hidden_error = classify(ZEN, ["127.0.0.2"] * 500 + ["127.255.255.254"])
    assert hidden_error.verdict is Verdict.REFUSED
