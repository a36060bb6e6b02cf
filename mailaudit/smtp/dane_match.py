"""Matching TLSA records against a presented chain, for SMTP (RFC 6698, RFC 7671, RFC 7672).

Pure: the TLSA records come from the DANE check's DNS fact, the chain from the probe.

* usage 3 DANE-EE: the leaf's certificate or public key matches; names and dates are ignored
  (RFC 7672 3.1.1);
* usage 2 DANE-TA: a certificate in the chain matches (selector 0 or 1) and the chain from the
  leaf up to it verifies, with the leaf naming the MX host (RFC 7672 3.1.2; dates apply);
* usages 0 and 1 (PKIX-TA, PKIX-EE) are unusable for SMTP (RFC 7672 3.1.3);
* selector 0 full certificate, 1 SubjectPublicKeyInfo; matching type 0 exact, 1 SHA-256, 2 SHA-512;
  unknown parameters make a record unusable.

The i13b developer's ``mailaudit.dane`` module owns the general match; this module is the SMTP
side's own until the two are unified (see the report of issue 14).
"""

from __future__ import annotations

import datetime
import enum
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from .certs import dns_names, name_matches


@dataclass(frozen=True, slots=True)
class Tlsa:
    usage: int
    selector: int
    mtype: int
    data: bytes


class DaneResult(enum.Enum):
    VALID = "valid"  # at least one usable record matches
    INVALID = "invalid"  # usable records exist, none matches
    UNUSABLE = "unusable"  # records exist but none is usable for SMTP: DANE does not apply


def selected(cert: x509.Certificate, selector: int) -> bytes | None:
    if selector == 0:
        return cert.public_bytes(serialization.Encoding.DER)
    if selector == 1:
        return cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return None


def digest(data: bytes, mtype: int) -> bytes | None:
    if mtype == 0:
        return data
    if mtype == 1:
        return hashlib.sha256(data).digest()
    if mtype == 2:
        return hashlib.sha512(data).digest()
    return None


def usable(record: Tlsa) -> bool:
    return record.usage in (2, 3) and record.selector in (0, 1) and record.mtype in (0, 1, 2)


def record_matches(record: Tlsa, cert: x509.Certificate) -> bool:
    content = selected(cert, record.selector)
    if content is None:
        return False
    value = digest(content, record.mtype)
    return value is not None and value == record.data


def _ta_chain_ok(certs: list[x509.Certificate], index: int, host: str, now: datetime.datetime) -> bool:
    """The leaf names ``host`` and chains up to ``certs[index]`` taken as the trust anchor."""
    leaf = certs[0]
    if not any(name_matches(n, host) for n in dns_names(leaf)):
        return False
    if index == 0:
        return False  # a DANE-TA record naming the leaf itself: not a trust anchor
    anchor = certs[index]
    try:
        verifier = PolicyBuilder().store(Store([anchor])).time(now).build_server_verifier(x509.DNSName(host))
        verifier.verify(leaf, certs[1:index])
    except (VerificationError, ValueError):
        return False
    return True


def match(records: Sequence[Tlsa], chain: Sequence[bytes], host: str, now: datetime.datetime) -> DaneResult:
    """The DANE verdict for one presented chain (DER, leaf first) at the MX host ``host``."""
    good = [r for r in records if usable(r)]
    if not good:
        return DaneResult.UNUSABLE
    try:
        certs = [x509.load_der_x509_certificate(der) for der in chain]
    except ValueError:
        return DaneResult.INVALID
    if not certs:
        return DaneResult.INVALID
    for record in good:
        if record.usage == 3 and record_matches(record, certs[0]):
            return DaneResult.VALID
        if record.usage == 2:
            for index, cert in enumerate(certs):
                if record_matches(record, cert) and _ta_chain_ok(certs, index, host, now):
                    return DaneResult.VALID
    return DaneResult.INVALID
