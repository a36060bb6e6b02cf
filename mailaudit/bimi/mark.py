"""Mark certificates (VMC, CMC) named by a BIMI record's ``a=``: chain, validity, names, the logo.

Checked with ``cryptography``: each certificate of the PEM chain is signed by the next; the last
one chains to a trusted root when roots are given (``--ca-file``; the project ships no list of
Mark Verifying Authorities, so without one the issuer is reported as not verified rather than
guessed); the leaf is inside its validity period, carries the BIMI extended key usage, names
the domain or its organizational domain, and embeds (logotype extension, RFC 3709) the same
SVG as the one at ``l=``. Pure; never raises.
"""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import zlib
from base64 import b64decode
from binascii import Error as Base64Error
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ObjectIdentifier

from mailaudit.bimi.svg import MAX_DECOMPRESSED, inflate
from mailaudit.mta_sts.problems import Problem

BIMI_EKU = ObjectIdentifier("1.3.6.1.5.5.7.3.31")
LOGOTYPE = ObjectIdentifier("1.3.6.1.5.5.7.1.12")
MARK_TYPE = ObjectIdentifier("1.3.6.1.4.1.53087.1.13")
VMC_MARKS = ("Registered Mark", "Government Mark")
CMC_MARKS = ("Prior Use Mark", "Modified Registered Mark")
_DATA_URI = b"data:image/svg+xml;base64,"


@dataclass(frozen=True)
class MarkReport:
    kind: str | None  # "VMC", "CMC" or None when the mark type is absent/unknown
    names: tuple[str, ...]
    not_after: dt.datetime | None
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not any(p.fatal for p in self.problems)


def check(pem: bytes, domains: Sequence[str], logo: bytes | None, now: dt.datetime,
          roots: Sequence[x509.Certificate] = ()) -> MarkReport:
    """``domains``: the author domain and its organizational domain; ``logo``: the SVG fetched from ``l=``."""
    try:
        chain = x509.load_pem_x509_certificates(pem)
    except ValueError:
        return MarkReport(None, (), None, (Problem("mark.unreadable", True),))
    leaf = chain[0]
    problems = _chain(chain, roots)
    problems += _validity(leaf, now)
    names = _names(leaf)
    if not {d.rstrip(".").lower() for d in domains} & {n.lower() for n in names}:
        problems.append(Problem("mark.name_mismatch", True, value=", ".join(names)[:120]))
    if not _has_bimi_eku(leaf):
        problems.append(Problem("mark.eku", True))
    problems += _logo(leaf, logo)
    return MarkReport(_kind(leaf), names, leaf.not_valid_after_utc, tuple(problems))


def _chain(chain: list[x509.Certificate], roots: Sequence[x509.Certificate]) -> list[Problem]:
    for child, parent in itertools.pairwise(chain):
        if not _signed_by(child, parent):
            return [Problem("mark.chain.broken", True, value=child.subject.rfc4514_string()[:120])]
    top = chain[-1]
    if not roots:
        return [Problem("mark.issuer.unverified", False, value=top.issuer.rfc4514_string()[:120])]
    if any(top == root or _signed_by(top, root) for root in roots):
        return []
    return [Problem("mark.issuer.untrusted", True, value=top.issuer.rfc4514_string()[:120])]


def _signed_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _validity(leaf: x509.Certificate, now: dt.datetime) -> list[Problem]:
    if now < leaf.not_valid_before_utc:
        return [Problem("mark.not_yet_valid", True, value=leaf.not_valid_before_utc.isoformat())]
    if now > leaf.not_valid_after_utc:
        return [Problem("mark.expired", True, value=leaf.not_valid_after_utc.isoformat())]
    if (leaf.not_valid_after_utc - now).days < 14:
        return [Problem("mark.expiring", False, value=leaf.not_valid_after_utc.isoformat())]
    return []


def _names(leaf: x509.Certificate) -> tuple[str, ...]:
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(san.get_values_for_type(x509.DNSName))


def _has_bimi_eku(leaf: x509.Certificate) -> bool:
    try:
        usages = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return BIMI_EKU in usages


def _kind(leaf: x509.Certificate) -> str | None:
    values = [str(a.value) for a in leaf.subject.get_attributes_for_oid(MARK_TYPE)]
    if any(v in VMC_MARKS for v in values):
        return "VMC"
    if any(v in CMC_MARKS for v in values):
        return "CMC"
    return None


def _logo(leaf: x509.Certificate, logo: bytes | None) -> list[Problem]:
    embedded = embedded_logo(leaf)
    if embedded is None:
        return [Problem("mark.logotype.missing", True)]
    served = inflate(logo) if logo is not None else None
    if served is not None and served.strip() != embedded.strip():
        return [Problem("mark.logo.mismatch", True)]
    return []


def embedded_logo(leaf: x509.Certificate) -> bytes | None:
    """The SVG inside the logotype extension (a gzip data URI), or None."""
    try:
        raw = leaf.extensions.get_extension_for_oid(LOGOTYPE).value
    except x509.ExtensionNotFound:
        return None
    der = raw.value if isinstance(raw, x509.UnrecognizedExtension) else b""
    for text in _ia5_strings(der, depth=0):
        if text.startswith(_DATA_URI):
            return _decode_data(text[len(_DATA_URI):])
    return None


def _decode_data(encoded: bytes) -> bytes | None:
    try:
        packed = b64decode(encoded, validate=True)
    except (Base64Error, ValueError):
        return None
    if not packed.startswith(b"\x1f\x8b"):
        return packed
    inflater = zlib.decompressobj(wbits=31)
    try:
        document = inflater.decompress(packed, MAX_DECOMPRESSED)
    except (zlib.error, gzip.BadGzipFile):
        return None
    return None if inflater.unconsumed_tail or not inflater.eof else document


def _ia5_strings(der: bytes, depth: int) -> Iterator[bytes]:
    """IA5Strings (tag 0x16) anywhere in a DER blob; constructed values are walked, depth-capped."""
    position = 0
    while position + 2 <= len(der) and depth < 16:
        tag, length, start = der[position], der[position + 1], position + 2
        if length & 0x80:
            count = length & 0x7F
            if count == 0 or count > 4 or start + count > len(der):
                return
            length, start = int.from_bytes(der[start:start + count], "big"), start + count
        end = start + length
        if end > len(der):
            return
        if tag == 0x16:
            yield der[start:end]
        elif tag & 0x20:
            yield from _ia5_strings(der[start:end], depth + 1)
        position = end
