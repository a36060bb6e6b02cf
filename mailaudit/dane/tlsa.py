"""TLSA records for SMTP (RFC 6698, RFC 7671, RFC 7672): parsing and per-record sanity.

For SMTP only DANE-TA(2) and DANE-EE(3) count: SMTP clients treat PKIX-TA(0) and PKIX-EE(1)
as unusable (RFC 7672 section 3.1.3), because MX hosts are not expected to have public-CA
certificates. A TLSA RRset with no usable record still obliges DANE senders to use TLS, but
authenticates nothing (RFC 7672 section 2.2).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TLSA
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_der_public_key

DIGEST_SIZES = {1: 32, 2: 64}  # matching type -> digest length (SHA2-256, SHA2-512)


class Usage(enum.IntEnum):
    PKIX_TA = 0
    PKIX_EE = 1
    DANE_TA = 2
    DANE_EE = 3


class TLSAError(ValueError):
    """Text that is not a TLSA record."""


@dataclass(frozen=True, slots=True)
class TLSARecord:
    usage: int
    selector: int
    mtype: int
    data: bytes

    def to_text(self) -> str:
        return f"{self.usage} {self.selector} {self.mtype} {self.data.hex()}"

    @property
    def problems(self) -> tuple[str, ...]:
        """Stable codes of what makes the record unusable for SMTP (empty when usable)."""
        return record_problems(self)

    @property
    def usable(self) -> bool:
        return not self.problems


def from_rdata(rdata: dns.rdata.Rdata) -> TLSARecord:
    if not isinstance(rdata, dns.rdtypes.ANY.TLSA.TLSA):
        raise TLSAError(f"not a TLSA record: {dns.rdatatype.to_text(rdata.rdtype)}")
    return TLSARecord(int(rdata.usage), int(rdata.selector), int(rdata.mtype), bytes(rdata.cert))


def from_text(text: str) -> TLSARecord:
    """``'3 1 1 <hex>'`` (the record's data in presentation format)."""
    try:
        rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TLSA, text)
    except (dns.exception.DNSException, ValueError) as err:
        raise TLSAError(f"not a TLSA record: {' '.join(str(err).split())}") from None
    return from_rdata(rdata)


def tlsa_name(host: str | dns.name.Name, port: int = 25) -> dns.name.Name:
    """``_25._tcp.<host>``: where an MX host's TLSA records live (RFC 7672 section 2.2.1)."""
    base = host if isinstance(host, dns.name.Name) else dns.name.from_text(host)
    return dns.name.Name((f"_{port}".encode(), b"_tcp", *base.labels))


def record_problems(record: TLSARecord) -> tuple[str, ...]:
    """Codes: ``usage.pkix`` (0/1: not used by SMTP), ``usage.unknown``, ``selector.unknown``,
    ``mtype.unknown``, ``data.length`` (a digest of the wrong size), ``data.unparseable``
    (full data that is not a certificate / public key)."""
    found: list[str] = []
    if record.usage in (Usage.PKIX_TA, Usage.PKIX_EE):
        found.append("usage.pkix")
    elif record.usage not in (Usage.DANE_TA, Usage.DANE_EE):
        found.append("usage.unknown")
    if record.selector not in (0, 1):
        found.append("selector.unknown")
    if record.mtype not in (0, 1, 2):
        found.append("mtype.unknown")
    elif record.mtype in DIGEST_SIZES and len(record.data) != DIGEST_SIZES[record.mtype]:
        found.append("data.length")
    elif record.mtype == 0 and record.selector in (0, 1) and not _parses(record):
        found.append("data.unparseable")
    return tuple(found)


def _parses(record: TLSARecord) -> bool:
    try:
        if record.selector == 0:
            x509.load_der_x509_certificate(record.data)
        else:
            load_der_public_key(record.data)
    except (ValueError, TypeError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class Assessment:
    """A TLSA RRset judged as a whole for SMTP.

    ``unusable``: (record text, problem codes). ``single_ee``: the only usable record is one
    DANE-EE record, so a key change breaks delivery unless the next key's record is published
    first (internet.nl's and RFC 7671 section 8.1's rollover advice: current + next, or
    current + issuer CA)."""

    usable: tuple[TLSARecord, ...]
    unusable: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def any_usable(self) -> bool:
        return bool(self.usable)

    @property
    def single_ee(self) -> bool:
        return len(self.usable) == 1 and self.usable[0].usage == Usage.DANE_EE


def assess(records: Iterable[TLSARecord]) -> Assessment:
    usable: list[TLSARecord] = []
    unusable: list[tuple[str, tuple[str, ...]]] = []
    for record in records:
        problems = record.problems
        if problems:
            unusable.append((record.to_text(), problems))
        elif record not in usable:
            usable.append(record)
    return Assessment(tuple(usable), tuple(unusable))
