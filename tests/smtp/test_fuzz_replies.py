"""Whatever a server sends, the reply parser answers a Reply or a ReplyError: never anything else."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mailaudit.smtp.replies import ReplyError, assemble, parse_ehlo, parse_line


@given(st.lists(st.binary(max_size=300), min_size=1, max_size=20))
def test_parser_never_crashes(lines: list[bytes]) -> None:
    parsed = []
    for raw in lines:
        try:
            parsed.append(parse_line(raw))
        except ReplyError:
            return
    try:
        reply = assemble(parsed)
    except ReplyError:
        return
    assert 200 <= reply.code <= 599
    parse_ehlo(reply)
    assert reply.enhanced is None or reply.enhanced.count(".") == 2
    reply.transcript()
