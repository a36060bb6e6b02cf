"""checkdmarc 6.0.4 as an oracle on the same signed fixtures (the table in
docs/transport-security-dnssec.md): where it agrees, and why it differs where it does."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import Callable
from dataclasses import dataclass

import dns.name
import dns.nameserver
import dns.rdatatype
import pytest

from mailaudit.dnscore.resolver import Resolver
from mailaudit.dnssec.anchors import parse_anchors
from mailaudit.dnssec.validator import Validator

from .checkrun import anchor_file, audit, ids, result
from .signedserver import SignedServer
from .signing import World

checkdmarc_dnssec = pytest.importorskip("checkdmarc.dnssec")
expiringdict = pytest.importorskip("expiringdict")
Serve = Callable[..., SignedServer]

ONE_LEVEL = "checkdmarc checks DS -> DNSKEY -> the DNSKEY RRset's signature at the apex only, not the MX RRset"
NO_PROOF = "checkdmarc has no NSEC/NSEC3 handling: 'no DS' and 'could not ask' are both False"


@dataclass(frozen=True)
class Case:
    ours: str  # our dnssec.status
    theirs: bool  # check_dnssec()
    why: str = ""  # where the two differ in meaning


CASES = {
    "example.test": Case("secure", True),
    "n3.test": Case("secure", True),
    "sha1.test": Case("secure", True, "we also note RSASHA1 as deprecated (dnssec.algorithm.deprecated)"),
    "unsigned.test": Case("insecure", False, "we prove the missing DS with the parent's signed NSEC"),
    "md5.test": Case("insecure", False, "a DS of a refused algorithm: validators treat the zone as unsigned"),
    "expired.test": Case("bogus", False, "we say why (expired on <date>); checkdmarc only logs it"),
    "future.test": Case("bogus", False, "we say why (not valid before <date>); checkdmarc only logs it"),
    "mismatch.test": Case("bogus", False, "we give the DS record to publish; checkdmarc logs a warning"),
    "tampered.test": Case("bogus", True, ONE_LEVEL),
}


def ours(server: SignedServer, world: World, domain: str) -> str:
    async def run() -> str:
        validator = Validator(
            Resolver([server.address], timeout=0.5, retries=0).query_signed,
            parse_anchors(world.anchor_text),
            clock=lambda: world.now,
        )
        return (await validator.validate(dns.name.from_text(domain), dns.rdatatype.MX)).status.value

    return asyncio.run(run())


def theirs(server: SignedServer, domain: str) -> bool:
    nameserver = dns.nameserver.Do53Nameserver(server.host, server.port)
    cache = expiringdict.ExpiringDict(max_len=100, max_age_seconds=60)
    return bool(checkdmarc_dnssec.check_dnssec(domain, nameservers=[nameserver], timeout=1.0, cache=cache))


@pytest.mark.parametrize("domain", sorted(CASES))
def test_against_checkdmarc(signed_server: Serve, world: World, domain: str) -> None:
    server = signed_server()
    case = CASES[domain]
    assert (ours(server, world, domain), theirs(server, domain)) == (case.ours, case.theirs), case.why


def test_signature_stripping_resolver(signed_server: Serve, world: World) -> None:
    """A resolver that drops RRSIGs: checkdmarc says False (reads as 'not signed'); we say indeterminate."""
    server = signed_server()
    server.strip_signatures = True
    assert (ours(server, world, "example.test"), theirs(server, "example.test")) == ("indeterminate", False)


def test_tampered_tlsa(signed_server: Serve, world: World, tmp_path: pathlib.Path) -> None:
    """checkdmarc drops a TLSA RRset whose signature fails (as if there were none); we report it bogus."""
    server = signed_server()
    nameserver = dns.nameserver.Do53Nameserver(server.host, server.port)
    cache = expiringdict.ExpiringDict(max_len=100, max_age_seconds=60)
    listed = checkdmarc_dnssec.get_tlsa_records("mx.badtlsa.test", nameservers=[nameserver], timeout=1.0, cache=cache)
    assert listed == []
    report = audit(server, anchor_file(world, tmp_path), "badtlsa.test", "dane")
    assert ids(report, "dane") == ["dane.tlsa.bogus"] and result(report, "dane").datum("hosts")


def test_checkdmarc_lists_a_valid_tlsa(signed_server: Serve) -> None:
    server = signed_server()
    nameserver = dns.nameserver.Do53Nameserver(server.host, server.port)
    cache = expiringdict.ExpiringDict(max_len=100, max_age_seconds=60)
    listed = checkdmarc_dnssec.get_tlsa_records("mx.example.test", nameservers=[nameserver], timeout=1.0, cache=cache)
    assert len(listed) == 1
