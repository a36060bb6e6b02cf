import pytest

from mailaudit.tls_rpt import record


def test_valid_with_two_destinations() -> None:
    parsed = record.parse("v=TLSRPTv1; rua=mailto:tls@example.com, https://reports.example.net/tlsrpt")
    assert parsed.valid
    assert [(d.scheme, d.domain) for d in parsed.destinations] == [
        ("mailto", "example.com"), ("https", "reports.example.net")]


def test_multiple_rua_fields_add_up() -> None:
    parsed = record.parse("v=TLSRPTv1;rua=mailto:a@example.com;rua=mailto:b@example.org;")
    assert parsed.valid and len(parsed.destinations) == 2


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("v=TLSRPTv1", "record.rua.missing"),
        ("v=TLSRPTv1; rua=http://example.com/r", "record.rua.invalid"),
        ("v=TLSRPTv1; rua=mailto:tls@example", "record.rua.invalid"),
        ("v=TLSRPTv1; rua=mailto:", "record.rua.invalid"),
        ("v=TLSRPTv1; rua=https://192.0.2.1/r", "record.rua.invalid"),
        ("v=TLSRPTv1; rua=ftp://example.com/", "record.rua.invalid"),
        ("v=TLSRPTv2; rua=mailto:a@example.com", "record.version"),
        ("v=TLSRPTv1; rua", "record.syntax"),
    ],
)
def test_invalid(text: str, code: str) -> None:
    parsed = record.parse(text)
    assert code in [p.code for p in parsed.problems] and not parsed.valid


def test_select() -> None:
    assert record.select(["v=spf1 -all", "v=TLSRPTv1; rua=mailto:a@b.c", "v=TLSRPTv10"]) == [
        "v=TLSRPTv1; rua=mailto:a@b.c"]


def test_fixed_value() -> None:
    assert record.parse(record.fixed_value("tls-reports@example.com")).valid
