"""Certificates made at test time: a root CA, an intermediate and MX leaf certificates."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID

NOW = datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(Encoding.DER)

    @property
    def spki(self) -> bytes:
        return self.cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)

    def tlsa(self, usage: int, selector: int = 1, mtype: int = 1) -> str:
        data = self.der if selector == 0 else self.spki
        digest = {0: data, 1: hashlib.sha256(data).digest(), 2: hashlib.sha512(data).digest()}[mtype]
        return f"{usage} {selector} {mtype} {digest.hex()}"


def issue(
    name: str,
    issuer: Issued | None = None,
    *,
    ca: bool = False,
    sans: tuple[str, ...] = (),
    days: int = 30,
    start_days: int = -1,
) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW + datetime.timedelta(days=start_days))
        .not_valid_after(NOW + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in sans]), critical=False)
    cert = builder.sign(issuer.key if issuer else key, hashes.SHA256())
    return Issued(cert, key)


@dataclass(frozen=True)
class Chain:
    root: Issued
    intermediate: Issued
    leaf: Issued

    @property
    def der(self) -> list[bytes]:
        return [self.leaf.der, self.intermediate.der, self.root.der]


def make_chain(host: str = "mx.example.test", **leaf: object) -> Chain:
    root = issue("Test Root", ca=True, days=3650)
    intermediate = issue("Test Intermediate", root, ca=True, days=365)
    return Chain(root, intermediate, issue(host, intermediate, sans=(host,), **leaf))  # type: ignore[arg-type]
