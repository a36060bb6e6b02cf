"""dane.tlsa.mismatch with --smtp: signed TLSA records (signed at test time) against the chains
real SMTP servers on loopback present after STARTTLS (certificates from a test CA)."""

from __future__ import annotations

import asyncio
import hashlib
import pathlib
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mailaudit.dnscore.resolver import Resolver
from mailaudit.engine import Auditor
from mailaudit.model import Severity, Status
from mailaudit.options import AuditOptions
from tests.dnssec.signedserver import SignedServer
from tests.dnssec.signing import World, small_tree, soa
from tests.smtpserver import CertKind, ServerSpec, SmtpRig, TestCA

GOOD, OTHER = "127.0.2.60", "127.0.2.61"
ORIGIN = "smtpdane.test."


@pytest.fixture(scope="module")
def ca() -> TestCA:
    return TestCA()


@pytest.fixture(scope="module")
def rig(ca: TestCA) -> Iterator[SmtpRig]:
    specs = [
        ServerSpec(GOOD, host=f"mx.{ORIGIN}".rstrip("."), tls=CertKind.VALID),
        ServerSpec(OTHER, host=f"mx2.{ORIGIN}".rstrip("."), tls=CertKind.VALID),
    ]
    server = SmtpRig(specs, ca).start()
    yield server
    server.stop()


def spki_sha256(rig: SmtpRig, address: str) -> str:
    leaf = x509.load_der_x509_certificate(rig.spec(address).issued.der_chain()[0])  # type: ignore[union-attr]
    spki = leaf.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


@pytest.fixture(scope="module")
def world(rig: SmtpRig) -> World:
    text = (
        soa(ORIGIN) + f"ns.{ORIGIN} A 192.0.2.53\n{ORIGIN} MX 10 mx.{ORIGIN}\n{ORIGIN} MX 20 mx2.{ORIGIN}\n"
        f"mx.{ORIGIN} A {GOOD}\nmx2.{ORIGIN} A {OTHER}\n"
        f"_25._tcp.mx.{ORIGIN} TLSA 3 1 1 {spki_sha256(rig, GOOD)}\n"
        f"_25._tcp.mx2.{ORIGIN} TLSA 3 1 1 {spki_sha256(rig, GOOD)}\n"
    )  # mx2 presents another key
    return small_tree({ORIGIN: text})


def test_matching_and_mismatching_hosts(world: World, rig: SmtpRig, ca: TestCA, tmp_path: pathlib.Path) -> None:
    anchor = tmp_path / "anchor"
    anchor.write_text(world.anchor_text)
    with SignedServer(world.zones) as dns_server:
        options = AuditOptions(
            checks=("dane",),
            trust_anchor=str(anchor),
            smtp=True,
            smtp_port=rig.port,
            smtp_timeout=2.0,
            allow_private_targets=True,
            ca_file=str(ca.root_pem),
        )
        auditor = Auditor(Resolver([dns_server.address], timeout=1.0, retries=0), options)
        report = asyncio.run(auditor.audit(ORIGIN.rstrip(".")))
    (check,) = report.checks
    assert check.status is Status.FAIL, check
    mismatch = [f for f in check.findings if f.id == "dane.tlsa.mismatch"]
    assert len(mismatch) == 1 and mismatch[0].subject == "_25._tcp.mx2.smtpdane.test"
    assert mismatch[0].severity is Severity.CRITICAL and OTHER in " ".join(mismatch[0].evidence)
    hosts = {h["host"]: h for h in check.datum("hosts")}  # type: ignore[union-attr]
    assert hosts["mx.smtpdane.test"]["match"] == {GOOD: True}
    assert hosts["mx2.smtpdane.test"]["match"] == {OTHER: False}
    assert "dane.unverified" not in [f.id for f in check.findings]
