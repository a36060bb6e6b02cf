"""Mark certificates (VMC/CMC look-alikes) made at test time by a test Mark Verifying Authority."""

from __future__ import annotations

import base64
import datetime as dt
import gzip

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mailaudit.bimi.mark import BIMI_EKU, LOGOTYPE, MARK_TYPE


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + content


def logotype_der(svg: bytes) -> bytes:
    """A LogotypeExtn-shaped DER value whose image URI is a gzip data URI of ``svg`` (RFC 3709, RFC 6170)."""
    uri = b"data:image/svg+xml;base64," + base64.b64encode(gzip.compress(svg))
    media = _der(0x16, b"image/svg+xml")
    details = _der(0x30, media + _der(0x30, _der(0x30, _der(0x06, b"\x60\x86\x48\x01\x65\x03\x04\x02\x01")
                                                  + _der(0x04, b"\x00" * 32))) + _der(0x30, _der(0x16, uri)))
    return _der(0x30, _der(0xA2, _der(0xA0, _der(0x30, _der(0x30, details)))))


class TestMVA:
    __test__ = False

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mailaudit test MVA")])
        self.cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - dt.timedelta(days=10)).not_valid_after(now + dt.timedelta(days=3650))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .sign(self.key, hashes.SHA256()))

    def issue(self, names: list[str], svg: bytes | None, *, mark: str = "Registered Mark", days: int = 365,
              expired: bool = False, eku: bool = True) -> bytes:
        """The PEM chain (leaf, then the MVA root) of a mark certificate."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        start, end = (now - dt.timedelta(days=400), now - dt.timedelta(days=2)) if expired else (
            now - dt.timedelta(days=1), now + dt.timedelta(days=days))
        subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Corp"),
                             x509.NameAttribute(MARK_TYPE, mark)])
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(self.cert.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(start).not_valid_after(end)
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False))
        if eku:
            builder = builder.add_extension(x509.ExtendedKeyUsage([BIMI_EKU]), critical=False)
        if svg is not None:
            builder = builder.add_extension(x509.UnrecognizedExtension(LOGOTYPE, logotype_der(svg)), critical=False)
        leaf = builder.sign(self.key, hashes.SHA256())
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf, self.cert))
