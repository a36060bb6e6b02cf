"""The aggregate and TLS-RPT parsers on real reporters' variants."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest

from mailaudit.reports.dmarcxml import ReportError, parse_aggregate
from mailaudit.reports.model import Record, ReportMeta
from mailaudit.reports.tlsrpt import TlsReportError, parse_tlsrpt

from .corpus import raw


def parse(name: str) -> tuple[ReportMeta, list[Record]]:
    items = list(parse_aggregate(io.BytesIO(raw(name))))
    meta = items[0]
    assert isinstance(meta, ReportMeta)
    return meta, [r for r in items[1:] if isinstance(r, Record)]


def test_google() -> None:
    meta, records = parse("google.xml")
    assert meta.org_name == "google.com" and meta.report_id == "14963205071122334455"
    assert (meta.begin, meta.end) == (1793491200, 1793577599)
    assert meta.policy.p == "none" and meta.policy.np == "none"
    got = [(r.source_ip, r.count) for r in records]
    assert got == [("192.0.2.10", 400), ("203.0.113.7", 2400), ("203.0.113.66", 35)]
    assert records[0].dkim_aligned and records[0].dkim[0].selector == "s1"
    assert not records[1].dkim and records[1].spf_pass


def test_microsoft_arc_counts_as_forward_hint() -> None:
    _, records = parse("microsoft.xml")
    assert records[0].forward_hint and records[0].envelope_from == "example.com"
    assert records[0].spf[0].scope == "mfrom"


def test_yahoo_odd_fields() -> None:
    meta, records = parse("yahoo.xml")
    assert meta.report_id == "1793491200.551212@yahoo.com"  # <...> wrapper stripped
    assert meta.policy.domain == "example.com"  # case and trailing dot
    assert meta.begin == 1793491200  # whitespace around the number
    assert records[0].dkim_aligned and records[0].dkim[0].result == "pass"  # "Pass"
    assert len(records) == 2  # the row with a bad address is dropped, the others count


def test_mailru_ipv6_is_normalised() -> None:
    _, records = parse("mailru.xml")
    assert records[0].source_ip == "2001:db8::25"


def test_rfc9990_namespace() -> None:
    meta, records = parse("rfc9990.xml")
    assert meta.namespace == "urn:ietf:params:xml:ns:dmarc-2.0"
    assert meta.policy.np == "reject" and meta.policy.testing == "n" and meta.policy.pct == 100
    assert records[0].dkim[0].selector == "s1"


def test_schema_wrapper() -> None:
    meta, records = parse("ikea-wrapper.xml")
    assert meta.policy.domain == "example.org" and records[0].count == 3


def test_metadata_after_records_still_parses() -> None:
    doc = (b"<feedback><record><row><source_ip>192.0.2.1</source_ip><count>2</count></row></record>"
           b"<report_metadata><org_name>late</org_name><report_id>1</report_id></report_metadata>"
           b"<policy_published><domain>example.com</domain></policy_published></feedback>")
    items = list(parse_aggregate(io.BytesIO(doc)))
    assert isinstance(items[0], ReportMeta) and isinstance(items[1], Record)


def test_not_a_report() -> None:
    with pytest.raises(ReportError):
        list(parse_aggregate(io.BytesIO(b"<html><body>hi</body></html>")))


def test_tlsrpt_rfc_example() -> None:
    report = parse_tlsrpt(io.BytesIO(raw("tlsrpt-rfc8460.json")))
    policy = report.policies[0]
    assert policy.mx_hosts == ("*.mail.example.com",) and policy.failed == 303
    assert policy.failures[0].receiving_mx_hostname == "mx1.mail.example.com"
    assert policy.failures[2].reason == "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED"


@pytest.mark.parametrize(
    ("name", "mx", "failed"),
    [("tlsrpt-google.json", ("mx1.example.com", "mx2.example.com"), 0),
     ("tlsrpt-microsoft.json", (), 2), ("tlsrpt-mailru.json", (), 4), ("tlsrpt-mimecast.json", (), 0)],
)
def test_tlsrpt_variants(name: str, mx: tuple[str, ...], failed: int) -> None:
    report = parse_tlsrpt(io.BytesIO(raw(name)))
    assert report.policies[0].mx_hosts == mx and report.policies[0].failed == failed
    assert report.policies[0].policy_domain == "example.com"


def test_tlsrpt_mimecast_string_counts_and_no_policy_found() -> None:
    report = parse_tlsrpt(io.BytesIO(raw("tlsrpt-mimecast.json")))
    assert report.policies[0].successful == 12
    assert report.policies[1].policy_type == "no-policy-found"
    assert report.policies[1].failures[0].receiving_mx_hostname == "mx.example.net"


@pytest.mark.parametrize("doc", [b"{", b"[]", b'{"policies": []}', b"[" * 100000 + b"]" * 100000])
def test_tlsrpt_broken(doc: bytes) -> None:
    with pytest.raises(TlsReportError):
        parse_tlsrpt(io.BytesIO(doc))


HEAD = (b'<?xml version="1.0"?><feedback xmlns:d="urn:x"><report_metadata><org_name>o</org_name>'
        b"<report_id>1</report_id></report_metadata><policy_published><domain>example.com</domain>"
        b"</policy_published>")
ROW = (b"<record><row><source_ip>192.0.2.1</source_ip><count>2</count></row>"
       b"<identifiers><header_from>example.com</header_from></identifiers></record>")


def records_of(doc: bytes) -> list[Record]:
    return [r for r in parse_aggregate(io.BytesIO(doc)) if isinstance(r, Record)]


def test_fast_path_batches_and_odd_tags() -> None:
    odd = ROW.replace(b"</record>", b"</record >").replace(b"<record>", b"<record\n>")
    prefixed = ROW.replace(b"<record>", b"<d:record>").replace(b"</record>", b"</d:record>")
    doc = HEAD + ROW * 30000 + odd + prefixed + ROW + b"</feedback>\n"
    got = records_of(doc)
    assert len(got) == 30003 and sum(r.count for r in got) == 60006


@pytest.mark.parametrize("tail", [b"</feedback><junk/>", b"<record><row>", b""])
def test_fast_path_refuses_what_does_not_end_well(tail: bytes) -> None:
    with pytest.raises((ReportError, ET.ParseError)):
        records_of(HEAD + ROW + tail)


def test_entity_in_records_is_refused() -> None:
    with pytest.raises(ET.ParseError):
        records_of(HEAD + ROW.replace(b"192.0.2.1", b"&xxe;") + b"</feedback>")
