"""Both live transports (the lean default and dnspython's asyncresolver) give the same typed
outcomes from a real server: answers, absences, failures, CNAMEs, TCP after truncation; and the
lean transport's own mechanics (one timeout sweep, callbacks, shared futures, the owner reader)."""

from __future__ import annotations

import asyncio
import contextlib
import pathlib
import struct

import dns.name
import dns.rdatatype
import hypothesis
import hypothesis.strategies
import pytest

from mailaudit.dns import Resolver
from mailaudit.dnscore.answer import Answer, Outcome
from mailaudit.dnscore.chain import name_key
from mailaudit.dnscore.resolver import PROBATION, _text_key
from mailaudit.dnscore.transport import to_answer
from mailaudit.errors import InputError

ZONE = pathlib.Path(__file__).parent / "zones" / "resolver" / "res.test.zone"


@pytest.fixture
def server(dns_server):
    srv = dns_server()
    srv.load(ZONE)
    return srv


@pytest.mark.parametrize("transport", ["lean", "dnspython"])
def test_transports_agree(server, transport):
    server.timeout("a.res.test", "MX")
    server.servfail("alias.res.test")
    server.truncate("loop1.res.test")
    r = Resolver([server.address], timeout=0.3, retries=0, transport=transport)
    assert r.query_sync("a.res.test", "A").addresses() == ["94.130.12.1"]
    assert r.query_sync("a.res.test", "AAAA").outcome is Outcome.NODATA
    assert r.query_sync("nope.res.test", "A").outcome is Outcome.NXDOMAIN
    timeout = r.query_sync("a.res.test", "MX")
    assert timeout.outcome is Outcome.ERROR and timeout.error == "timeout"
    assert r.query_sync("alias.res.test", "A").error == "SERVFAIL"
    assert r.query_sync("example.org", "A").error == "REFUSED"
    big = r.query_sync("big.res.test", "TXT")
    assert big.outcome is Outcome.ANSWER and len(big.txt()[0]) == 250 * 240
    chained = r.query_sync("x.wild.res.test", "TXT")
    assert chained.texts() == ["wildcard"]


def test_lean_transport_follows_cnames_in_the_answer(server):
    r = Resolver([server.address], timeout=0.3, retries=0)
    alias = r.query_sync("alias.res.test", "A")
    assert alias.addresses() == ["94.130.12.1"] and [n.to_text() for n in alias.cnames] == ["a.res.test."]


def test_unknown_transport_is_an_input_error():
    with pytest.raises(InputError):
        Resolver(["127.0.0.1"], transport="carrier-pigeon")


# -- the lean transport's own mechanics: one timer, callbacks, shared futures --------------------


def test_many_questions_in_flight_each_answered_or_timed_out(server):
    """200 questions at once, every fourth timing out: one sweep timer fails exactly those."""
    for i in range(0, 200, 4):
        server.timeout(f"n{i}.res.test", "A")
    r = Resolver([server.address], timeout=0.3, retries=0, self_check=False)

    async def ask_all() -> list:
        return await asyncio.gather(*(r.query(f"n{i}.res.test", "A") for i in range(200)))

    answers = r.run_sync(ask_all)
    assert [a.error for a in answers[::4]] == ["timeout"] * 50
    assert all(a.outcome is Outcome.NXDOMAIN for i, a in enumerate(answers) if i % 4)
    assert server.total == 200  # each asked once: retries=0


def test_closing_fails_questions_still_in_flight(server):
    server.silence()
    r = Resolver([server.address], timeout=5.0, retries=0, self_check=False)

    async def close_early() -> Answer:
        pending = asyncio.ensure_future(r.query("a.res.test", "A"))
        while server.total == 0:
            await asyncio.sleep(0.01)
        await r.aclose()
        return await asyncio.wait_for(pending, 1.0)  # no waiting for the 5 s timeout

    answer = r.run_sync(close_early)
    assert answer.outcome is Outcome.ERROR and answer.error == "the resolver was closed"


def test_a_cancelled_waiter_does_not_cancel_the_question_for_the_others(dns_server):
    slow = dns_server(delay=0.2)
    slow.load(ZONE)
    r = Resolver([slow.address], timeout=2.0, retries=0, self_check=False)

    async def two_waiters() -> Answer:
        first = asyncio.ensure_future(r.query("a.res.test", "A"))
        second = asyncio.ensure_future(r.query("a.res.test", "A"))
        await asyncio.sleep(0.05)
        first.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await first
        return await second

    assert r.run_sync(two_waiters).addresses() == ["94.130.12.1"]
    assert slow.count("a.res.test.", "A") == 1


