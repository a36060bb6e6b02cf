"""Hostile or broken DNSSEC data: never a crash or a hang, never a false 'secure' or 'insecure'."""

from __future__ import annotations

import asyncio
import time

import dns.dnssec
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from mailaudit.dnssec.anchors import parse_anchors
from mailaudit.dnssec.denial import prove_nsec, prove_nsec3
from mailaudit.dnssec.model import Fetched, Signed, Status
from mailaudit.dnssec.validator import Validator

ROOT = dns.name.root


def rrset(name: str, rdtype: str, *texts: str) -> dns.rrset.RRset:
    return dns.rrset.from_text_list(name, 300, "IN", rdtype, list(texts))


def test_huge_nsec3_iterations_prove_nothing_quickly() -> None:
    owner = dns.dnssec.nsec3_hash("example.", b"", 0, 1).lower() + ".example."
    records = [rrset(owner, "NSEC3", "1 0 65535 aabbccdd 0000000000000000000000000000000 A RRSIG")]
    start = time.monotonic()
    assert (
        prove_nsec3(records, dns.name.from_text("x.example."), dns.rdatatype.A, dns.name.from_text("example.")) is None
    )
    assert time.monotonic() - start < 0.5


def test_nsec_that_covers_nothing_proves_nothing() -> None:
    records = [rrset("b.example.", "NSEC", "c.example. A RRSIG NSEC")]
    assert prove_nsec(records, dns.name.from_text("x.example."), dns.rdatatype.A) is None
    exists = prove_nsec(records, dns.name.from_text("b.example."), dns.rdatatype.A)
    assert exists is None  # the type exists: no denial


def test_nsec_claiming_a_cname_does_not_deny() -> None:
    records = [rrset("b.example.", "NSEC", "c.example. CNAME RRSIG NSEC")]
    assert prove_nsec(records, dns.name.from_text("b.example."), dns.rdatatype.A) is None


def test_garbage_keys_and_signatures_are_bogus_not_a_crash() -> None:
    key = dns.rdata.from_text("IN", "DNSKEY", "257 3 13 AAAAAAAA")  # not a P-256 point
    ds = dns.dnssec.make_ds(ROOT, key, "SHA256")  # type: ignore[arg-type]
    sig = dns.rdata.from_text(
        "IN",
        "RRSIG",
        f"DNSKEY 13 0 300 20991231000000 20000101000000 {dns.dnssec.key_id(key)} . AAAA",  # type: ignore[arg-type]
    )
    keys = dns.rrset.from_rdata(ROOT, 300, key)
    sigs = dns.rrset.from_rdata(ROOT, 300, sig)

    async def fetch(name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Fetched:
        return Fetched(name, rdtype, dns.rcode.NOERROR, (Signed(keys, sigs),))

    async def run() -> Status:
        validator = Validator(fetch, parse_anchors(f". DS {ds.to_text()}\n"))
        return (await validator.validate(dns.name.from_text("example."), dns.rdatatype.MX)).status

    assert asyncio.run(run()) is Status.BOGUS


def test_answers_for_another_name_are_not_taken() -> None:
    """A resolver answering DNSKEY for another owner: nothing found, indeterminate at the anchor."""
    key = dns.rdata.from_text("IN", "DNSKEY", "257 3 13 AAAAAAAA")
    other = dns.rrset.from_rdata("example.", 300, key)

    async def fetch(name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Fetched:
        return Fetched(name, rdtype, dns.rcode.NOERROR, (Signed(other, None),))

    async def run() -> Status:
        return (await Validator(fetch).validate(dns.name.from_text("example."), dns.rdatatype.MX)).status

    assert asyncio.run(run()) is Status.INDETERMINATE
