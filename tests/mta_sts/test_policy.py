import pytest

from mailaudit.mta_sts import policy

GOOD = b"version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmax_age: 604800\n"


def codes(body: bytes) -> list[str]:
    return [p.code for p in policy.parse(body).problems]


def test_good_policy() -> None:
    parsed = policy.parse(GOOD)
    assert parsed.valid and parsed.problems == ()
    assert parsed.as_data() == {"mode": "enforce", "max_age": 604800, "mx": ["mail.example.com", "*.example.net"]}


def test_crlf_and_trailing_space_accepted() -> None:
    assert policy.parse(GOOD.replace(b"\n", b"\r\n").replace(b"enforce", b"enforce  ")).valid


def test_mode_none_needs_no_mx() -> None:
    assert policy.parse(b"version: STSv1\nmode: none\nmax_age: 86400\n").valid


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"\xef\xbb\xbf" + GOOD, "policy.bom"),
        (GOOD.replace(b"mail.", "maïl.".encode()), "policy.non_ascii"),
        (GOOD.replace(b"\n", b"\r"), "policy.cr"),
        (b"<html><body>Not found</body></html>", "policy.line.syntax"),
        (GOOD.replace(b"mode:", b"mode :"), "policy.line.syntax"),
        (GOOD.replace(b"mode:", b" mode:"), "policy.line.syntax"),
        (GOOD.replace(b"STSv1", b"STSv2"), "policy.version"),
        (GOOD.replace(b"enforce", b"enforcing"), "policy.mode"),
        (GOOD.replace(b"604800", b"31557601"), "policy.max_age.over"),
        (GOOD.replace(b"604800", b"-1"), "policy.max_age"),
        (GOOD.replace(b"max_age: 604800\n", b""), "policy.max_age"),
        (GOOD.replace(b"mail.example.com", b"mail.example.com."), "policy.mx.invalid"),
        (GOOD.replace(b"*.example.net", b"*.*.example.net"), "policy.mx.invalid"),
        (b"version: STSv1\nmode: enforce\nmax_age: 86400\n", "policy.mx.missing"),
        (b"version: STSv1\nmode: testing\nmax_age: 86400\n", "policy.mx.missing"),
    ],
)
def test_fatal_problems(body: bytes, code: str) -> None:
    assert code in codes(body)
    assert not policy.parse(body).valid


def test_line_numbers() -> None:
    problem = next(p for p in policy.parse(GOOD.replace(b"mx: *.example.net", b"mx *.example.net")).problems)
    assert (problem.code, problem.line) == ("policy.line.syntax", 4)


def test_warnings_keep_policy_usable() -> None:
    body = GOOD.replace(b"604800", b"300") + b"mode: testing\nfuture_key: x\n"
    parsed = policy.parse(body)
    assert parsed.valid and parsed.mode == "enforce" and parsed.max_age == 300
    assert codes(body) == ["policy.duplicate", "policy.max_age.low"]


def test_hostile_body_is_bounded() -> None:
    parsed = policy.parse(b"\x1b]0;pwned\x07: x\n" * 10000)
    assert not parsed.valid and all(len(p.value) <= 80 for p in parsed.problems)
