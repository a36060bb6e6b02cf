"""Hostile input: MIME bombs, a 50 MB message, huge headers, broken encodings, escape sequences,
comment bombs. Every case finishes fast, within bounded memory, and reaches no output unescaped."""

from __future__ import annotations

import pathlib
import time
import tracemalloc
from collections.abc import Callable

import pytest

from mailaudit.explain.authresults import parse_authentication_results
from mailaudit.explain.evidence import UnreadableInput, read_evidence
from mailaudit.explain.limits import Limits
from mailaudit.explain.mime import parse_message
from mailaudit.explain.received import parse_received
from mailaudit.explain.replies import find_replies

ZONE = pathlib.Path(__file__).parent / "zones" / "example.com.zone"
HEAD = b"From: a@example.com\r\nTo: b@example.org\r\nSubject: x\r\n"


def _bounded(work: Callable[[], object], seconds: float = 10.0, megabytes: int = 200) -> object:
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = work()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < seconds
    assert peak < megabytes * 1024 * 1024
    return result


def test_deeply_nested_multipart_bomb() -> None:
    depth = 5000
    raw = HEAD + b"".join(f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
                          for i in range(depth)) + b"Content-Type: text/plain\r\n\r\nhi\r\n"
    message = _bounded(lambda: parse_message(raw))
    assert "too_deep" in message.problems  # type: ignore[attr-defined]


def test_many_parts_bomb() -> None:
    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(100_000))
    raw = HEAD + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n' + parts + b"--b--\r\n"
    message = _bounded(lambda: parse_message(raw))
    assert "too_many_parts" in message.problems  # type: ignore[attr-defined]
    assert len(message.parts) <= Limits().max_parts  # type: ignore[attr-defined]


def test_nested_attached_messages_bomb() -> None:
    raw = HEAD
    for _ in range(50):
        raw = HEAD + b"Content-Type: message/rfc822\r\n\r\n" + raw
    message = _bounded(lambda: parse_message(raw))
    assert "too_deep" in message.problems  # type: ignore[attr-defined]


def test_fifty_megabyte_message_is_cut_and_said_so() -> None:
    raw = HEAD + b"Content-Type: text/plain\r\n\r\n" + b"A" * (50 * 1024 * 1024)
    evidence = _bounded(lambda: read_evidence(raw), seconds=15.0, megabytes=400)
    assert "truncated" in evidence.problems  # type: ignore[attr-defined]


def test_megabyte_header_and_many_fields() -> None:
    raw = b"From: a@example.com\r\nSubject: " + b"x" * (2 * 1024 * 1024) + b"\r\n" + \
        b"".join(b"X-F%d: v\r\n" % i for i in range(5000)) + b"\r\nbody"
    message = _bounded(lambda: parse_message(raw))
    assert "header_too_large" in message.problems  # type: ignore[attr-defined]


def test_encoded_word_bomb_stays_linear() -> None:
    from mailaudit.explain.mime import parse_headers

    fields = b"".join(b"X-%d: " % i + b"=?a?q?x" * 3000 + b"\r\n" for i in range(100))
    _bounded(lambda: parse_headers(b"Subject: " + b"=?a?q?x" * 40000 + b"\r\n" + fields + b"\r\n"))
    headers, _ = parse_headers(b"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= =?utf-8?q?_aus?= Berlin\r\n\r\n")
    assert headers == (("subject", "Grüße aus Berlin"),)


def test_html_bombs_stay_linear() -> None:
    from mailaudit.explain.bounce import html_text

    for markup in ("<a " * 300_000, "<" * 1_000_000, "<a>" * 300_000, "<script>" + "<" * 500_000):
        _bounded(lambda markup=markup: html_text(markup))  # type: ignore[misc]
    assert html_text("<style>p{x}</style><p>550 &amp; <b>5.7.1</b><SCRIPT>alert(1)</script>") == "\n550 & 5.7.1"


def test_broken_encodings_are_read_with_replacements() -> None:
    raw = (HEAD + b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n"
           b"--b\r\nContent-Type: text/plain; charset=x-no-such-charset\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           b"NTUwIDUuMS4xIHVzZXIgdW5rbm93bg=!!not base64\xff\xfe\r\n"
           b"--b\r\nContent-Type: message/delivery-status\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
           b"Reporting-MTA: dns; mx=2Eexample.org\r\n\r\nFinal-Recipient: rfc822; b@example.org\r\n"
           b"Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown =C3=28\r\n--b--\r\n")
    evidence = read_evidence(raw)
    assert evidence.kind == "bounce" and evidence.rejections[0].reply.status == "5.1.1"


def test_escape_sequences_never_reach_the_output(capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    from mailaudit.cli import main

    esc = "\x1b]8;;http://evil.test\x07click\x1b[2J\u202e"
    raw = (f"From: MAILER-DAEMON <x@relay.example.com>\r\nTo: {esc}@example.com\r\nSubject: Undelivered {esc}\r\n"
           f"\r\n<{esc}@example.org>: host mx.example.org[198.51.100.1] said: 550 5.1.1 <{esc}>: user unknown\r\n")
    path = tmp_path / "bounce.eml"  # type: ignore[operator]
    path.write_bytes(raw.encode())
    for fmt in ("table", "markdown", "json"):
        main(["explain", str(path), "--format", fmt, "--offline", "--zone", str(ZONE)])
        out = capsys.readouterr().out
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out


def test_comment_and_paren_bombs() -> None:
    value = "x; dkim=pass " + "(" * 200_000 + ")" * 200_000 + " header.d=example.com"
    _bounded(lambda: parse_authentication_results(value))
    _bounded(lambda: parse_received("from a " + "(" * 200_000 + " [203.0.113.7] by b"))
    _bounded(lambda: find_replies("550 5.7.1 " + "x" * 5_000_000))
    _bounded(lambda: find_replies("550-5.7.1 a\n" * 200_000))


@pytest.mark.parametrize("data", [b"\x00\x01\x02 binary junk", b"hello world\n", "ünïcode ☃".encode()])
def test_unexplainable_input_is_one_clear_error(data: bytes) -> None:
    with pytest.raises(UnreadableInput):
        read_evidence(data)


@pytest.mark.parametrize("args", [["/no/such/file.eml"], ["."]])
def test_bad_input_exits_2_with_one_line(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from mailaudit.cli import main

    assert main(["explain", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_junk_file_exits_2(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    from mailaudit.cli import main

    path = tmp_path / "junk.txt"  # type: ignore[operator]
    path.write_bytes(b"\x00\xff nothing to see")
    assert main(["explain", str(path)]) == 2
    assert "no SMTP reply" in capsys.readouterr().err


def test_standard_input(tmp_path: object) -> None:
    import subprocess
    import sys

    data = (pathlib.Path(__file__).parent / "data" / "quota.txt").read_bytes()
    done = subprocess.run([sys.executable, "-m", "mailaudit", "explain", "-", "--format", "json", "--offline",
                           "--zone", str(ZONE)], input=data, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert b'"explain.recipient.full"' in done.stdout
    empty = subprocess.run([sys.executable, "-m", "mailaudit", "explain", "-"], input=b"", capture_output=True,
                           timeout=60, check=False)
    assert empty.returncode == 2 and empty.stderr.count(b"\n") == 1
