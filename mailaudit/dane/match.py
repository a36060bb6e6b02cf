"""Does a certificate chain satisfy a TLSA RRset? (RFC 7672 section 3, RFC 7671 section 5.)

For the SMTP probe (``--smtp``): call :func:`match` with the TLSA records of ``_25._tcp.<mx>``
(only when that RRset is DNSSEC-secure) and the chain the MX host presented after STARTTLS, as
DER, leaf first (``ssl.SSLSocket.get_verified_chain`` / ``get_unverified_chain`` in 3.13, or
``getpeercert(binary_form=True)`` for the leaf alone)::

    from mailaudit.dane.match import match, match_detail
    ok = match(tlsa_records, chain_der, hostname="mx.example.com")

Rules:

* DANE-EE(3): the leaf's certificate (selector 0) or SubjectPublicKeyInfo (selector 1), in full
  (matching type 0) or as SHA2-256 (1) / SHA2-512 (2), equals the record. Names and dates are
  not checked (RFC 7672 section 3.1.1).
* DANE-TA(2): some certificate of the chain matches; every certificate below it must be
  signed by the next one up and be within its validity dates at ``now``; with ``hostname`` the
  leaf must name it (DNS subjectAltName, a wildcard covers one label; RFC 7672 section 3.2.2).
  A bare public key (2 1 x) that is not in the chain is not supported: no match.
* PKIX-TA(0)/PKIX-EE(1) and malformed records are ignored (RFC 7672 section 3.1.3).

Pure: no DNS, no sockets; unparseable certificates never raise, they just do not match.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .tlsa import TLSARecord, Usage


@dataclass(frozen=True, slots=True)
class MatchResult:
    matched: TLSARecord | None  # the record that authenticated the chain, or None
    depth: int | None = None  # its certificate's position in the chain (0 = leaf)
    reason: str = ""  # why nothing matched: no-usable-records, no-match, chain-broken, name-mismatch...

    @property
    def ok(self) -> bool:
        return self.matched is not None


def match(
    tlsa_records: Sequence[TLSARecord],
    cert_chain_der: Sequence[bytes],
    *,
    hostname: str | None = None,
    now: datetime.datetime | None = None,
) -> bool:
    """True when a usable TLSA record authenticates the chain (see the module's rules)."""
    return match_detail(tlsa_records, cert_chain_der, hostname=hostname, now=now).ok


def match_detail(
    tlsa_records: Sequence[TLSARecord],
    cert_chain_der: Sequence[bytes],
    *,
    hostname: str | None = None,
    now: datetime.datetime | None = None,
) -> MatchResult:
    usable = [r for r in tlsa_records if r.usable]
    if not usable:
        return MatchResult(None, reason="no-usable-records")
    chain = _load(cert_chain_der)
    if not chain or chain[0] is None:
        return MatchResult(None, reason="no-certificate")
    when = now or datetime.datetime.now(datetime.UTC)
    reason = "no-match"
    for record in sorted(usable, key=lambda r: -r.usage):  # DANE-EE first: the simplest proof
        if record.usage == Usage.DANE_EE:
            if _matches(record, chain[0]):
                return MatchResult(record, 0)
            continue
        for depth, cert in enumerate(chain):
            if cert is None or not _matches(record, cert):
                continue
            problem = _below_ta(chain, depth, hostname, when)
            if problem is None:
                return MatchResult(record, depth)
            reason = problem
    return MatchResult(None, reason=reason)


def _load(chain_der: Sequence[bytes]) -> list[x509.Certificate | None]:
    out: list[x509.Certificate | None] = []
    for der in chain_der:
        try:
            out.append(x509.load_der_x509_certificate(bytes(der)))
        except (ValueError, TypeError):
            out.append(None)
    return out


def selected(record: TLSARecord, cert: x509.Certificate) -> bytes:
    """The certificate's data a record's selector picks, digested as its matching type says."""
    if record.selector == 0:
        data = cert.public_bytes(Encoding.DER)
    else:
        data = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    if record.mtype == 1:
        return hashlib.sha256(data).digest()
    if record.mtype == 2:
        return hashlib.sha512(data).digest()
    return data


def _matches(record: TLSARecord, cert: x509.Certificate) -> bool:
    try:
        return selected(record, cert) == record.data
    except (ValueError, TypeError):  # a key type cryptography cannot serialise
        return False


def _below_ta(
    chain: list[x509.Certificate | None], depth: int, hostname: str | None, when: datetime.datetime
) -> str | None:
    """Why the certificates below the trust anchor at ``depth`` do not chain to it (None: they do)."""
    for index in range(depth):
        cert, issuer = chain[index], chain[index + 1]
        if cert is None or issuer is None:
            return "chain-broken"
        try:
            cert.verify_directly_issued_by(issuer)
        except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
            return "chain-broken"
        if not cert.not_valid_before_utc <= when <= cert.not_valid_after_utc:
            return "certificate-expired"
    leaf = chain[0]
    if hostname is not None and leaf is not None and not names_host(leaf, hostname):
        return "name-mismatch"
    return None


def names_host(cert: x509.Certificate, hostname: str) -> bool:
    """Whether a DNS subjectAltName covers ``hostname`` (a leading ``*`` label covers one label)."""
    host = hostname.rstrip(".").lower()
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return False
    for name in names.get_values_for_type(x509.DNSName):
        pattern = name.rstrip(".").lower()
        if pattern == host:
            return True
        if pattern.startswith("*.") and "." in host and host.split(".", 1)[1] == pattern[2:]:
            return True
    return False


MISMATCH_FINDING = "dane.tlsa.mismatch"
"""The finding id the dane check emits (subject ``_25._tcp.<host>``, param ``host``) when a secure,
usable TLSA RRset does not :func:`match` a chain the host presented to the SMTP probe."""
