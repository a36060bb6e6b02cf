"""The smtp check end to end: zone files (offline) + real SMTP servers on loopback addresses."""

from __future__ import annotations

import asyncio
import hashlib
import pathlib
import time
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mailaudit.dnscore.resolver import Resolver
from mailaudit.engine import Auditor
from mailaudit.model import DomainReport, Status
from mailaudit.options import AuditOptions

from ..smtpserver import CertKind, ServerSpec, SmtpRig, TestCA
from .zones import client_zone, write_zone

A = {name: f"127.0.2.{n}" for n, name in enumerate(
    ["good", "good6", "plain", "expired", "wrong", "self", "silent1", "silent2", "closed1", "closed2", "busy"], start=10
)}  # fmt: skip
HOSTS = {name: f"mx-{name}.provider.test" for name in A}


@pytest.fixture(scope="module")
def ca() -> TestCA:
    return TestCA()


@pytest.fixture(scope="module")
def rig(ca: TestCA) -> Iterator[SmtpRig]:
    kinds = {"good": CertKind.VALID, "good6": CertKind.VALID, "expired": CertKind.EXPIRED,
             "wrong": CertKind.WRONG_NAME, "self": CertKind.SELF_SIGNED}  # fmt: skip
    behaviour = {"silent1": "silent", "silent2": "silent", "closed1": "closed", "closed2": "closed", "busy": "busy"}
    specs = [ServerSpec(A[n], behaviour=behaviour.get(n, "smtp"), host=HOSTS[n], tls=kinds.get(n)) for n in A]
    server = SmtpRig(specs, ca).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def zones(tmp_path_factory: pytest.TempPathFactory, rig: SmtpRig) -> pathlib.Path:
    folder = tmp_path_factory.mktemp("smtpzones")
    leaf = x509.load_der_x509_certificate(rig.spec(A["good"]).issued.der_chain()[0])  # type: ignore[union-attr]
    spki = leaf.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    write_zone(
        folder,
        "provider.test",
        [f"{HOSTS[n]}. 300 A {A[n]}" for n in A]
        + [f"_25._tcp.{HOSTS['good']}. 300 TLSA 3 1 1 {hashlib.sha256(spki).hexdigest()}",
           f"_25._tcp.{HOSTS['good6']}. 300 TLSA 3 1 1 {'00' * 32}"],
    )  # fmt: skip
    domains = {
        "good.test": ["good", "good6"], "plain.test": ["plain"], "expired.test": ["expired"],
        "wrong.test": ["wrong"], "self.test": ["self"], "blocked.test": ["silent1", "silent2", "closed1", "closed2"],
        "mixed.test": ["good", "busy"],
    }  # fmt: skip
    for domain, names in domains.items():
        client_zone(folder, domain, [(10 * (i + 1), HOSTS[n], A[n]) for i, n in enumerate(names)])
    return folder


def audit(zones: pathlib.Path, rig: SmtpRig, ca: TestCA, domains: list[str], **kw: object) -> list[DomainReport]:
    base: dict[str, object] = {"smtp": True, "smtp_port": rig.port, "smtp_timeout": 0.3,
                               "allow_private_targets": True, "ca_file": str(ca.root_pem),
                               "checks": ("mx", "smtp", "bypass")}  # fmt: skip
    base.update(kw)
    auditor = Auditor(Resolver(zones=[zones], offline=True), AuditOptions(**base))  # type: ignore[arg-type]

    async def run() -> list[DomainReport]:
        return [r async for r in auditor.audit_many(domains)]

    return sorted(asyncio.run(run()), key=lambda r: domains.index(r.domain))


def smtp_of(report: DomainReport):
    check = report.check("smtp")
    assert check is not None
    return check


def test_nothing_connects_without_smtp(zones: pathlib.Path, rig: SmtpRig, ca: TestCA) -> None:
    before = rig.counters.total()
    reports = audit(zones, rig, ca, ["good.test", "plain.test", "blocked.test"], smtp=False)
    for report in reports:
        assert smtp_of(report).status is Status.SKIPPED
        assert report.check("bypass").status is Status.SKIPPED  # type: ignore[union-attr]
    assert rig.counters.total() == before


def test_good_host_data_and_dane(zones: pathlib.Path, rig: SmtpRig, ca: TestCA) -> None:
    (report,) = audit(zones, rig, ca, ["good.test"])
    check = smtp_of(report)
    assert check.findings == () and check.status is Status.PASS, check.error
    hosts = {h["host"]: h for h in check.datum("hosts")}  # type: ignore[union-attr]
    good = hosts[HOSTS["good"]]
    assert good["address"] == A["good"] and good["starttls"] is True and good["tls_version"].startswith("TLSv1.")
    assert good["certificate"]["valid"] is True and good["certificate"]["names"] == [HOSTS["good"]]
    assert good["certificate"]["not_after"].endswith("Z")
    assert good["dane"] == "valid"
    assert hosts[HOSTS["good6"]]["dane"] == "invalid"  # a TLSA record matching nothing
    assert any("TLSA" in note for note in check.notes)


def test_no_starttls(zones: pathlib.Path, rig: SmtpRig, ca: TestCA) -> None:
    (report,) = audit(zones, rig, ca, ["plain.test"])
    check = smtp_of(report)
    assert [f.id for f in check.findings] == ["smtp.starttls.missing"]
    finding = check.findings[0]
    assert finding.subject == f"{HOSTS['plain']} {A['plain']}" and finding.severity.value == "high"
    assert any("EHLO" in line for line in finding.evidence)
    assert check.datum("hosts")[0]["starttls"] is False  # type: ignore[index]


