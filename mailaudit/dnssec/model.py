"""Typed inputs and results of the DNSSEC validator.

The validator does no network I/O. It asks questions through a :class:`Fetch`: an async callable
``fetch(name, rdtype) -> Fetched`` that returns the answer and authority sections of one DNS
response *with their RRSIGs* (the query must be sent with the DO bit), or a failure.
:func:`fetched_from_message` turns a dnspython message into a :class:`Fetched`.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset


class Status(enum.StrEnum):
    """The contract's ``dnssec.status`` values."""

    SECURE = "secure"  # a chain of valid signatures from a trust anchor
    INSECURE = "insecure"  # a signed proof that there is no chain (unsigned delegation)
    BOGUS = "bogus"  # a chain should exist but does not validate
    INDETERMINATE = "indeterminate"  # the answers needed to decide could not be had


@dataclass(frozen=True, slots=True)
class Signed:
    """One RRset and the RRSIGs that came with it (``None`` when none came)."""

    rrset: dns.rrset.RRset
    rrsigs: dns.rrset.RRset | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    """One DNS response reduced to what validation needs.

    ``error`` is set when there is no usable response (timeout, SERVFAIL, REFUSED...): a
    failure, never an absence."""

    name: dns.name.Name
    rdtype: dns.rdatatype.RdataType
    rcode: dns.rcode.Rcode = dns.rcode.NOERROR
    answer: tuple[Signed, ...] = ()
    authority: tuple[Signed, ...] = ()
    error: str | None = None

    def find(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Signed | None:
        """The answer-section RRset owned by ``name`` of type ``rdtype``."""
        for item in self.answer:
            if item.rrset.name == name and item.rrset.rdtype == rdtype:
                return item
        return None

    def denial(self, rdtype: dns.rdatatype.RdataType) -> tuple[Signed, ...]:
        """The authority-section RRsets of one type (NSEC, NSEC3 or SOA)."""
        return tuple(item for item in self.authority if item.rrset.rdtype == rdtype)


Fetch = Callable[[dns.name.Name, dns.rdatatype.RdataType], Awaitable[Fetched]]


def fetch_failure(name: dns.name.Name, rdtype: dns.rdatatype.RdataType, reason: str) -> Fetched:
    return Fetched(name, rdtype, error=reason)


def _pair(section: list[dns.rrset.RRset]) -> tuple[Signed, ...]:
    """Each RRset of a section with the RRSIG RRset (same owner) that covers its type."""
    sigs: dict[tuple[dns.name.Name, int], dns.rrset.RRset] = {}
    for rrset in section:
        if rrset.rdtype == dns.rdatatype.RRSIG:
            sigs[(rrset.name, int(rrset.covers))] = rrset
    return tuple(
        Signed(rrset, sigs.get((rrset.name, int(rrset.rdtype))))
        for rrset in section
        if rrset.rdtype != dns.rdatatype.RRSIG
    )


def fetched_from_message(name: dns.name.Name, rdtype: dns.rdatatype.RdataType, message: dns.message.Message) -> Fetched:
    """A :class:`Fetched` from a response; rcodes other than NOERROR/NXDOMAIN are failures."""
    rcode = message.rcode()
    if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        return fetch_failure(name, rdtype, dns.rcode.to_text(rcode))
    return Fetched(name, rdtype, rcode, _pair(message.answer), _pair(message.authority))


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a chain is bogus, insecure or indeterminate, or a note about a secure one.

    ``code`` is stable (see ``docs/transport-security-dnssec.md``); ``zone`` is the zone it is
    about; ``params`` carry the facts a text needs (key tags, dates, algorithm names)."""

    code: str
    zone: str
    params: tuple[tuple[str, str], ...] = ()

    def param(self, key: str) -> str | None:
        return dict(self.params).get(key)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The validation result for one RRset (``name``/``rdtype``).

    ``chain`` lists the zones proven secure from the anchor down; ``insecure_at`` names the
    delegation proven unsigned; ``problems`` explain a non-secure status; ``notes`` are
    warnings that do not change the status (deprecated algorithms, signatures about to expire).
    A proven absence (NXDOMAIN/NODATA) in a signed zone is ``secure`` with no ``records``."""

    name: str
    rdtype: str
    status: Status
    chain: tuple[str, ...] = ()
    insecure_at: str | None = None
    problems: tuple[Problem, ...] = ()
    notes: tuple[Problem, ...] = ()
    records: tuple[str, ...] = ()  # the RRset's records as text (empty when absent)
