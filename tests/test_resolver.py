"""The async DNS core against a real server: outcomes, cache, de-duplication, TCP, zones."""

from __future__ import annotations

import asyncio
import pathlib

import pytest

from mailaudit.dnscore.answer import Outcome
from mailaudit.dnscore.nameservers import parse_nameserver
from mailaudit.dnscore.resolver import NOT_VERIFIABLE, Resolver
from mailaudit.errors import InputError

from .conftest import resolver_for

WHAT_IF = pathlib.Path(__file__).parent / "zones" / "resolver" / "what-if.res.test.zone"


@pytest.fixture
def server(dns_server):
    # the what-if zone is deliberately not served: it exists only as a --zone file
    srv = dns_server()
    srv.load(pathlib.Path(__file__).parent / "zones" / "resolver" / "res.test.zone")
    return srv


def test_outcomes_are_kept_apart(server):
    r = resolver_for(server)
    assert r.query_sync("a.res.test", "A").addresses() == ["94.130.12.1"]
    assert r.query_sync("a.res.test", "MX").outcome is Outcome.NODATA
    assert r.query_sync("nope.res.test", "A").outcome is Outcome.NXDOMAIN
    assert r.query_sync("empty.nonterminal.res.test", "A").outcome is Outcome.NODATA
    refused = r.query_sync("example.org", "A")
    assert refused.outcome is Outcome.ERROR and "REFUSED" in (refused.error or "")


def test_failures_are_errors_never_absences(server):
    server.timeout("a.res.test", "TXT")
    server.servfail("alias.res.test")
    r = resolver_for(server, timeout=0.2)
    timed_out = r.query_sync("a.res.test", "TXT")
    assert timed_out.outcome is Outcome.ERROR and timed_out.error == "timeout" and not timed_out.absent
    failed = r.query_sync("alias.res.test", "A")
    assert failed.outcome is Outcome.ERROR and failed.error == "SERVFAIL"


def test_unreachable_nameserver_is_an_error():
    r = Resolver(nameservers=["127.0.0.1:9"], timeout=0.2, retries=0)
    answer = r.query_sync("a.res.test", "A")
    assert answer.outcome is Outcome.ERROR


def test_cname_chain_and_loop(server):
    r = resolver_for(server)
    alias = r.query_sync("alias.res.test", "A")
    assert alias.addresses() == ["94.130.12.1"] and [n.to_text() for n in alias.cnames] == ["a.res.test."]
    loop = r.query_sync("loop1.res.test", "A")  # a loop is a failure, never an absence
    assert loop.outcome is Outcome.ERROR and "loop" in (loop.error or "")


def test_wildcard(server):
    assert resolver_for(server).query_sync("x.wild.res.test", "TXT").texts() == ["wildcard"]


def test_truncated_answers_retry_over_tcp(server):
    server.truncate("a.res.test")
    assert resolver_for(server).query_sync("a.res.test", "TXT").texts() == ["hello"]
    big = resolver_for(server).query_sync("big.res.test", "TXT")  # ~60 KB: only fits over TCP
    assert big.outcome is Outcome.ANSWER and len(big.txt()[0]) == 250 * 240


def test_cache_answers_repeats(server):
    r = resolver_for(server)
    for _ in range(3):
        r.query_sync("a.res.test", "A")
        r.query_sync("nope.res.test", "A")
    assert server.count("a.res.test", "A") == 1 and server.count("nope.res.test", "A") == 1
    assert r.stats.sent == 2 and r.stats.cache_hits == 4


def test_failed_answers_are_cached_for_the_run(server):
    server.timeout("a.res.test", "TXT")
    r = resolver_for(server, timeout=0.2)
    r.query_sync("a.res.test", "TXT")
    r.query_sync("a.res.test", "TXT")
    assert r.stats.sent == 1


def test_concurrent_asks_send_one_query(server):
    r = resolver_for(server)
    server.delay = 0.05

    async def many():
        return await asyncio.gather(*(r.query("a.res.test", "A") for _ in range(50)))

    answers = asyncio.run(many())
    assert all(a.addresses() == ["94.130.12.1"] for a in answers)
    assert server.count("a.res.test", "A") == 1
    assert r.stats.joined == 49


def test_zone_overlay_answers_inside_and_goes_live_outside(server):
    r = resolver_for(server, zones=[WHAT_IF])
    assert r.query_sync("what-if.res.test", "TXT").texts() == ["from the zone file"]
    assert r.query_sync("a.res.test", "A").addresses() == ["94.130.12.1"]
    assert server.count("what-if.res.test", "TXT") == 0


def test_offline_outside_zones_is_not_verifiable():
    r = Resolver(zones=[WHAT_IF], offline=True)
    answer = r.query_sync("a.res.test", "A")
    assert answer.outcome is Outcome.ERROR and answer.error == NOT_VERIFIABLE


@pytest.mark.parametrize("text,expected", [("10.0.0.1", ("10.0.0.1", 53)), ("127.0.0.1:5300", ("127.0.0.1", 5300)),
                                           ("::1", ("::1", 53)), ("[::1]:5353", ("::1", 5353))])
def test_parse_nameserver(text, expected):
    assert parse_nameserver(text) == expected


@pytest.mark.parametrize("bad", ["host:99999", "host:x", ""])
def test_bad_nameserver(bad):
    with pytest.raises(InputError):
        parse_nameserver(bad)


def test_sync_facade_refuses_inside_a_loop(server):
    r = resolver_for(server)

    async def inside():
        r.query_sync("a.res.test", "A")

    with pytest.raises(RuntimeError, match="running event loop"):
        asyncio.run(inside())
