"""Pure SMTP reply parsing: codes, multi-line replies, enhanced codes, EHLO keywords, hostile lines."""

from __future__ import annotations

import pytest

from mailaudit.smtp.replies import MAX_LINE, ReplyError, assemble, parse_ehlo, parse_line


def reply(*raw: bytes):
    return assemble([parse_line(r) for r in raw])


def test_multiline_ehlo() -> None:
    ehlo = parse_ehlo(
        reply(b"250-mx.example.test hello\r\n", b"250-SIZE 1000\r\n", b"250-starttls\r\n", b"250 8BITMIME\r\n")
    )
    assert ehlo.greeting == "mx.example.test hello"
    assert ehlo.has("STARTTLS") and ehlo.has("size") and not ehlo.masked_starttls


def test_masked_starttls() -> None:
    ehlo = parse_ehlo(reply(b"250-mx\r\n", b"250 XXXXXXXA\r\n"))
    assert ehlo.masked_starttls and not ehlo.has("STARTTLS")


def test_enhanced_codes() -> None:
    r = reply(b"550 5.7.51 TenantInboundAttribution; blocked\r\n")
    assert r.code == 550 and r.kind == 5 and r.enhanced == "5.7.51"
    assert reply(b"550 4.7.1 mismatched class\r\n").enhanced is None
    assert reply(b"250 ok\r\n").enhanced is None
    assert reply(b"220\r\n").text == ""


def test_transcript_round_trip() -> None:
    r = reply(b"250-a\r\n", b"250 b\r\n")
    assert r.transcript() == "250-a\n250 b"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"hello\r\n",
        b"25\r\n",
        b"999 x\r\n",
        b"100 x\r\n",
        b"250_x\r\n",
        b"\xd9\xa2\xd9\xa5\xd9\xa0 x\r\n",
        b"2" * (MAX_LINE + 1),
    ],
)
def test_bad_lines(raw: bytes) -> None:
    with pytest.raises(ReplyError):
        parse_line(raw)


def test_lines_must_agree() -> None:
    with pytest.raises(ReplyError):
        assemble([parse_line(b"250-a\r\n"), parse_line(b"550 b\r\n")])
    with pytest.raises(ReplyError):
        assemble([])
