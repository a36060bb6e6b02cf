"""Resolver.query_signed: the DO query option the validator fetches through (both transports)."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import Callable

import dns.name
import dns.rdatatype
import pytest

from mailaudit.dnscore.resolver import Resolver
from mailaudit.dnssec.anchors import parse_anchors
from mailaudit.dnssec.model import Status
from mailaudit.dnssec.validator import Validator

from .signedserver import SignedServer
from .signing import World

Serve = Callable[..., SignedServer]
MX = dns.rdatatype.MX
NAME = dns.name.from_text("example.test.")


def resolver(server: SignedServer, transport: str = "lean", **kw: object) -> Resolver:
    return Resolver([server.address], timeout=0.5, retries=0, transport=transport, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("transport", ["lean", "dnspython"])
def test_signed_answer_keeps_rrsigs_with_their_rrset(signed_server: Serve, transport: str) -> None:
    res = resolver(signed_server(), transport)
    fetched = asyncio.run(res.query_signed(NAME, "MX"))
    assert fetched.error is None
    item = fetched.find(NAME, MX)
    assert item is not None and item.rrsigs is not None
    assert {sig.type_covered for sig in item.rrsigs} == {MX}


@pytest.mark.parametrize("transport", ["lean", "dnspython"])
def test_negative_answer_carries_the_denial(signed_server: Serve, transport: str) -> None:
    fetched = asyncio.run(resolver(signed_server(), transport).query_signed("nothere.example.test.", "A"))
    assert fetched.error is None and fetched.rcode == 3
    assert fetched.denial(dns.rdatatype.NSEC) and all(i.rrsigs for i in fetched.denial(dns.rdatatype.NSEC))


def test_signed_questions_are_cached_and_deduplicated(signed_server: Serve) -> None:
    server = signed_server()
    res = resolver(server)

    async def run() -> None:
        await asyncio.gather(*(res.query_signed(NAME, "MX") for _ in range(5)))
        await res.query_signed(NAME, "MX")

    asyncio.run(run())
    assert server.count("example.test.", "MX") == 1
    assert res.stats.joined == 4 and res.stats.cache_hits == 1


def test_plain_and_signed_questions_do_not_share_answers(signed_server: Serve) -> None:
    server = signed_server()
    res = resolver(server)

    async def run() -> None:
        plain = await res.query(NAME, "MX")
        assert plain.ok and len(plain.rdatas) == 1
        signed = await res.query_signed(NAME, "MX")
        assert signed.find(NAME, MX) is not None

    asyncio.run(run())
    assert server.count("example.test.", "MX") == 2


@pytest.mark.parametrize("transport", ["lean", "dnspython"])
def test_timeout_stays_a_failure(signed_server: Serve, transport: str) -> None:
    server = signed_server().timeout("example.test.", "MX")
    fetched = asyncio.run(resolver(server, transport).query_signed(NAME, "MX"))
    assert fetched.error == "timeout" and fetched.answer == ()


def test_servfail_is_a_failure(signed_server: Serve) -> None:
    server = signed_server().servfail("example.test.")
    fetched = asyncio.run(resolver(server).query_signed(NAME, "MX"))
    assert fetched.error == "SERVFAIL"


def test_zone_files_and_offline_are_not_verifiable(tmp_path: pathlib.Path, signed_server: Serve) -> None:
    zone = tmp_path / "example.test.zone"
    zone.write_text("$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 300\n@ MX 10 mx\n")
    server = signed_server()
    what_if = asyncio.run(resolver(server, zones=[str(zone)]).query_signed(NAME, "MX"))
    assert what_if.error is not None and "--zone" in what_if.error
    outside = asyncio.run(resolver(server, zones=[str(zone)]).query_signed("unsigned.test.", "MX"))
    assert outside.error is None  # names outside the zone files still go to live DNS
    offline = Resolver(zones=[str(zone)], offline=True)
    assert asyncio.run(offline.query_signed("other.test.", "MX")).error is not None
    assert server.count("example.test.", "MX") == 0


@pytest.mark.parametrize("transport", ["lean", "dnspython"])
def test_validator_over_the_resolver(signed_server: Serve, world: World, transport: str) -> None:
    res = resolver(signed_server(), transport)

    async def run() -> list[Status]:
        validator = Validator(res.query_signed, parse_anchors(world.anchor_text), clock=lambda: world.now)
        names = ["example.test.", "unsigned.test.", "expired.test.", "n3.test."]
        verdicts = await asyncio.gather(*(validator.validate(dns.name.from_text(n), MX) for n in names))
        return [v.status for v in verdicts]

    assert asyncio.run(run()) == [Status.SECURE, Status.INSECURE, Status.BOGUS, Status.SECURE]


def test_a_failure_is_asked_again_after_failure_ttl(signed_server: Serve) -> None:
    server = signed_server().timeout("example.test.", "MX")
    res = Resolver([server.address], timeout=0.3, retries=0, failure_ttl=0.2)

    async def run() -> tuple[str | None, str | None, str | None]:
        first = await res.query_signed(NAME, "MX")
        again = await res.query_signed(NAME, "MX")  # within the ttl: the cached failure
        server.timeouts.clear()
        await asyncio.sleep(0.3)
        later = await res.query_signed(NAME, "MX")
        return first.error, again.error, later.error

    assert asyncio.run(run()) == ("timeout", "timeout", None)
    assert server.count("example.test.", "MX") == 2
