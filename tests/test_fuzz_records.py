"""Property tests: the pure parsers take any text (hostile DNS data) without crashing or stalling.

Each parser may only raise its documented error type (``SpfSyntaxError`` for SPF, ``InputError``
for user-typed domains, nothing at all for DMARC, DKIM and blocklist answers), and finishes in
well under a second even on 64 KB of input.
"""

from __future__ import annotations

import contextlib
import os
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailaudit.dkim import record as dkim
from mailaudit.dmarc import record as dmarc
from mailaudit.dnsbl import record as dnsbl
from mailaudit.dnsbl.lists import Blocklist, Code, Kind, Refusal
from mailaudit.domains import normalize, to_alabel
from mailaudit.errors import InputError
from mailaudit.spf import record as spf

# FUZZ_EXAMPLES=5000 for a longer hunt; 200 keeps the suite fast
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")), deadline=1000,
                suppress_health_check=[HealthCheck.too_slow])

# -- strategies --------------------------------------------------------------------------------

HOSTILE = ["\x1b[31m", "\x1b]8;;http://x\x07", "\u202e", "\u2066", "\x00", "\x7f", "\x9b", "\ud800",
           "\r\n", "\t", "%{", "%", "}", "//", "/", ":", "=", ";", "!", "@", ".", "..", "\\", '"', "\ufffd"]
SPF_WORDS = ["v=spf1", " ", "+", "-", "~", "?", "all", "include:", "a", "mx", "ptr", "exists:", "ip4:",
             "ip6:", "redirect=", "exp=", "%{i}", "%{ir}", "%{d2r.-}", "%{L}", "%{c}", "%%", "%_", "%-",
             "example.com", "1.2.3.4", "::1", "/24", "//64", "/33", "/0", "ffff::", "x=", "1", "999999999"]
DMARC_WORDS = ["v=DMARC1", "v=dmarc1", ";", " ", "p=", "sp=", "np=", "none", "reject", "quarantine", "pct=",
               "100", "-1", "99999999999999999999", "rua=", "ruf=", "mailto:", "a@example.com", "!10m",
               "!", ",", "fo=", "0:1:d:s", "rf=afrf", "ri=", "adkim=s", "aspf=", "t=y", "psd=", "=="]
DKIM_WORDS = ["v=DKIM1", ";", " ", "k=", "rsa", "ed25519", "h=", "sha1:sha256", "s=", "email", "*", "t=y:s",
              "p=", "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", "MCowBQYDK2VwAyEA", "====", "AAAA", "\t"]


def soup(words: list[str]) -> st.SearchStrategy[str]:
    """Records assembled from grammar pieces and hostile characters, plus plain arbitrary text."""
    pieces = st.sampled_from(words + HOSTILE) | st.text(max_size=6)
    return st.lists(pieces, max_size=40).map("".join) | st.text(max_size=300)


def dns_bytes() -> st.SearchStrategy[str]:
    """TXT data as the checks see it: arbitrary bytes decoded with replacement characters."""
    return st.binary(max_size=600).map(lambda raw: raw.decode("utf-8", errors="replace"))


BIG = ["v=spf1 " + "a " * 30_000, "v=spf1 " + "%{i}" * 16_000, "v=spf1 include:" + "a." * 30_000 + "com",
       "v=DMARC1;" + "p=reject;" * 8000, "v=DMARC1; rua=" + "mailto:a@b.c," * 5000,
       "v=DKIM1; p=" + "A" * 65_000, "\x1b" * 65_000, "%{" * 30_000, "v=spf1 " + "%{i" * 20_000]


def finishes_fast(call: object, *args: object, seconds: float = 1.0) -> None:
    start = time.perf_counter()
    assert callable(call)
    with contextlib.suppress(spf.SpfSyntaxError):
        call(*args)
    assert time.perf_counter() - start < seconds, f"{getattr(call, '__name__', call)} took too long"


# -- SPF ---------------------------------------------------------------------------------------


@FUZZ
@given(soup(SPF_WORDS) | dns_bytes())
def test_spf_parse_record_raises_only_syntax_errors(text: str) -> None:
    try:
        record = spf.parse_record(text)
    except spf.SpfSyntaxError as err:
        assert isinstance(err.reason, str)
        return
    assert record.text == text
    spf.replace_all(record, "-all")
    spf.with_term(record, "ip4:1.2.3.4")
    spf.all_moved_last(record)
    spf.redirect_as_include(record, "-all")


@FUZZ
@given(soup(SPF_WORDS), st.booleans())
def test_spf_macro_strings_raise_only_syntax_errors(text: str, explanation: bool) -> None:
    try:
        spec = spf.parse_macro_string(text, explanation=explanation)
    except spf.SpfSyntaxError:
        return
    assert spec.text == text
    for piece in spec.pieces:
        if isinstance(piece, spf.Macro):
            assert piece.letter in spf.MACRO_LETTERS | spf.EXP_ONLY_LETTERS


@FUZZ
@given(soup(SPF_WORDS))
def test_spf_terms_and_domain_specs(text: str) -> None:
    for parse in (spf.parse_term, spf.parse_domain_spec):
        with contextlib.suppress(spf.SpfSyntaxError):
            parse(text)


# -- DMARC and DKIM: never raise ---------------------------------------------------------------


@FUZZ
@given(soup(DMARC_WORDS) | dns_bytes())
def test_dmarc_never_raises(text: str) -> None:
    dmarc.is_dmarc(text)
    dmarc.looks_like_spf(text)
    record = dmarc.parse_dmarc(text)
    assert all(isinstance(e, str) for e in record.errors)
    record.policy  # noqa: B018 - the properties must not raise either
    record.subdomain_policy  # noqa: B018
    record.with_tags(p="reject", rua=None)
    for uri in (*record.rua, *record.ruf):
        uri.usable  # noqa: B018