@pytest.mark.parametrize(("domain", "problem"), [("expired.test", "expired"), ("wrong.test", "name mismatch"),
                                                 ("self.test", "self signed")])  # fmt: skip
def test_bad_certificates(zones: pathlib.Path, rig: SmtpRig, ca: TestCA, domain: str, problem: str) -> None:
    (report,) = audit(zones, rig, ca, [domain])
    check = smtp_of(report)
    assert [f.id for f in check.findings] == ["smtp.certificate.invalid"]
    assert problem in check.findings[0].detail
    assert check.datum("hosts")[0]["certificate"]["valid"] is False  # type: ignore[index]


def test_untrusted_without_ca_file(zones: pathlib.Path, rig: SmtpRig, ca: TestCA) -> None:
    (report,) = audit(zones, rig, ca, ["good.test"], ca_file=None)
    check = smtp_of(report)
    assert {f.id for f in check.findings} == {"smtp.certificate.invalid"}
    assert "untrusted" in check.findings[0].detail


def test_blocked_port25_is_one_headline_fast(zones: pathlib.Path, rig: SmtpRig, ca: TestCA) -> None:
    start = time.monotonic()
    (report,) = audit(zones, rig, ca, ["blocked.test"], smtp_timeout=0.5)
    elapsed = time.monotonic() - start
    check = smtp_of(report)
    assert check.status is Status.ERROR and "port 25 looks blocked" in (check.error or "")
    assert [f.id for f in check.findings] == ["smtp.port25.blocked"]
    assert "smtp.starttls.missing" not in {f.id for f in report.findings}
    assert all(h["starttls"] is None for h in check.datum("hosts"))  # type: ignore[union-attr]
    assert elapsed < 4.0  # four silent/refusing addresses at once: about one banner timeout (1.5 s)


def test_partly_untested_is_error_not_absence(zones: pathlib.Path, rig: SmtpRig, ca: TestCA) -> None:
    (report,) = audit(zones, rig, ca, ["mixed.test"])
    check = smtp_of(report)
    assert check.status is Status.ERROR and "unavailable" in (check.error or "")
    assert check.findings == ()


def test_private_targets_need_the_option(zones: pathlib.Path, rig: SmtpRig, ca: TestCA) -> None:
    before = rig.counters.total()
    (report,) = audit(zones, rig, ca, ["good.test"], allow_private_targets=False)
    check = smtp_of(report)
    assert check.status is Status.ERROR and "allow-private-targets" in (check.error or "")
    assert rig.counters.total() == before


def test_batch_of_200_domains_sharing_provider_mx(tmp_path: pathlib.Path, rig: SmtpRig, ca: TestCA) -> None:
    shared = ["good", "good6", "plain", "expired"]
    write_zone(tmp_path, "provider.test", [f"{HOSTS[n]}. 300 A {A[n]}" for n in shared])
    domains = [f"client{n}.test" for n in range(200)]
    prefs = {"good": 10, "good6": 10, "plain": 20, "expired": 30}
    for domain in domains:
        client_zone(tmp_path, domain, [(prefs[n], HOSTS[n], A[n]) for n in shared])
    before = {A[n]: rig.counters.connections[A[n]] for n in shared}
    reports = audit(tmp_path, rig, ca, domains)
    assert len(reports) == 200
    assert {A[n]: rig.counters.connections[A[n]] - before[A[n]] for n in shared} == {A[n]: 1 for n in shared}
    assert all(rig.counters.max_concurrent[A[n]] == 1 for n in shared)
    ids = {tuple(sorted(f.id for f in smtp_of(r).findings)) for r in reports}
    assert ids == {("smtp.certificate.invalid", "smtp.starttls.missing")}


def test_addresses_per_domain_are_capped(tmp_path: pathlib.Path, rig: SmtpRig, ca: TestCA) -> None:
    lines = [f"mx.many.test. 300 A 127.0.7.{n}" for n in range(1, 41)]  # nothing listens there
    client_zone(tmp_path, "many.test", [(10, "mx.many.test", "127.0.7.1")], lines[1:])
    (report,) = audit(tmp_path, rig, ca, ["many.test"])
    check = smtp_of(report)
    assert len(check.datum("hosts")) == 32  # type: ignore[arg-type]
    assert any("8 more MX address" in note for note in check.notes)
    assert check.status is Status.ERROR  # nothing answered: could not test, never "no STARTTLS"


def test_presented_chains_for_the_dane_check(zones: pathlib.Path, rig: SmtpRig, ca: TestCA) -> None:
    from mailaudit.catalogue import Catalogue
    from mailaudit.context import AuditContext
    from mailaudit.facts.smtp import presented_chains

    def chains(smtp: bool) -> tuple[tuple[str, tuple[bytes, ...]], ...]:
        options = AuditOptions(smtp=smtp, smtp_port=rig.port, smtp_timeout=0.3, allow_private_targets=True)
        ctx = AuditContext("good.test", Resolver(zones=[zones], offline=True), options, Catalogue.load())
        return asyncio.run(presented_chains(ctx, HOSTS["good"] + "."))

    ((address, chain),) = chains(True)
    assert address == A["good"] and chain == tuple(rig.spec(A["good"]).issued.der_chain())  # type: ignore[union-attr]
    before = rig.counters.total()
    assert chains(False) == () and rig.counters.total() == before
