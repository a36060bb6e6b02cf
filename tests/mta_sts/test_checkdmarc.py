"""checkdmarc 6.0.4 as an oracle: same fixtures, both verdicts; every difference is in docs/transport-security.md."""

from __future__ import annotations

import pytest

checkdmarc_mta_sts = pytest.importorskip("checkdmarc.mta_sts")

from mailaudit.mta_sts import mx, policy, record  # noqa: E402

GOOD = "version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 604800\n"


def theirs_policy(text: str) -> str:
    try:
        result = checkdmarc_mta_sts.parse_mta_sts_policy(text)
    except checkdmarc_mta_sts.MTASTSPolicyError:
        return "invalid"
    return "warning" if result["warnings"] else "valid"


def ours_policy(text: str) -> str:
    parsed = policy.parse(text.encode("utf-8"))
    if not parsed.valid:
        return "invalid"
    return "warning" if parsed.problems else "valid"


@pytest.mark.parametrize(
    ("name", "text", "theirs", "ours"),
    [
        ("good", GOOD, "valid", "valid"),
        ("crlf", GOOD.replace("\n", "\r\n"), "valid", "valid"),
        ("bom", "\ufeff" + GOOD, "invalid", "invalid"),
        ("html soft 404", "<html><body>Not found</body></html>", "invalid", "invalid"),
        ("mx trailing dot", GOOD.replace(".com\n", ".com.\n", 1), "invalid", "invalid"),
        ("mode none without mx", "version: STSv1\nmode: none\nmax_age: 86400\n", "valid", "valid"),
        # differences (explained in docs/transport-security.md):
        ("max_age 300 in enforce", GOOD.replace("604800", "300"), "valid", "warning"),
        ("max_age 0", GOOD.replace("604800", "0"), "valid", "warning"),
    ],
)
def test_policy_verdicts(name: str, text: str, theirs: str, ours: str) -> None:
    assert (theirs_policy(text), ours_policy(text)) == (theirs, ours)


@pytest.mark.parametrize(
    ("text", "theirs_valid", "ours_valid"),
    [("v=STSv1; id=20240101", True, True), ("v=STSv1; id=2024-01-01", False, False),
     ("v=STSv1; id=" + "1" * 33, False, False), ("v=STSv1 ; id=1", True, True)],
)
def test_record_verdicts(text: str, theirs_valid: bool, ours_valid: bool) -> None:
    try:
        checkdmarc_mta_sts.parse_mta_sts_record(text)
        theirs = True
    except checkdmarc_mta_sts.MTASTSError:
        theirs = False
    assert (theirs, record.parse(text).valid) == (theirs_valid, ours_valid)


@pytest.mark.parametrize(
    ("host", "patterns"),
    [("contoso-com.h-v1.mx.microsoft", ["*.mx.microsoft"]), ("a.example.net", ["*.example.net"]),
     ("a.b.example.net", ["*.example.net"]), ("example.net", ["*.example.net"]),
     ("mail.example.com.evil.example", ["mail.example.com"]), ("MAIL.example.com", ["mail.example.com"])],
)
def test_mx_coverage_agrees(host: str, patterns: list[str]) -> None:
    assert checkdmarc_mta_sts.mx_in_mta_sts_patterns(host, patterns) is mx.matches(patterns[0], host)
