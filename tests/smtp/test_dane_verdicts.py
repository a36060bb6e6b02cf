"""DANE matching and the three TLS verdicts, on chains presented by real loopback servers."""

from __future__ import annotations

import asyncio
import datetime
import hashlib
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mailaudit.smtp.certs import Trust
from mailaudit.smtp.dane_match import DaneResult, Tlsa, match
from mailaudit.smtp.probe import Endpoint, probe_tls
from mailaudit.smtp.session import Timeouts
from mailaudit.smtp.verdicts import host_data, judge

from ..smtpserver import CertKind, ServerSpec, SmtpRig, TestCA

FAST = Timeouts(connect=1.0, banner=1.0, command=1.0, session=3.0)
HOST = "mx.example.test"
A_VALID, A_EXPIRED, A_PLAIN, A_SILENT = "127.0.0.180", "127.0.0.181", "127.0.0.182", "127.0.0.183"


@pytest.fixture(scope="module")
def ca() -> TestCA:
    return TestCA()


@pytest.fixture(scope="module")
def rig(ca: TestCA) -> Iterator[SmtpRig]:
    server = SmtpRig(
        [
            ServerSpec(A_VALID, tls=CertKind.VALID),
            ServerSpec(A_EXPIRED, tls=CertKind.EXPIRED),
            ServerSpec(A_PLAIN),
            ServerSpec(A_SILENT, behaviour="silent"),
        ],
        ca,
    ).start()
    yield server
    server.stop()


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def probe(rig: SmtpRig, address: str):
    return asyncio.run(probe_tls(Endpoint(address, rig.port, HOST), "probe.mailaudit.test", FAST))


def spki(der: bytes) -> bytes:
    cert = x509.load_der_x509_certificate(der)
    return cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def test_dane_ee_spki_sha256(rig: SmtpRig) -> None:
    chain = probe(rig, A_VALID).tls.chain
    record = Tlsa(3, 1, 1, hashlib.sha256(spki(chain[0])).digest())
    assert match([record], chain, HOST, now()) is DaneResult.VALID


def test_dane_ee_ignores_expiry_and_name(rig: SmtpRig) -> None:
    chain = probe(rig, A_EXPIRED).tls.chain
    record = Tlsa(3, 0, 2, hashlib.sha512(chain[0]).digest())
    assert match([record], chain, "some.other.name", now()) is DaneResult.VALID


def test_dane_ta_on_the_intermediate(rig: SmtpRig) -> None:
    chain = probe(rig, A_VALID).tls.chain
    record = Tlsa(2, 0, 1, hashlib.sha256(chain[1]).digest())
    assert match([record], chain, HOST, now()) is DaneResult.VALID
    assert match([record], chain, "wrong.example.test", now()) is DaneResult.INVALID  # TA needs the name


def test_dane_ta_needs_valid_dates(rig: SmtpRig) -> None:
    chain = probe(rig, A_EXPIRED).tls.chain
    record = Tlsa(2, 1, 0, spki(chain[1]))
    assert match([record], chain, HOST, now()) is DaneResult.INVALID


def test_mismatch_and_unusable(rig: SmtpRig) -> None:
    chain = probe(rig, A_VALID).tls.chain
    assert match([Tlsa(3, 1, 1, b"\0" * 32)], chain, HOST, now()) is DaneResult.INVALID
    pkix = Tlsa(1, 1, 1, hashlib.sha256(spki(chain[0])).digest())  # PKIX-EE: unusable for SMTP
    assert match([pkix], chain, HOST, now()) is DaneResult.UNUSABLE
    assert match([Tlsa(3, 7, 1, b"")], chain, HOST, now()) is DaneResult.UNUSABLE


def test_three_verdicts_from_one_handshake(rig: SmtpRig, ca: TestCA) -> None:
    trust = Trust.load([ca.root_pem], system=False)
    good = probe(rig, A_VALID)
    record = Tlsa(3, 1, 1, hashlib.sha256(spki(good.tls.chain[0])).digest())
    verdict = judge(good, trust, now(), [record])
    assert verdict.opportunistic_ok and verdict.mta_sts_ok(["*.example.test"]) and verdict.dane is DaneResult.VALID
    assert not verdict.mta_sts_ok(["mail.example.net"])
    data = host_data(verdict)
    assert data["starttls"] is True and data["dane"] == "valid" and data["error"] is None
    assert data["certificate"]["valid"] is True and data["certificate"]["names"] == [HOST]  # type: ignore[index]

    expired = judge(probe(rig, A_EXPIRED), trust, now(), [record])
    assert expired.opportunistic_ok and not expired.mta_sts_ok(["*.example.test"])
    assert expired.dane is DaneResult.INVALID
    assert host_data(expired)["certificate"]["valid"] is False  # type: ignore[index]


def test_plain_and_untested_hosts_data(rig: SmtpRig, ca: TestCA) -> None:
    trust = Trust.load([ca.root_pem], system=False)
    plain = host_data(judge(probe(rig, A_PLAIN), trust, now()))
    assert plain["starttls"] is False and plain["certificate"] is None and plain["dane"] is None
    silent = host_data(judge(probe(rig, A_SILENT), trust, now()))
    assert silent["starttls"] is None and silent["error"]  # could not test: not "no STARTTLS"
