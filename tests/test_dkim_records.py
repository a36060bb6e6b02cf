"""The pure DKIM key record parser and key analysis (RFC 6376, RFC 8301, RFC 8463)."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from mailaudit.dkim.record import analyse_key, looks_like_dkim, parse_dkim


def rsa_spki(bits: int, pkcs1: bool = False) -> str:
    """A syntactically valid RSA public key of the given size (a made-up modulus, not a real key)."""
    key = rsa.RSAPublicNumbers(65537, (1 << (bits - 1)) | 0x1235).public_key()
    fmt = serialization.PublicFormat.PKCS1 if pkcs1 else serialization.PublicFormat.SubjectPublicKeyInfo
    return base64.b64encode(key.public_bytes(serialization.Encoding.DER, fmt)).decode()


def test_defaults_and_tags():
    r = parse_dkim("v=DKIM1; p=" + rsa_spki(2048))
    assert (r.version, r.key_type, r.hashes, r.services, r.flags) == ("DKIM1", "rsa", None, ("*",), ())
    assert not r.testing and not r.sha1_only and r.covers_email and r.errors == ()
    r = parse_dkim("v=DKIM1; h=sha1:sha256; k=RSA; s=email:*; t=y:s; n=notes; p=abc")
    assert r.hashes == ("sha1", "sha256") and not r.sha1_only and r.key_type == "rsa"
    assert r.testing and r.flags == ("y", "s")


def test_key_sizes_and_types():
    assert (analyse_key(parse_dkim("p=" + rsa_spki(1024))).bits) == 1024
    assert analyse_key(parse_dkim("p=" + rsa_spki(512))).bits == 512
    info = analyse_key(parse_dkim("p=" + rsa_spki(1024, pkcs1=True)))
    assert (info.bits, info.problem, info.pkcs1) == (1024, None, True)
    raw = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    info = analyse_key(parse_dkim("v=DKIM1; k=ed25519; p=" + base64.b64encode(raw).decode()))
    assert (info.kind, info.bits, info.usable) == ("ed25519", 256, True)


def test_unusable_keys():
    assert analyse_key(parse_dkim("v=DKIM1; p=")).problem == "revoked"
    assert analyse_key(parse_dkim("v=DKIM1; p=@@@")).problem == "base64"
    assert analyse_key(parse_dkim("v=DKIM1; p=AAAA")).problem == "rsa"
    assert analyse_key(parse_dkim("v=DKIM1; k=ed25519; p=AAAA")).problem == "ed25519"
    assert analyse_key(parse_dkim("v=DKIM1; k=dsa; p=AAAA")).problem == "type"


def test_whitespace_inside_p_is_ignored():
    key = rsa_spki(2048)
    spaced = " ".join(key[i : i + 60] for i in range(0, len(key), 60))
    assert analyse_key(parse_dkim(f"v=DKIM1; p={spaced}")).bits == 2048


def test_syntax_errors():
    assert parse_dkim("k=rsa; v=DKIM1; p=x").errors
    assert parse_dkim("v=DKIM2; p=x").errors
    assert "missing" in parse_dkim("v=DKIM1; k=rsa").errors[0]
    assert parse_dkim("v=DKIM1; p=a; p=b").errors


def test_flags_and_rewrites():
    r = parse_dkim("v=DKIM1; h=sha1; s=tlsrpt; t=y; p=abc")
    assert r.sha1_only and not r.covers_email
    assert r.with_tags(h=None, s=None, t=None) == "v=DKIM1; p=abc"
    assert parse_dkim("v=DKIM1; h=md5; p=abc").no_known_hash


def test_looks_like_dkim():
    assert looks_like_dkim("v=DKIM1; p=abc") and looks_like_dkim("k=rsa; p=abc")
    assert not looks_like_dkim("v=spf1 -all") and not looks_like_dkim("google-site-verification=x")


def test_hostile_input():
    r = parse_dkim("v=DKIM1; p=" + "A" * 70000)
    assert analyse_key(r).problem in ("rsa", "base64")
    assert analyse_key(parse_dkim("\x00;\x1b[31m=;p=\x07")).problem == "base64"
