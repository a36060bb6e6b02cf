"""The bypass check end to end: zone files (offline) + real SMTP servers on loopback addresses."""

from __future__ import annotations

import asyncio
import pathlib
from collections.abc import Iterator

import pytest

from mailaudit.dnscore.resolver import Resolver
from mailaudit.engine import Auditor
from mailaudit.model import DomainReport, Status
from mailaudit.options import AuditOptions

from ..smtp.zones import client_zone, write_zone
from ..smtpserver import ServerSpec, SmtpRig

FILTER, OPEN, SPFIP, TENANT, BACKUP, OLDMX, SILENT_MX, SILENT, GOOGLE = (f"127.0.3.{n}" for n in range(10, 19))
MIMECAST_MX = "eu-smtp-inbound-1.mimecast.com"


@pytest.fixture(scope="module")
def rig() -> Iterator[SmtpRig]:
    mine = frozenset({"client.test", "backup.test", "old.test", "own.test", "gws.test"})
    specs = [
        ServerSpec(FILTER, host=MIMECAST_MX, rcpt="accept", domains=mine),
        ServerSpec(OPEN, host="mail.client.test", rcpt="accept", domains=mine, ident="ESMTP Exim 4.96 cPanel"),
        ServerSpec(SPFIP, host="web.hoster.test", rcpt="reject"),
        ServerSpec(TENANT, host="client-test.mail.protection.outlook.com", rcpt="tenant_lock"),
        ServerSpec(BACKUP, host="backup.backup.test", rcpt="accept", domains=mine),
        ServerSpec(OLDMX, host="oldmx.old.test", rcpt="accept", domains=mine),
        ServerSpec(SILENT_MX, behaviour="silent"),
        ServerSpec(SILENT, behaviour="silent"),
        ServerSpec(GOOGLE, host="mx.google.com", rcpt="accept", domains=mine),
    ]
    server = SmtpRig(specs).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def zones(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    folder = tmp_path_factory.mktemp("bypasszones")
    write_zone(
        folder, "mimecast.com", [f"{MIMECAST_MX}. 300 A {FILTER}", f"eu-smtp-inbound-9.mimecast.com. 300 A {SILENT_MX}"]
    )
    filt = [(10, MIMECAST_MX, FILTER)]
    spf = f'@ 300 TXT "v=spf1 include:spf.protection.outlook.com ip4:{SPFIP} ip4:198.51.100.0/24 -all"'
    client_zone(folder, "client.test", filt, [f"mail 300 A {OPEN}", spf])
    client_zone(folder, "backup.test", [*filt, (20, "backup.backup.test", BACKUP)])
    client_zone(folder, "old.test", filt, [f"oldmx 300 A {OLDMX}"])
    client_zone(folder, "own.test", [(10, "mx.own.test", OPEN)])
    client_zone(folder, "locked.test", filt, ['@ 300 TXT "MS=ms12345678"'])
    write_zone(folder, "outlook.com", [f"client-test.mail.protection.outlook.com. 300 A {TENANT}",
                                       f"locked-test.mail.protection.outlook.com. 300 A {TENANT}"])  # fmt: skip
    write_zone(folder, "google.com", [f"aspmx.l.google.com. 300 A {GOOGLE}"])
    client_zone(folder, "gws.test", filt, ['@ 300 TXT "google-site-verification=abc123"'])
    client_zone(folder, "dark.test", [(10, "eu-smtp-inbound-9.mimecast.com", SILENT_MX)], [f"mail 300 A {SILENT}"])
    return folder


def audit(zones: pathlib.Path, rig: SmtpRig, domain: str, **kw: object) -> DomainReport:
    base: dict[str, object] = {"smtp": True, "smtp_port": rig.port, "smtp_timeout": 0.3,
                               "allow_private_targets": True, "checks": ("mx", "spf", "smtp", "bypass")}  # fmt: skip
    base.update(kw)
    auditor = Auditor(Resolver(zones=[zones], offline=True), AuditOptions(**base))  # type: ignore[arg-type]
    return asyncio.run(auditor.audit(domain))


def bypass_of(report: DomainReport):
    check = report.check("bypass")
    assert check is not None
    return check


def test_open_origin_and_locked_tenant(zones: pathlib.Path, rig: SmtpRig) -> None:
    report = audit(zones, rig, "client.test")
    check = bypass_of(report)
    assert check.datum("filter") == "mimecast"
    found = {c["address"]: c for c in check.datum("candidates")}  # type: ignore[union-attr]
    assert found[OPEN] == {**found[OPEN], "host": "mail.client.test", "accepts": True, "verdict": "accepts"}
    assert found[TENANT]["accepts"] is False and found[TENANT]["verdict"] == "locked"
    assert found[SPFIP]["accepts"] is False and found[SPFIP]["host"] is None
    assert FILTER not in found  # the filter's own addresses are not origin candidates
    assert [f.id for f in check.findings] == ["bypass.origin.open"]
    finding = check.findings[0]
    assert finding.subject == f"mail.client.test {OPEN}" and finding.severity.value == "high"
    assert finding.variant == "exim_certificate"  # cPanel/Exim banner, Mimecast locks by certificate
    assert "*.mimecast.com" in finding.fix.summary and "Mimecast" in finding.detail  # type: ignore[union-attr]
    assert "necessary, not sufficient" in finding.detail
    assert any("necessary, not sufficient" in note for note in check.notes)
    assert "RCPT" not in rig.counters.commands[FILTER]
    assert all("DATA" not in verbs for verbs in rig.counters.commands.values())


def test_lower_mx_outside_the_filter(zones: pathlib.Path, rig: SmtpRig) -> None:
    check = bypass_of(audit(zones, rig, "backup.test"))
    (finding,) = check.findings
    assert finding.subject == f"backup.backup.test {BACKUP}"
    assert finding.fix is not None and [r.value for r in finding.fix.remove] == ["20 backup.backup.test."]


def test_old_mx_from_the_baseline(zones: pathlib.Path, rig: SmtpRig) -> None:
    assert bypass_of(audit(zones, rig, "old.test")).findings == ()  # oldmx is no conventional name
    check = bypass_of(audit(zones, rig, "old.test", baseline_mx=(("old.test", ("oldmx.old.test",)),)))
    assert [f.subject for f in check.findings] == [f"oldmx.old.test {OLDMX}"]
    assert check.datum("candidates")[0]["reason"] == "baseline_mx"  # type: ignore[index]


def test_no_filter_means_nothing_to_bypass(zones: pathlib.Path, rig: SmtpRig) -> None:
    before = rig.counters.commands[OPEN].count("RCPT")
    check = bypass_of(audit(zones, rig, "own.test"))
    assert check.datum("filter") is None and check.datum("candidates") == []
    assert check.status is Status.PASS and check.findings == ()
    assert rig.counters.commands[OPEN].count("RCPT") == before


def test_locked_tenant_is_no_finding(zones: pathlib.Path, rig: SmtpRig) -> None:
    check = bypass_of(audit(zones, rig, "locked.test"))
    assert check.status is Status.PASS and check.findings == ()
    assert [c["verdict"] for c in check.datum("candidates")] == ["locked"]  # type: ignore[union-attr]


def test_nothing_answering_is_an_error_not_a_pass(zones: pathlib.Path, rig: SmtpRig) -> None:
    check = bypass_of(audit(zones, rig, "dark.test"))
    assert check.status is Status.ERROR and "port 25 looks blocked" in (check.error or "")
    assert check.findings == ()
    assert all(c["accepts"] is False for c in check.datum("candidates"))  # type: ignore[union-attr]


def test_skipped_without_smtp(zones: pathlib.Path, rig: SmtpRig) -> None:
    before = rig.counters.total()
    check = bypass_of(audit(zones, rig, "client.test", smtp=False))
    assert check.status is Status.SKIPPED
    assert rig.counters.total() == before


def test_python_api_takes_the_smtp_options(zones: pathlib.Path, rig: SmtpRig) -> None:
    from mailaudit import audit as audit_api

    report = audit_api(
        "client.test",
        resolver=Resolver(zones=[zones], offline=True),
        smtp=True,
        smtp_port=rig.port,
        smtp_timeout=0.3,
        allow_private_targets=True,
    )
    assert "bypass.origin.open" in {f.id for f in report.findings}


def test_google_workspace_behind_a_filter(zones: pathlib.Path, rig: SmtpRig) -> None:
    check = bypass_of(audit(zones, rig, "gws.test"))
    (finding,) = check.findings
    assert finding.subject == f"aspmx.l.google.com {GOOGLE}" and finding.variant == "google"
    assert "Reject all mail not from gateway IPs" in finding.fix.summary  # type: ignore[union-attr]


def test_cli_baseline_mx_becomes_a_candidate(zones: pathlib.Path, rig: SmtpRig, tmp_path: pathlib.Path) -> None:
    import json
    import subprocess
    import sys

    mx = {"hosts": [{"preference": 10, "host": "oldmx.old.test.", "addresses": [OLDMX]}]}
    old = {"domain": "old.test", "checks": [{"id": "mx", "status": "pass", "error": None, "data": mx}], "findings": []}
    baseline = tmp_path / "last-month.json"
    baseline.write_text(json.dumps({"version": 1, "reports": [old]}))
    result = subprocess.run(
        [sys.executable, "-m", "mailaudit", "check", "old.test", "--offline", "--zone", str(zones), "--smtp",
         "--allow-private-targets", "--smtp-port", str(rig.port), "--smtp-timeout", "0.3", "--no-dnsbl",
         "--baseline", str(baseline), "--format", "json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)["reports"][0]
    opened = [f for f in report["findings"] if f["id"] == "bypass.origin.open"]
    assert [f["subject"] for f in opened] == [f"oldmx.old.test {OLDMX}"]
