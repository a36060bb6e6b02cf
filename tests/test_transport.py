"""Both live transports (the lean default and dnspython's asyncresolver) give the same typed
outcomes from a real server: answers, absences, failures, CNAMEs, TCP after truncation."""

from __future__ import annotations

import pathlib

import pytest

from mailaudit.dns import Resolver
from mailaudit.dnscore.answer import Outcome
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