@FUZZ
@given(soup(DMARC_WORDS) | dns_bytes())
def test_dmarc_report_uris_never_raise(text: str) -> None:
    dmarc.parse_uri(text)


@FUZZ
@given(soup(DKIM_WORDS) | dns_bytes())
def test_dkim_never_raises(text: str) -> None:
    dkim.looks_like_dkim(text)
    record = dkim.parse_dkim(text)
    info = dkim.analyse_key(record)
    assert info.problem is None or isinstance(info.problem, str)
    record.with_tags(t=None)


@FUZZ
@given(st.binary(max_size=600))
def test_dkim_key_bytes_never_raise(raw: bytes) -> None:
    import base64

    for kind in ("rsa", "ed25519"):
        dkim.analyse_key(dkim.parse_dkim(f"v=DKIM1; k={kind}; p={base64.b64encode(raw).decode()}"))


# -- blocklist answers -------------------------------------------------------------------------

LISTS = [
    Blocklist("zen.example.org", "Z", Kind.IP, (Code("127.0.0.2", "SBL", "spam"), Code("127.0.0.4", "XBL", "bot")),
              (Refusal("127.255.255.0/24", "error"),)),
    Blocklist("bits.example.org", "B", Kind.IP, (Code("2", "A", "a"), Code("4", "B", "b")), bitmask=True),
    Blocklist("dbl.example.org", "D", Kind.DOMAIN, (Code("127.0.1.2", "spam", "spam domain"),)),
    Blocklist("other.example.org", "O", Kind.IP, (), generic=True),
]
ANSWER_WORDS = ["127.0.0.2", "127.0.0.4", "127.255.255.254", "127.0.0.255", "10.0.0.1", "0.0.0.0", "::1",
                "127.0.0.1", "256.1.1.1", "127.0.0", "\x1b[2J", ""]


@FUZZ
@given(st.sampled_from(LISTS), st.lists(st.sampled_from(ANSWER_WORDS) | st.text(max_size=20), max_size=60))
def test_dnsbl_classify_never_raises(bl: Blocklist, answers: list[str]) -> None:
    result = dnsbl.classify(bl, answers)
    assert len(result.codes) <= 32
    result.describe()
    result.severity  # noqa: B018
    dnsbl.probe_listed(bl, result)
    dnsbl.codes_text(list(answers))


@FUZZ
@given(st.sampled_from(LISTS), soup(["1.2.3.4", "::1", "[::1]", "example.com", ".", "..", "a" * 70, "xn--"]),
       st.one_of(st.none(), soup(["zen.example.org", ".", "..", "a" * 70, "\\", "@"])))
def test_dnsbl_query_names_never_raise(bl: Blocklist, target: str, zone: str | None) -> None:
    name = dnsbl.query_name(bl, target, zone)
    assert name is None or len(name.to_wire()) <= 255


# -- user-typed domains ------------------------------------------------------------------------

DOMAIN_WORDS = ["example.com", "http://", "https://", "mailto:", "@", ".", "..", ":", "/", "?", "#", "[", "]",
                "[::1]", "xn--", "xn--nxasmq6b", "bücher", "ß", "\u200d", "\u0301", "-", "_", "a" * 64,
                "1.2.3.4", "user:pass@", ":99999", ":-1", "%00", "\x00", "\u202e", "ｅｘａｍｐｌｅ", "\uff0e"]


@FUZZ
@given(soup(DOMAIN_WORDS))
def test_normalize_raises_only_input_errors(text: str) -> None:
    try:
        result = normalize(text)
    except InputError as err:
        assert "\n" not in str(err) and "\x1b" not in str(err)
        return
    assert result.domain.isascii() and result.domain == result.domain.lower()
    assert len(result.domain) <= 253 and all(0 < len(label) <= 63 for label in result.domain.split("."))
    assert to_alabel(result.domain) == result.domain


# -- huge and pathological inputs finish fast --------------------------------------------------


@pytest.mark.parametrize("text", BIG, ids=range(len(BIG)))
def test_huge_records_finish_fast(text: str) -> None:
    finishes_fast(spf.parse_record, text)
    finishes_fast(dmarc.parse_dmarc, text)
    finishes_fast(lambda t: dkim.analyse_key(dkim.parse_dkim(t)), text)
    finishes_fast(lambda t: dnsbl.classify(LISTS[0], t.split(" ")), text)


def test_huge_domain_input_finishes_fast() -> None:
    for text in ("a." * 100_000 + "com", "x" * 1_000_000, "http://" + "a" * 100_000, "@" * 100_000):
        start = time.perf_counter()
        with pytest.raises(InputError):
            normalize(text)
        assert time.perf_counter() - start < 1.0


# -- regressions found by the properties above -------------------------------------------------


def test_empty_term_is_a_syntax_error() -> None:
    with pytest.raises(spf.SpfSyntaxError, match="empty mechanism name"):
        spf.parse_term("")


@pytest.mark.parametrize("text", ["http://[", "https://[::1", "http://[zz]/", "http://a:b@[/"])
def test_broken_url_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError, match="URL without a host name"):
        normalize(text)


def test_a_zone_index_does_not_break_blocklist_names() -> None:
    """'::1%{example.com' parsed as a scoped address whose .exploded then raised."""
    assert dnsbl.ip_query_name("2a01:4f8::1%eth0", "zen.example.org") == dnsbl.ip_query_name(
        "2a01:4f8::1", "zen.example.org")
    assert dnsbl.ip_query_name("::1%{example.com", "zen.example.org") is not None
