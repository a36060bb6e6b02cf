"""The TLS and RCPT probes against real SMTP servers on loopback (tests/smtpserver.py)."""

from __future__ import annotations

import asyncio
import datetime
import ssl
from collections.abc import Iterator

import pytest

from mailaudit.smtp.certs import EXPIRED, NAME_MISMATCH, SELF_SIGNED, Trust, examine
from mailaudit.smtp.outcomes import FailureKind
from mailaudit.smtp.probe import Endpoint, probe_rcpt, probe_tls
from mailaudit.smtp.session import Timeouts

from ..smtpserver import CertKind, ServerSpec, SmtpRig, TestCA

FAST = Timeouts(connect=1.0, banner=1.0, command=1.0, session=3.0)
HOST = "mx.example.test"

A_PLAIN, A_VALID, A_EXPIRED, A_WRONG, A_SELF, A_SILENT, A_BUSY, A_CLOSED, A_OPEN, A_LOCKED = (
    f"127.0.0.{n}" for n in range(40, 50)
)
A_OLD = "127.0.0.50"


@pytest.fixture(scope="module")
def ca() -> TestCA:
    return TestCA()


@pytest.fixture(scope="module")
def rig(ca: TestCA) -> Iterator[SmtpRig]:
    specs = [
        ServerSpec(A_PLAIN),
        ServerSpec(A_VALID, tls=CertKind.VALID),
        ServerSpec(A_EXPIRED, tls=CertKind.EXPIRED),
        ServerSpec(A_WRONG, tls=CertKind.WRONG_NAME),
        ServerSpec(A_SELF, tls=CertKind.SELF_SIGNED),
        ServerSpec(A_SILENT, behaviour="silent"),
        ServerSpec(A_BUSY, behaviour="busy"),
        ServerSpec(A_CLOSED, behaviour="closed"),
        ServerSpec(A_OPEN, rcpt="accept", domains=frozenset({"example.org"})),
        ServerSpec(A_LOCKED, rcpt="tenant_lock"),
        ServerSpec(A_OLD, tls=CertKind.VALID, tls_max=ssl.TLSVersion.TLSv1_1),
    ]
    server = SmtpRig(specs, ca).start()
    yield server
    server.stop()


def tls(rig: SmtpRig, address: str, host: str | None = HOST):
    return asyncio.run(probe_tls(Endpoint(address, rig.port, host), "probe.mailaudit.test", FAST))


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def test_no_starttls_is_a_result(rig: SmtpRig) -> None:
    probe = tls(rig, A_PLAIN)
    assert probe.failure is None
    assert probe.starttls is False and probe.tls is None
    assert probe.banner is not None and probe.banner.code == 220
    assert rig.counters.ehlo[A_PLAIN][-1] == "probe.mailaudit.test"
    assert "QUIT" in rig.counters.commands[A_PLAIN]


def test_valid_certificate(rig: SmtpRig, ca: TestCA) -> None:
    probe = tls(rig, A_VALID)
    assert probe.starttls is True and probe.tls is not None
    assert probe.tls.version.startswith("TLSv1.")
    assert len(probe.tls.chain) == 2  # leaf and intermediate, as presented
    facts = examine(probe.tls.chain, HOST, Trust.load([ca.root_pem], system=False), now())
    assert facts is not None and facts.valid and facts.names == (HOST,)
    assert rig.counters.commands[A_VALID].count("EHLO") >= 2  # EHLO again after TLS


def test_untrusted_without_the_test_root(rig: SmtpRig) -> None:
    probe = tls(rig, A_VALID)
    assert probe.tls is not None
    facts = examine(probe.tls.chain, HOST, Trust.load(system=True), now())
    assert facts is not None and not facts.valid and "untrusted" in facts.problems


@pytest.mark.parametrize(
    ("address", "problem"), [(A_EXPIRED, EXPIRED), (A_WRONG, NAME_MISMATCH), (A_SELF, SELF_SIGNED)]
)
def test_bad_certificates(rig: SmtpRig, ca: TestCA, address: str, problem: str) -> None:
    probe = tls(rig, address)
    assert probe.failure is None and probe.starttls is True and probe.tls is not None
    facts = examine(probe.tls.chain, HOST, Trust.load([ca.root_pem], system=False), now())
    assert facts is not None and facts.problems == (problem,)


def test_silent_server_is_a_tarpit_not_an_absence(rig: SmtpRig) -> None:
    probe = tls(rig, A_SILENT)
    assert probe.failure is not None and probe.failure.kind is FailureKind.TARPIT
    assert probe.starttls is None


def test_421_is_unavailable(rig: SmtpRig) -> None:
    probe = tls(rig, A_BUSY)
    assert probe.failure is not None and probe.failure.kind is FailureKind.UNAVAILABLE


def test_closed_port_is_refused(rig: SmtpRig) -> None:
    probe = tls(rig, A_CLOSED)
    assert probe.failure is not None and probe.failure.kind is FailureKind.REFUSED


def rcpt(rig: SmtpRig, address: str, domain: str):
    return asyncio.run(probe_rcpt(Endpoint(address, rig.port, None), domain, "probe.mailaudit.test", FAST))


def test_rcpt_accepted_and_never_data(rig: SmtpRig) -> None:
    probe = rcpt(rig, A_OPEN, "example.org")
    assert probe.failure is None and probe.mail is not None and probe.mail.code == 250
    assert probe.rcpt is not None and probe.rcpt.code == 250
    verbs = rig.counters.commands[A_OPEN]
    assert verbs[-4:] == ["EHLO", "MAIL", "RCPT", "QUIT"] and "DATA" not in verbs
    assert any("MAIL FROM:<>" in line for line in probe.transcript)
    assert any("RCPT TO:<postmaster@example.org>" in line for line in probe.transcript)


def test_rcpt_for_another_domain_is_refused(rig: SmtpRig) -> None:
    probe = rcpt(rig, A_OPEN, "example.com")
    assert probe.rcpt is not None and probe.rcpt.code == 550 and probe.rcpt.enhanced == "5.1.1"


def test_rcpt_tenant_lock(rig: SmtpRig) -> None:
    probe = rcpt(rig, A_LOCKED, "example.org")
    assert probe.rcpt is not None and probe.rcpt.enhanced == "5.7.51"
    assert "TenantInboundAttribution" in probe.rcpt.text


def test_rcpt_refuses_a_domain_that_would_inject(rig: SmtpRig) -> None:
    before = rig.counters.total()
    probe = rcpt(rig, A_OPEN, "example.org>\r\nDATA")
    assert probe.failure is not None and probe.failure.kind is FailureKind.PROTOCOL
    assert rig.counters.total() == before


def test_an_old_tls_server_is_described_not_missed(rig: SmtpRig) -> None:
    probe = tls(rig, A_OLD)
    assert probe.failure is None and probe.tls is not None and probe.tls.version == "TLSv1.1"
