import pytest

from mailaudit.bimi import record


def test_valid_record() -> None:
    parsed = record.parse("v=BIMI1; l=https://example.com/logo.svg; a=https://example.com/vmc.pem")
    assert parsed.valid
    assert (parsed.logo, parsed.evidence) == ("https://example.com/logo.svg", "https://example.com/vmc.pem")


def test_declination() -> None:
    parsed = record.parse("v=BIMI1; l=;")
    assert parsed.valid and parsed.declined and parsed.logo is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("v=BIMI1;", "record.l.missing"),
        ("v=BIMI1; l=http://example.com/logo.svg", "record.l.invalid"),
        ("v=BIMI1; l=https://203.0.113.5/logo.svg", "record.l.invalid"),
        ("v=BIMI1; l=https://a.example/1.svg,https://a.example/2.svg", "record.l.invalid"),
        ("v=BIMI1; l=https://example.com/l.svg; a=https://[2001:db8::1]/vmc.pem", "record.a.invalid"),
        ("v=BIMI1; l=https://example.com/l.svg; avp=logo", "record.avp.invalid"),
        ("v=BIMI1; l=https://example.com/l.svg; lps=a_b", "record.lps.invalid"),
        ("v=BIMI1; l=https://example.com/l.svg; l=https://example.com/m.svg", "record.duplicate"),
        ("l=https://example.com/l.svg; v=BIMI1", "record.version"),
        ("v=BIMI2; l=https://example.com/l.svg", "record.version"),
        ("v=BIMI1; garbage", "record.syntax"),
    ],
)
def test_invalid(text: str, code: str) -> None:
    parsed = record.parse(text)
    assert code in [p.code for p in parsed.problems] and not parsed.valid


def test_select() -> None:
    assert record.select(["v=spf1 -all", "v=BIMI1; l=", "v=BIMI10; l="]) == ["v=BIMI1; l="]


def test_fixed_value() -> None:
    assert record.parse(record.fixed_value("https://example.com/l.svg", "https://example.com/v.pem")).valid
