import pytest

from mailaudit.mta_sts import record


def codes(text: str) -> list[str]:
    return [p.code for p in record.parse(text).problems]


@pytest.mark.parametrize("text", ["v=STSv1; id=20260101000000", "v=STSv1;id=abc;", "v=STSv1; id=A1; ext=val.ue"])
def test_valid_records(text: str) -> None:
    parsed = record.parse(text)
    assert parsed.valid and parsed.id


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("v=STSv1; id=2024-01-01", "record.id.invalid"),
        ("v=STSv1; id=" + "a" * 33, "record.id.invalid"),
        ("v=STSv1; id=", "record.id.invalid"),
        ("v=STSv1", "record.id.missing"),
        ("v=STSv1; ida", "record.syntax"),
        ("v=STSv2; id=1", "record.version"),
        ("v=STSv1; id=1; x=a;b", "record.syntax"),
    ],
)
def test_invalid_records(text: str, code: str) -> None:
    assert code in codes(text)
    assert not record.parse(text).valid


def test_duplicate_id_first_wins_with_warning() -> None:
    parsed = record.parse("v=STSv1; id=first; id=second")
    assert parsed.id == "first" and parsed.valid and "record.duplicate" in codes("v=STSv1; id=a; id=b")


def test_space_before_delimiter_is_a_warning() -> None:
    parsed = record.parse("v=STSv1 ; id=1")
    assert parsed.valid and [p.code for p in parsed.problems] == ["record.space_before_delimiter"]


def test_select_discards_unrelated_txt() -> None:
    texts = ["v=spf1 -all", "v=STSv1; id=1", "v=STSv10; id=2", "something v=STSv1", "v=STSv1 ; id=3"]
    assert record.select(texts) == ["v=STSv1; id=1", "v=STSv1 ; id=3"]


def test_fixed_value() -> None:
    assert record.parse(record.fixed_value("20261201093000")).valid


def test_hostile_input_does_not_crash() -> None:
    parsed = record.parse("v=STSv1; " + "\x1b[31m=;" * 5000)
    assert not parsed.valid and all(len(p.value) <= 80 for p in parsed.problems)
