"""Judging a presented certificate chain after the handshake: facts, then problems.

The facts (names, expiry, issuer) are reported as they are; the problems are kept apart so
that each sender model can weigh them: opportunistic senders ignore them, MTA-STS needs a
PKIX-valid chain naming the MX host, DANE-EE ignores names and dates (``dane_match``).
PKIX path validation is cryptography's ``x509.verification`` (the WebPKI rules), against the
system trust store plus any ``--ca-file``.
"""

from __future__ import annotations

import datetime
import pathlib
import ssl
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

EXPIRED = "expired"
NOT_YET_VALID = "not_yet_valid"
NAME_MISMATCH = "name_mismatch"
UNTRUSTED = "untrusted"
SELF_SIGNED = "self_signed"
UNPARSEABLE = "unparseable"
NO_CERTIFICATE = "no_certificate"

_PEM_END = b"-----END CERTIFICATE-----"


@dataclass(frozen=True, slots=True)
class Trust:
    """Trusted roots for one run: the system store and/or extra PEM files (``--ca-file``)."""

    roots: tuple[x509.Certificate, ...]

    @classmethod
    def load(cls, extra: Iterable[str | pathlib.Path] = (), system: bool = True) -> Trust:
        roots: list[x509.Certificate] = []
        if system:
            for der in ssl.create_default_context().get_ca_certs(binary_form=True):
                roots.extend(_parse_der(der))
            if not roots:
                cafile = ssl.get_default_verify_paths().cafile
                if cafile:
                    roots.extend(_parse_pem_file(pathlib.Path(cafile)))
        for path in extra:
            roots.extend(_parse_pem_file(pathlib.Path(path)))
        return cls(tuple(roots))

    def store(self) -> Store | None:
        return Store(list(self.roots)) if self.roots else None


def _parse_der(der: bytes) -> list[x509.Certificate]:
    with warnings.catch_warnings():  # old roots with odd serial numbers still parse, quietly
        warnings.simplefilter("ignore")
        try:
            return [x509.load_der_x509_certificate(der)]
        except ValueError:
            return []


def _parse_pem_file(path: pathlib.Path) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle; one bad block does not spoil the others."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    out = []
    for block in data.split(_PEM_END)[:-1]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                out.append(x509.load_pem_x509_certificate(block + _PEM_END + b"\n"))
            except ValueError:
                continue
    return out


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    names: tuple[str, ...]  # subjectAltName dNSNames (the subject CN only when there are none)
    not_before: datetime.datetime
    not_after: datetime.datetime
    subject: str
    issuer: str
    problems: tuple[str, ...]  # EXPIRED, NAME_MISMATCH, UNTRUSTED, SELF_SIGNED, ...
    detail: str = ""  # the path validator's reason, when it refused the chain

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def pkix_trusted(self) -> bool:
        """Chains to a trusted root (dates and names aside)."""
        return UNTRUSTED not in self.problems and SELF_SIGNED not in self.problems


def dns_names(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = tuple(str(n).lower() for n in san.get_values_for_type(x509.DNSName))
    except (x509.ExtensionNotFound, ValueError):
        names = ()
    if names:
        return names
    return tuple(str(a.value).lower() for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME))


def name_matches(pattern: str, host: str) -> bool:
    """RFC 6125 6.4: case-insensitive; a wildcard only as the whole leftmost label, for one label."""
    pattern = pattern.lower().rstrip(".")
    host = host.lower().rstrip(".")
    if pattern == host:
        return True
    if not pattern.startswith("*."):
        return False
    head, _, rest = host.partition(".")
    return bool(head) and rest == pattern[2:] and "*" not in rest


def examine(chain: Sequence[bytes], host: str | None, trust: Trust, now: datetime.datetime) -> CertificateFacts | None:
    """Facts and problems of the presented chain (leaf first). None when there is no certificate.
    ``host`` None (a bare address) skips the name check."""
    if not chain:
        return None
    try:
        certs = [x509.load_der_x509_certificate(der) for der in chain]
    except ValueError:
        return None
    leaf = certs[0]
    names = dns_names(leaf)
    problems: list[str] = []
    if now > leaf.not_valid_after_utc:
        problems.append(EXPIRED)
    if now < leaf.not_valid_before_utc:
        problems.append(NOT_YET_VALID)
    if host is not None and not any(name_matches(n, host) for n in names):
        problems.append(NAME_MISMATCH)
    trust_problem, detail = _path_problem(certs, names, trust, now)
    if trust_problem:
        problems.append(trust_problem)
    return CertificateFacts(
        names=names,
        not_before=leaf.not_valid_before_utc,
        not_after=leaf.not_valid_after_utc,
        subject=leaf.subject.rfc4514_string(),
        issuer=leaf.issuer.rfc4514_string(),
        problems=tuple(problems),
        detail=detail,
    )


def _path_problem(
    certs: list[x509.Certificate], names: tuple[str, ...], trust: Trust, now: datetime.datetime
) -> tuple[str | None, str]:
    """Does the chain lead to a trusted root? Judged apart from dates and the MX name: the
    validator runs at a moment inside the leaf's validity, for a name the leaf carries."""
    leaf = certs[0]
    if leaf.issuer == leaf.subject and not any(leaf == root for root in trust.roots):
        return SELF_SIGNED, "the certificate is signed by itself"
    store = trust.store()
    if store is None:
        return UNTRUSTED, "no trusted roots are configured"
    moment = now  # the closest moment inside the leaf's validity: the issuers were valid then too
    if now > leaf.not_valid_after_utc:
        moment = leaf.not_valid_after_utc - datetime.timedelta(seconds=1)
    elif now < leaf.not_valid_before_utc:
        moment = leaf.not_valid_before_utc + datetime.timedelta(seconds=1)
    concrete = [n.replace("*", "wildcard", 1) for n in names if n]
    if not concrete:
        return UNTRUSTED, "the certificate names no host"
    verifier = PolicyBuilder().store(store).time(moment).build_server_verifier(x509.DNSName(concrete[0]))
    try:
        verifier.verify(leaf, certs[1:])
    except VerificationError as exc:
        return UNTRUSTED, str(exc)[:300]
    except ValueError as exc:  # a name cryptography refuses, e.g. not a valid DNS name
        return UNTRUSTED, str(exc)[:300]
    return None, ""
