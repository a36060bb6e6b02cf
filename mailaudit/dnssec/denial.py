"""Authenticated denial of existence (RFC 4035 section 5.4, RFC 5155 section 8): pure logic.

The validator checks the signatures of the NSEC/NSEC3 RRsets first and passes only the valid
ones here; these functions decide what those records prove about ``(qname, qtype)``.
"""

from __future__ import annotations

import base64
import binascii
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import dns.dnssec
import dns.name
import dns.rdatatype
import dns.rrset

OPT_OUT = 0x01
MAX_NSEC3_ITERATIONS = 500  # RFC 9276 section 3.2: validators may refuse high counts; we refuse the hashing cost


class Kind(enum.StrEnum):
    NODATA = "nodata"  # the name exists without the type (``types`` lists what it has)
    NXDOMAIN = "nxdomain"  # the name does not exist (and no wildcard could have answered)
    OPT_OUT = "opt_out"  # DS only: the name lies in an NSEC3 opt-out span (an unsigned delegation)


@dataclass(frozen=True, slots=True)
class Proof:
    kind: Kind
    types: frozenset[int] = frozenset()


def bitmap_types(rdata: object) -> frozenset[int]:
    """The types in an NSEC/NSEC3 type bitmap."""
    found: set[int] = set()
    for window, bitmap in getattr(rdata, "windows", ()):
        for index, byte in enumerate(bitmap):
            found.update(window * 256 + index * 8 + bit for bit in range(8) if byte & (0x80 >> bit))
    return frozenset(found)


def _ancestor(name: dns.name.Name, labels: int) -> dns.name.Name:
    return dns.name.Name(name.labels[len(name.labels) - labels :])


def _wildcard(name: dns.name.Name) -> dns.name.Name:
    return dns.name.Name((b"*", *name.labels))


def _nodata(types: frozenset[int], qtype: int) -> Proof | None:
    if qtype in types or (dns.rdatatype.CNAME in types and qtype != dns.rdatatype.DS):
        return None  # the type (or an alias) exists: this is no denial
    return Proof(Kind.NODATA, types)


# -- NSEC ---------------------------------------------------------------------------------


def _nsec_covers(owner: dns.name.Name, nxt: dns.name.Name, name: dns.name.Name) -> bool:
    if owner < nxt:
        return bool(owner < name < nxt)
    return bool(name > owner)  # the last NSEC of the zone: its next name is the apex


def prove_nsec(nsecs: Iterable[dns.rrset.RRset], qname: dns.name.Name, qtype: int) -> Proof | None:
    """What validated NSEC RRsets prove about (qname, qtype), or None when they prove nothing."""
    pairs = [(rrset.name, rdata) for rrset in nsecs for rdata in rrset]
    for owner, rdata in pairs:
        if owner == qname:
            return _nodata(bitmap_types(rdata), qtype)
    covering = [(owner, rdata.next) for owner, rdata in pairs if _nsec_covers(owner, rdata.next, qname)]
    if not covering:
        return None
    owner, nxt = covering[0]
    if nxt.is_subdomain(qname):
        return Proof(Kind.NODATA)  # an empty non-terminal: it exists, with no records
    common = max(qname.fullcompare(owner)[2], qname.fullcompare(nxt)[2])
    wildcard = _wildcard(_ancestor(qname, common))
    for other, rdata in pairs:
        if other == wildcard:
            return _nodata(bitmap_types(rdata), qtype)  # a wildcard exists but lacks the type
    if any(_nsec_covers(other, rdata.next, wildcard) for other, rdata in pairs):
        return Proof(Kind.NXDOMAIN)
    return None


# -- NSEC3 --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Hashed:
    owner: bytes
    rdata: object  # dns.rdtypes.ANY.NSEC3.NSEC3


def _owner_hash(owner: dns.name.Name) -> bytes | None:
    try:
        return base64.b32hexdecode(owner.labels[0].upper())
    except (binascii.Error, ValueError):
        return None


def _hash(name: dns.name.Name, rdata: object) -> bytes:
    text = dns.dnssec.nsec3_hash(
        name, getattr(rdata, "salt", b""), getattr(rdata, "iterations", 0), getattr(rdata, "algorithm", 1)
    )
    return base64.b32hexdecode(text)


def _n3_covers(item: _Hashed, digest: bytes) -> bool:
    nxt: bytes = getattr(item.rdata, "next", b"")
    if item.owner < nxt:
        return item.owner < digest < nxt
    return digest > item.owner or digest < nxt  # the last record wraps to the first


class _Chain:
    def __init__(self, records: Sequence[_Hashed]) -> None:
        self.records = records

    def match(self, name: dns.name.Name) -> _Hashed | None:
        return next((r for r in self.records if r.owner == _hash(name, r.rdata)), None)

    def cover(self, name: dns.name.Name) -> _Hashed | None:
        return next((r for r in self.records if _n3_covers(r, _hash(name, r.rdata))), None)


def _chain(nsec3s: Iterable[dns.rrset.RRset], apex: dns.name.Name) -> _Chain | None:
    records: list[_Hashed] = []
    for rrset in nsec3s:
        owner = _owner_hash(rrset.name)
        if owner is None or rrset.name.parent() != apex:
            continue
        for rdata in rrset:
            if getattr(rdata, "iterations", 0) > MAX_NSEC3_ITERATIONS or getattr(rdata, "algorithm", 0) != 1:
                return None
            records.append(_Hashed(owner, rdata))
    return _Chain(records) if records else None


def prove_nsec3(
    nsec3s: Iterable[dns.rrset.RRset], qname: dns.name.Name, qtype: int, apex: dns.name.Name
) -> Proof | None:
    """What validated NSEC3 RRsets of zone ``apex`` prove about (qname, qtype), or None."""
    chain = _chain(nsec3s, apex)
    if chain is None or not qname.is_subdomain(apex):
        return None
    exact = chain.match(qname)
    if exact is not None:
        return _nodata(bitmap_types(exact.rdata), qtype)
    encloser = qname.parent() if qname != apex else None
    while encloser is not None and chain.match(encloser) is None:
        encloser = encloser.parent() if encloser != apex else None
    if encloser is None:
        return None
    closer = _ancestor(qname, len(encloser.labels) + 1)
    covering = chain.cover(closer)
    if covering is None:
        return None
    if qtype == dns.rdatatype.DS and getattr(covering.rdata, "flags", 0) & OPT_OUT:
        return Proof(Kind.OPT_OUT)
    wildcard = chain.match(_wildcard(encloser))
    if wildcard is not None:
        return _nodata(bitmap_types(wildcard.rdata), qtype)
    if chain.cover(_wildcard(encloser)) is not None:
        return Proof(Kind.NXDOMAIN)
    return None
