"""The chain-of-trust validator against signed zones served on loopback (signed at test time)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import dns.dnssec
import dns.name
import dns.rdatatype

from mailaudit.dnssec.anchors import parse_anchors
from mailaudit.dnssec.model import Status, Verdict
from mailaudit.dnssec.validator import Validator

from .fetcher import DirectFetch
from .signedserver import SignedServer
from .signing import TLSA_311, World


def check(server: SignedServer, world: World, name: str, rdtype: str = "MX", **kw: float) -> Verdict:
    async def run() -> Verdict:
        validator = Validator(
            DirectFetch(server.host, server.port, timeout=kw.get("timeout", 1.0)),
            parse_anchors(world.anchor_text),
            clock=lambda: kw.get("now", world.now),
        )
        return await validator.validate(dns.name.from_text(name), dns.rdatatype.from_text(rdtype))

    return asyncio.run(run())


def codes(verdict: Verdict) -> list[str]:
    return [p.code for p in verdict.problems]


Serve = Callable[..., SignedServer]


def test_signed_zone_is_secure_with_the_whole_chain(signed_server: Serve, world: World) -> None:
    verdict = check(signed_server(), world, "example.test.")
    assert verdict.status is Status.SECURE, verdict
    assert verdict.chain == (".", "test.", "example.test.")
    assert verdict.records == ("10 mx.example.test.",)
    assert verdict.problems == () and verdict.notes == ()


def test_address_and_tlsa_below_the_apex_are_secure(signed_server: Serve, world: World) -> None:
    server = signed_server()
    assert check(server, world, "mx.example.test.", "A").status is Status.SECURE
    tlsa = check(server, world, "_25._tcp.mx.example.test.", "TLSA")
    assert tlsa.status is Status.SECURE and len(tlsa.records) == 1


def test_proven_absence_is_secure_and_empty(signed_server: Serve, world: World) -> None:
    server = signed_server()
    nodata = check(server, world, "example.test.", "TXT")
    assert nodata.status is Status.SECURE and nodata.records == ()
    nxdomain = check(server, world, "_25._tcp.nothere.example.test.", "TLSA")
    assert nxdomain.status is Status.SECURE and nxdomain.records == ()


def test_unsigned_delegation_is_insecure_from_a_signed_denial(signed_server: Serve, world: World) -> None:
    verdict = check(signed_server(), world, "unsigned.test.")
    assert verdict.status is Status.INSECURE
    assert verdict.insecure_at == "unsigned.test."
    assert codes(verdict) == ["delegation.unsigned"]


def test_expired_signatures_are_bogus_with_the_date(signed_server: Serve, world: World) -> None:
    verdict = check(signed_server(), world, "expired.test.")
    assert verdict.status is Status.BOGUS
    assert codes(verdict) == ["rrsig.expired"]
    problem = verdict.problems[0]
    assert problem.zone == "expired.test." and problem.param("rrset") == "DNSKEY"
    assert (
        problem.param(
            "expiration",
        )
        is not None
    )


def test_not_yet_valid_signatures_are_bogus(signed_server: Serve, world: World) -> None:
    assert codes(check(signed_server(), world, "future.test.")) == ["rrsig.not_yet_valid"]


def test_ds_matching_no_dnskey_is_bogus_with_both_key_tags(signed_server: Serve, world: World) -> None:
    verdict = check(signed_server(), world, "mismatch.test.")
    assert verdict.status is Status.BOGUS and codes(verdict) == ["ds.mismatch"]
    problem = verdict.problems[0]
    assert problem.param("dnskeys") == str(world.keys["mismatch.test."].tag)
    assert problem.param("ds") != problem.param("dnskeys")
    key = world.keys["mismatch.test."]
    assert problem.param("proposed") == dns.dnssec.make_ds("mismatch.test.", key.dnskey, "SHA256").to_text()


def test_changed_record_after_signing_is_bogus(signed_server: Serve, world: World) -> None:
    verdict = check(signed_server(), world, "tampered.test.")
    assert verdict.status is Status.BOGUS and codes(verdict) == ["rrsig.invalid"]
    assert verdict.problems[0].param("rrset") == "MX"


def test_rsasha1_validates_with_a_deprecation_note(signed_server: Serve, world: World) -> None:
    verdict = check(signed_server(), world, "sha1.test.")
    assert verdict.status is Status.SECURE
    assert [n.code for n in verdict.notes] == ["algorithm.deprecated"]
    assert verdict.notes[0].param("algorithm") == "RSASHA1 (5)"


def test_ds_of_a_refused_algorithm_is_insecure_not_bogus(signed_server: Serve, world: World) -> None:
    verdict = check(signed_server(), world, "md5.test.")
    assert verdict.status is Status.INSECURE and codes(verdict) == ["algorithm.unsupported"]
    assert verdict.problems[0].param("algorithms") == "RSAMD5 (1)"


def test_signatures_expiring_soon_are_noted(signed_server: Serve, world: World) -> None:
    later = world.now + 6 * 86400  # fixtures expire after 7 days
    verdict = check(signed_server(), world, "example.test.", now=later)
    assert verdict.status is Status.SECURE
    assert "rrsig.expiring" in [n.code for n in verdict.notes]


def test_resolver_that_strips_signatures_is_indeterminate_never_insecure(signed_server: Serve, world: World) -> None:
    server = signed_server()
    server.strip_signatures = True
    for name in ("example.test.", "unsigned.test."):
        verdict = check(server, world, name)
        assert verdict.status is Status.INDETERMINATE, verdict
        assert codes(verdict) == ["signatures.absent"]


def test_resolver_without_dnskey_is_indeterminate(signed_server: Serve, world: World) -> None:
    server = signed_server().hide("DNSKEY")
    verdict = check(server, world, "example.test.")
    assert verdict.status is Status.INDETERMINATE and codes(verdict) == ["dnskey.absent"]


def test_resolver_dropping_the_authority_section_cannot_prove_insecure(signed_server: Serve, world: World) -> None:
    server = signed_server()
    server.strip_authority = True
    verdict = check(server, world, "unsigned.test.")
    assert verdict.status is Status.INDETERMINATE and codes(verdict) == ["authority.absent"]


def test_timeout_is_indeterminate_and_names_the_question(signed_server: Serve, world: World) -> None:
    server = signed_server().timeout("example.test.", "DS")
    verdict = check(server, world, "example.test.", timeout=0.3)
    assert verdict.status is Status.INDETERMINATE and codes(verdict) == ["fetch.failed"]
    assert verdict.problems[0].param("rrset") == "DS"
    assert verdict.problems[0].param("error") == "timeout"


def test_servfail_is_indeterminate(signed_server: Serve, world: World) -> None:
    server = signed_server().servfail("example.test.")
    assert check(server, world, "example.test.").status is Status.INDETERMINATE


def test_a_wrong_trust_anchor_makes_the_root_bogus(signed_server: Serve, world: World) -> None:
    other = ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"

    async def run() -> Verdict:
        server = signed_server()
        validator = Validator(DirectFetch(server.host, server.port), parse_anchors(other), clock=lambda: world.now)
        return await validator.validate(dns.name.from_text("example.test."), dns.rdatatype.MX)

    verdict = asyncio.run(run())
    assert verdict.status is Status.BOGUS and codes(verdict) == ["ds.mismatch"]
    assert verdict.problems[0].zone == "."


def test_zones_are_walked_once_per_validator(signed_server: Serve, world: World) -> None:
    server = signed_server()

    async def run() -> list[Verdict]:
        validator = Validator(
            DirectFetch(server.host, server.port), parse_anchors(world.anchor_text), clock=lambda: world.now
        )
        names = ["example.test.", "mx.example.test.", "unsigned.test.", "expired.test."]
        return await asyncio.gather(*(validator.validate(dns.name.from_text(n), dns.rdatatype.MX) for n in names))

    asyncio.run(run())
    assert server.count(".", "DNSKEY") == 1
    assert server.count("test.", "DS") == 1 and server.count("test.", "DNSKEY") == 1
    assert server.count("example.test.", "DS") == 1


def test_nsec3_zone_answers_and_denials_are_secure(signed_server: Serve, world: World) -> None:
    server = signed_server()
    assert check(server, world, "n3.test.").status is Status.SECURE
    assert check(server, world, "_25._tcp.mx.n3.test.", "TLSA").records == (TLSA_311,)
    nodata = check(server, world, "n3.test.", "TXT")
    assert nodata.status is Status.SECURE and nodata.records == ()
    assert check(server, world, "mx.n3.test.", "TXT").status is Status.SECURE
    ent = check(server, world, "_tcp.mx.n3.test.", "TXT")  # an empty non-terminal has an NSEC3 record
    assert ent.status is Status.SECURE and ent.records == ()


def test_nsec3_opt_out_span_leaves_a_missing_name_insecure(signed_server: Serve, world: World) -> None:
    """RFC 5155 section 9.2: an opt-out span may hide an unsigned delegation, so no secure denial."""
    verdict = check(signed_server(), world, "_25._tcp.nothere.n3.test.", "TLSA")
    assert verdict.status is Status.INSECURE and codes(verdict) == ["nsec3.opt_out"]


def test_nsec3_opt_out_delegation_is_insecure(signed_server: Serve, world: World) -> None:
    verdict = check(signed_server(), world, "legacy.n3.test.")
    assert verdict.status is Status.INSECURE and verdict.insecure_at == "legacy.n3.test."
    assert codes(verdict) == ["nsec3.opt_out"]


def test_very_deep_names_are_not_walked_label_by_label(signed_server: Serve, world: World) -> None:
    server = signed_server()
    deep = ".".join(["a"] * 40) + ".example.test."
    verdict = check(server, world, deep, "A")
    assert verdict.status is Status.INDETERMINATE and codes(verdict) == ["name.too_deep"]
    assert server.total <= 30
