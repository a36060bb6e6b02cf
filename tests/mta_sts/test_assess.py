"""The pure verdicts; the same paths against the real HTTPS server are in test_check.py."""

import datetime as dt

from mailaudit.mta_sts import policy
from mailaudit.mta_sts.assess import assess
from mailaudit.net.https import FetchResult, Outcome

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
URL = "https://mta-sts.example.com/.well-known/mta-sts.txt"
RECORD = ["v=spf1 -all", "v=STSv1; id=20260101"]
MX = ["mx1.example.com.", "contoso-com.h-v1.mx.microsoft."]


def ok(body: str) -> FetchResult:
    return FetchResult(URL, Outcome.OK, address="192.0.2.10", status=200, content_type="text/plain",
                       body=body.encode())


def ids(result: object) -> list[str]:
    return [i.id for i in result.issues]  # type: ignore[attr-defined]


def test_no_record_no_issue() -> None:
    result = assess("example.com", ["v=spf1 -all"], None, MX, NOW)
    assert result.issues == () and result.data == {"record": None, "policy": None}


def test_uncovered_in_enforce_is_high_and_fix_covers_all() -> None:
    body = "version: STSv1\nmode: enforce\nmx: mx1.example.com\nmx: *.mx.microsoft\nmax_age: 604800\n"
    result = assess("example.com", RECORD, ok(body), MX, NOW)
    issue = result.issues[0]
    assert (issue.id, issue.severity) == ("mta_sts.mx.uncovered", "high")
    assert issue.subject == "contoso-com.h-v1.mx.microsoft"
    assert issue.records == (("_mta-sts.example.com.", "TXT", "v=STSv1; id=20261201090000"),)
    file_text = dict(issue.params)["policy_file"]
    assert policy.parse(file_text.encode()).mx == ("mx1.example.com", "contoso-com.h-v1.mx.microsoft")
    assert result.data["policy"] == {"mode": "enforce", "max_age": 604800, "mx": ["mx1.example.com", "*.mx.microsoft"]}


def test_timeout_is_an_error_not_an_absence() -> None:
    result = assess("example.com", RECORD, FetchResult(URL, Outcome.TIMEOUT, detail="timeout"), MX, NOW)
    assert result.issues == () and result.errors[0].code == "fetch.timeout"
    assert result.data["record"] == "v=STSv1; id=20260101"


def test_refused_target_is_a_note() -> None:
    fetched = FetchResult(URL, Outcome.REFUSED_TARGET, address="127.0.0.1", detail="loopback")
    result = assess("example.com", RECORD, fetched, MX, NOW)
    assert result.issues == () and result.errors == () and result.notes[0].code == "fetch.refused_target"


def test_bom_is_unreachable_encoding() -> None:
    result = assess("example.com", RECORD, ok("\ufeffversion: STSv1\nmode: none\nmax_age: 86400\n"), MX, NOW)
    assert [(i.id, i.variant) for i in result.issues] == [("mta_sts.policy.unreachable", "encoding")]


def test_multiple_and_invalid_records() -> None:
    assert ids(assess("example.com", ["v=STSv1; id=1", "v=STSv1; id=2"], None, MX, NOW)) == ["mta_sts.record.multiple"]
    assert ids(assess("example.com", ["v=STSv1; id=2024-01-01"], None, MX, NOW)) == ["mta_sts.record.invalid"]