def test_the_first_round_goes_out_with_the_self_check_and_no_more(dns_server):
    """Before the self-check's verdict at most PROBATION questions go out (one domain's first
    round need not wait for it); the rest follow the verdict."""
    slow = dns_server(delay=0.3)
    slow.load(ZONE)
    r = Resolver([slow.address], timeout=2.0, retries=0)

    async def burst() -> tuple[int, list]:
        asks = asyncio.gather(*(r.query(f"n{i}.res.test", "A") for i in range(3 * PROBATION)))
        await asyncio.sleep(0.15)  # the self-check's answers are not back yet
        early = slow.total
        return early, await asks

    early, answers = r.run_sync(burst)
    assert early == 2 + PROBATION  # root SOA, the .invalid name, and the first PROBATION questions
    assert all(a.outcome is Outcome.NXDOMAIN for a in answers) and slow.total == 2 + 3 * PROBATION


def _response(answer_owner: bytes) -> bytes:
    """A response to ``a.res.test A`` with one A record whose owner is ``answer_owner`` (wire)."""
    question = dns.name.from_text("a.res.test").to_wire() + struct.pack("!HH", 1, 1)
    header = struct.pack("!HHHHHH", 1, 0x8180, 1, 1, 0, 0)
    return header + question + answer_owner + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([94, 130, 12, 1])


def test_answer_owners_read_with_compression_and_hostile_pointers_refused():
    name = dns.name.from_text("a.res.test")
    good = to_answer(name, dns.rdatatype.A, _response(b"\xc0\x0c"))  # a pointer to the question's name
    assert good.addresses() == ["94.130.12.1"]
    upper = to_answer(name, dns.rdatatype.A, _response(b"\x01A\x03RES\x04TEST\x00"))  # case does not matter
    assert upper.addresses() == ["94.130.12.1"]
    wire = _response(b"")
    looping = wire[: len(wire) - 14] + struct.pack("!H", 0xC000 | (len(wire) - 14)) + wire[len(wire) - 14 :]
    for hostile in (looping, _response(b"\xc0\xff"), _response(b"\x80abc"), _response(b"\x3fabc")):
        answer = to_answer(name, dns.rdatatype.A, hostile)
        assert answer.outcome is Outcome.ERROR and (answer.error or "").startswith("malformed answer")


@hypothesis.given(hypothesis.strategies.text(alphabet="aZ09-_.*@ \\xé", max_size=80))
def test_text_keys_equal_the_keys_of_names(text):
    key = _text_key(text)
    if key is not None:
        assert key == name_key(dns.name.from_text(text))


def test_a_bad_name_raises_when_awaited_not_when_asked():
    """``Resolver.ask`` (what ``ctx.query`` returns) fails on await, like ``query``: a caller that
    gathers it with coroutines must not leave those unawaited."""
    r = Resolver(offline=True)

    async def ask() -> None:
        future = r.ask("x" * 64 + ".test", "A")  # a label over 63 octets
        with pytest.raises(InputError):
            await future
        with pytest.raises(InputError):
            await r.query("x" * 64 + ".test", "A")

    r.run_sync(ask)


def test_closing_while_sockets_open_never_leaves_a_question_hanging(server):
    """A question waiting for its sockets (the first of a loop) or on TCP, whose task ``aclose``
    cancels, is told it failed; one asked after ``aclose`` fails at once (no new sockets). A
    batch stopped with Ctrl-C waits for such questions: they must all end."""
    r = Resolver([server.address], timeout=5.0, retries=0, self_check=False)

    async def close_at_once() -> tuple[Answer, Answer]:
        first = r.ask("a.res.test", "A")  # no sockets yet: they open in a task
        await r.aclose()
        later = r.ask("alias.res.test", "A")
        return await asyncio.wait_for(first, 1.0), await asyncio.wait_for(later, 1.0)

    first, later = r.run_sync(close_at_once)
    assert first.error == later.error == "the resolver was closed"
    assert r.query_sync("a.res.test", "A").addresses() == ["94.130.12.1"]  # a new loop: a new pool
