import pytest

from mailaudit.mta_sts import fix, mx, policy


@pytest.mark.parametrize(
    ("pattern", "host", "covered"),
    [
        ("mail.example.com", "mail.example.com", True),
        ("mail.example.com", "MAIL.Example.com.", True),
        ("*.example.net", "a.example.net", True),
        ("*.example.net", "example.net", False),
        ("*.example.net", "a.b.example.net", False),
        ("*.mx.microsoft", "contoso-com.h-v1.mx.microsoft", False),
        ("*.mail.protection.outlook.com", "contoso-com.mail.protection.outlook.com", True),
        ("*.example.net", "aexample.net", False),
        ("mail.example.com", "mail.example.com.evil", False),
    ],
)
def test_one_label_wildcards(pattern: str, host: str, covered: bool) -> None:
    assert mx.matches(pattern, host) is covered


def test_uncovered_and_unused() -> None:
    patterns = ["*.mail.protection.outlook.com", "old.example.com"]
    hosts = ["contoso-com.mail.protection.outlook.com", "contoso-com.h-v1.mx.microsoft"]
    assert mx.uncovered(patterns, hosts) == ["contoso-com.h-v1.mx.microsoft"]
    assert mx.unused(patterns, hosts) == ["old.example.com"]


def test_fix_covers_every_real_mx_and_drops_stale() -> None:
    hosts = ["contoso-com.mail.protection.outlook.com.", "contoso-com.h-v1.mx.microsoft."]
    patterns = fix.policy_patterns(["*.mail.protection.outlook.com", "old.example.com"], hosts)
    assert patterns == ["*.mail.protection.outlook.com", "contoso-com.h-v1.mx.microsoft"]
    text = fix.policy_file("enforce", fix.ENFORCE_MAX_AGE, patterns)
    parsed = policy.parse(text.encode())
    assert parsed.valid and parsed.problems == ()
    assert mx.uncovered(parsed.mx, hosts) == []


def test_new_id_is_valid() -> None:
    import datetime as dt

    from mailaudit.mta_sts import record

    value = fix.new_id(dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC))
    assert value == "20261201093000" and record.parse(record.fixed_value(value)).valid
