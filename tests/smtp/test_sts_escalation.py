"""``smtp.certificate.invalid`` is high when the domain's MTA-STS policy is in enforce mode and
covers the host (MTA-STS senders then refuse to deliver there), medium otherwise. Real parts:
the project's DNS server, the HTTPS test server serving the policies, an SMTP server with an
expired certificate, all on loopback."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest

from mailaudit import AuditOptions, audit
from mailaudit.dnscore.resolver import Resolver
from mailaudit.model import Severity

from ..dnsserver import DNSServer
from ..httpsserver import HttpsServer
from ..httpsserver import TestCA as WebCA
from ..smtpserver import CertKind, ServerSpec, SmtpRig, TestCA

ROOT_ZONES = pathlib.Path(__file__).resolve().parent.parent / "zones" / "root"
MX_ADDRESS = "127.0.3.40"
WEB_ADDRESS = "127.0.3.41"
POLICY = "version: STSv1\nmode: {mode}\nmx: {mx}\nmax_age: 86400\n"


@pytest.fixture(scope="module")
def smtp_ca() -> TestCA:
    return TestCA()


@pytest.fixture(scope="module")
def smtp(smtp_ca: TestCA) -> Iterator[SmtpRig]:
    rig = SmtpRig([ServerSpec(MX_ADDRESS, host="mx.sts.test", tls=CertKind.EXPIRED)], smtp_ca).start()
    yield rig
    rig.stop()


def _domain(dns: DNSServer, web: HttpsServer, name: str, mode: str, mx_pattern: str) -> None:
    dns.add(f"{name}.", "MX", "10 mx.sts.test.")
    dns.add(f"_mta-sts.{name}.", "TXT", '"v=STSv1; id=20261201"')
    dns.add(f"mta-sts.{name}.", "A", WEB_ADDRESS)
    web.site(f"mta-sts.{name}")
    web.serve(f"mta-sts.{name}", "/.well-known/mta-sts.txt", POLICY.format(mode=mode, mx=mx_pattern))


@pytest.mark.parametrize(("mode", "pattern", "severity"), [
    ("enforce", "mx.sts.test", Severity.HIGH),
    ("enforce", "*.sts.test", Severity.HIGH),
    ("testing", "mx.sts.test", Severity.MEDIUM),
    ("enforce", "other.example", Severity.MEDIUM),  # the policy does not cover the host: mta_sts says so
])  # fmt: skip
def test_enforce_mode_makes_a_bad_certificate_high(tmp_path, smtp, smtp_ca, mode, pattern, severity):
    web_ca = WebCA(tmp_path)
    roots = tmp_path / "roots.pem"
    roots.write_bytes(smtp_ca.root_pem.read_bytes() + web_ca.ca_file.read_bytes())
    dns = DNSServer()
    dns.load(ROOT_ZONES)
    dns.add("mx.sts.test.", "A", MX_ADDRESS)
    dns.start()
    try:
        with HttpsServer(web_ca, WEB_ADDRESS) as web:
            _domain(dns, web, "client.sts.test", mode, pattern)
            options = AuditOptions(checks=("mx", "mta_sts", "smtp"), smtp=True, smtp_port=smtp.port,
                                   smtp_timeout=0.5, allow_private_targets=True, ca_file=str(roots),
                                   https_port=web.port, https_timeout=2.0)
            report = audit("client.sts.test", resolver=Resolver([dns.address], timeout=0.5, retries=0),
                           options=options)
    finally:
        dns.stop()
    findings = [f for f in report.check("smtp").findings if f.id == "smtp.certificate.invalid"]
    assert len(findings) == 1 and findings[0].severity is severity
    assert (findings[0].variant == "enforce") is (severity is Severity.HIGH)
