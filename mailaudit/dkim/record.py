"""DKIM key records (RFC 6376 section 3.6.1, RFC 8301, RFC 8463): a pure parser and key analysis.

``parse_dkim(text)`` reads one TXT string published at ``<selector>._domainkey.<domain>``;
``analyse_key(record)`` decodes ``p=`` with ``cryptography`` and says what key it is (RSA and
its size, Ed25519) or why it is not a usable key. Nothing here does I/O or raises on bad input.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from mailaudit.dmarc.record import split_tags

KEY_TYPES = ("rsa", "ed25519")
HASHES = ("sha1", "sha256")
_WHITESPACE = " \t\r\n"


@dataclass(frozen=True, slots=True)
class DkimRecord:
    text: str
    tags: tuple[tuple[str, str], ...]  # (name as published: case-sensitive, RFC 6376 3.2; value stripped)
    version: str | None = None  # v= as published
    key_type: str = "rsa"  # k=, lower case
    hashes: tuple[str, ...] | None = None  # h= entries, lower case; None when absent (all allowed)
    services: tuple[str, ...] = ("*",)  # s=
    flags: tuple[str, ...] = ()  # t=
    public_key: str | None = None  # p= with whitespace removed; None when the tag is absent
    errors: tuple[str, ...] = ()  # syntax problems, one sentence each

    @property
    def revoked(self) -> bool:
        """An empty ``p=``: the key was revoked (RFC 6376 section 3.6.1)."""
        return self.public_key == ""

    @property
    def testing(self) -> bool:
        return "y" in self.flags

    @property
    def sha1_only(self) -> bool:
        """``h=`` allows only sha1, which RFC 8301 forbids verifiers to accept."""
        return self.hashes is not None and {h for h in self.hashes if h in HASHES} == {"sha1"}

    @property
    def no_known_hash(self) -> bool:
        return self.hashes is not None and not any(h in HASHES for h in self.hashes)

    @property
    def covers_email(self) -> bool:
        return "*" in self.services or "email" in self.services

    @property
    def known_type(self) -> bool:
        return self.key_type in KEY_TYPES

    def with_tags(self, **changes: str | None) -> str:
        """The record text with tags changed (``None`` removes one); new tags go before ``p``."""
        out = [(name, changes.get(name, value)) for name, value in self.tags]
        kept = [(name, value) for name, value in out if value is not None]
        had = {name for name, _ in self.tags}
        at = next((i for i, (name, _) in enumerate(kept) if name == "p"), len(kept))
        kept[at:at] = [(n, v) for n, v in changes.items() if v is not None and n not in had]
        return "; ".join(f"{name}={value}" for name, value in kept)


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What ``p=`` holds: ``kind`` rsa/ed25519, its size, or the reason it is not usable."""

    kind: str
    bits: int = 0
    problem: str | None = None  # None | "revoked" | "missing" | "base64" | "rsa" | "mismatch" | "ed25519" | "type"
    pkcs1: bool = False  # a bare RSAPublicKey (what RFC 6376 3.6.1 defines), not SubjectPublicKeyInfo

    @property
    def usable(self) -> bool:
        return self.problem is None


def looks_like_dkim(text: str) -> bool:
    """A DKIM key record starts with ``v=DKIM1`` or at least carries a ``p=`` tag."""
    pairs, _ = split_tags(text, fold_case=False)
    names = [name for name, _ in pairs]
    return (bool(pairs) and pairs[0] == ("v", "DKIM1")) or "p" in names


def _colon_list(value: str) -> tuple[str, ...]:
    return tuple(part.strip(_WHITESPACE).lower() for part in value.split(":") if part.strip(_WHITESPACE))


def parse_dkim(text: str) -> DkimRecord:
    """Tag names are case-sensitive (RFC 6376 section 3.2): ``P=`` is not ``p=``."""
    pairs, errors = split_tags(text, fold_case=False)
    values = dict(pairs)
    version = values.get("v")
    if version is not None and (pairs[0][0] != "v" or version != "DKIM1"):
        errors.append("`v=` must be the first tag and be exactly `DKIM1`")
    key = values.get("p")
    if key is None:
        errors.append("the required `p=` tag is missing")
    else:
        key = "".join(key.split())
    hashes = _colon_list(values["h"]) if "h" in values else None
    return DkimRecord(
        text=text,
        tags=tuple(pairs),
        version=version,
        key_type=values.get("k", "rsa").strip(_WHITESPACE).lower() or "rsa",
        hashes=hashes,
        services=_colon_list(values.get("s", "*")) or ("*",),
        flags=_colon_list(values.get("t", "")),
        public_key=key,
        errors=tuple(errors),
    )


def analyse_key(record: DkimRecord) -> KeyInfo:
    kind = record.key_type
    if not record.known_type:
        return KeyInfo(kind, problem="type")
    if record.public_key is None:  # no p= at all: a syntax error, not a revocation
        return KeyInfo(kind, problem="missing")
    if not record.public_key:
        return KeyInfo(kind, problem="revoked")
    try:
        der = base64.b64decode(record.public_key, validate=True)
    except (binascii.Error, ValueError):
        return KeyInfo(kind, problem="base64")
    if kind == "ed25519":
        return _ed25519(der)
    return _rsa(der)


def _ed25519(raw: bytes) -> KeyInfo:
    """RFC 8463: the bare 32-byte public key, not wrapped in SubjectPublicKeyInfo."""
    if len(raw) != 32:
        return KeyInfo("ed25519", problem="ed25519")
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, UnsupportedAlgorithm):
        return KeyInfo("ed25519", problem="ed25519")
    return KeyInfo("ed25519", 256)


def _rsa(der: bytes) -> KeyInfo:
    """RFC 6376 section 3.6.1 defines a bare PKCS#1 RSAPublicKey; SubjectPublicKeyInfo (what
    most tools publish) is accepted by verifiers too. Both are valid keys."""
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return KeyInfo("rsa", problem="rsa")
    if not isinstance(key, rsa.RSAPublicKey):
        return KeyInfo("rsa", problem="mismatch")
    return KeyInfo("rsa", key.key_size, pkcs1=_is_pkcs1(der))


def _is_pkcs1(der: bytes) -> bool:
    """SubjectPublicKeyInfo opens SEQUENCE { SEQUENCE ...; PKCS#1 opens SEQUENCE { INTEGER ..."""
    if len(der) < 4 or der[0] != 0x30:
        return False
    header = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
    return len(der) > header and der[header] == 0x02
