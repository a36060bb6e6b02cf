"""`mailaudit check --smtp` as a user runs it: exit codes, every output format, no probe without --smtp."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import time
from collections.abc import Iterator

import jsonschema
import pytest

from ..smtpserver import CertKind, ServerSpec, SmtpRig, TestCA
from .zones import client_zone, write_zone

FILTER, OPEN, PLAIN, BADCERT, SILENT = (f"127.0.4.{n}" for n in range(10, 15))
MIMECAST_MX = "eu-smtp-inbound-1.mimecast.com"
SCHEMA = pathlib.Path(__file__).resolve().parents[2] / "docs" / "schema" / "report.schema.json"
FORMATS = ("table", "json", "jsonl", "html", "junit", "markdown", "csv")


@pytest.fixture(scope="module")
def ca() -> TestCA:
    return TestCA()


@pytest.fixture(scope="module")
def rig(ca: TestCA) -> Iterator[SmtpRig]:
    mine = frozenset({"client.test"})
    server = SmtpRig(
        [
            ServerSpec(FILTER, host=MIMECAST_MX, rcpt="accept", domains=mine, tls=CertKind.EXPIRED),
            ServerSpec(OPEN, host="mail.client.test", rcpt="accept", domains=mine),
            ServerSpec(PLAIN, host="mx2.client.test"),
            ServerSpec(SILENT, behaviour="silent"),
        ],
        ca,
    ).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def zones(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    folder = tmp_path_factory.mktemp("clizones")
    write_zone(folder, "mimecast.com", [f"{MIMECAST_MX}. 300 A {FILTER}"])
    client_zone(folder, "client.test", [(10, MIMECAST_MX, FILTER)], [f"mail 300 A {OPEN}"])
    client_zone(folder, "plain.test", [(10, "mx2.plain.test", PLAIN)])
    client_zone(folder, "dark.test", [(10, "mx.dark.test", SILENT)])
    return folder


def cli(zones: pathlib.Path, rig: SmtpRig, ca: TestCA, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "import sys; from mailaudit.cli import main; sys.exit(main())", "check",
               *args, "--offline", "--zone", str(zones), "--smtp-port", str(rig.port), "--smtp-timeout", "0.3",
               "--ca-file", str(ca.root_pem), "--no-dnsbl"]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_shows_the_new_ids(zones: pathlib.Path, rig: SmtpRig, ca: TestCA, fmt: str) -> None:
    result = cli(zones, rig, ca, "client.test", "plain.test", "--smtp", "--allow-private-targets", "--format", fmt)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    if fmt in ("json", "jsonl", "junit", "markdown", "csv"):
        for fid in ("bypass.origin.open", "smtp.starttls.missing", "smtp.certificate.invalid"):
            assert fid in out, (fmt, fid)
    else:  # table and html show titles
        for title in ("Mail can skip the filter", "does not offer STARTTLS", "MX certificate is expired"):
            assert title in out, (fmt, title)


def test_json_data_fields(zones: pathlib.Path, rig: SmtpRig, ca: TestCA) -> None:
    result = cli(zones, rig, ca, "client.test", "--smtp", "--allow-private-targets", "--format", "json")
    document = json.loads(result.stdout)
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    report = document["reports"][0]
    checks = {c["id"]: c for c in report["checks"]}
    host = checks["smtp"]["data"]["hosts"][0]
    assert set(host) >= {"host", "address", "starttls", "tls_version", "certificate", "dane"}
    assert host["host"] == MIMECAST_MX and host["address"] == FILTER and host["starttls"] is True
    assert set(host["certificate"]) >= {"valid", "names", "not_after"} and host["certificate"]["valid"] is False
    assert checks["bypass"]["data"]["filter"] == "mimecast"
    candidate = next(c for c in checks["bypass"]["data"]["candidates"] if c["address"] == OPEN)
    assert candidate["host"] == "mail.client.test" and candidate["accepts"] is True


def test_id_language(zones: pathlib.Path, rig: SmtpRig, ca: TestCA) -> None:
    result = cli(zones, rig, ca, "client.test", "--smtp", "--allow-private-targets", "--format", "json", "--lang", "id")
    titles = {f["id"]: f["title"] for f in json.loads(result.stdout)["reports"][0]["findings"]}
    assert titles["bypass.origin.open"].startswith("E-mail dapat melewati filter")


def test_blocked_port25_exits_3_quickly(zones: pathlib.Path, rig: SmtpRig, ca: TestCA) -> None:
    start = time.monotonic()
    result = cli(
        zones, rig, ca, "dark.test", "--smtp", "--allow-private-targets", "--format", "json", "--fail-on", "critical"
    )  # the test zone has no SPF/DMARC: high findings
    assert result.returncode == 3, result.stderr
    assert time.monotonic() - start < 30
    checks = {c["id"]: c for c in json.loads(result.stdout)["reports"][0]["checks"]}
    assert checks["smtp"]["status"] == "error" and "port 25 looks blocked" in checks["smtp"]["error"]


def test_private_targets_refused_by_default(zones: pathlib.Path, rig: SmtpRig, ca: TestCA) -> None:
    before = rig.counters.total()
    result = cli(zones, rig, ca, "plain.test", "--smtp", "--format", "json", "--fail-on", "critical")
    assert result.returncode == 3, result.stderr
    checks = {c["id"]: c for c in json.loads(result.stdout)["reports"][0]["checks"]}
    assert "allow-private-targets" in checks["smtp"]["error"]
    assert rig.counters.total() == before


def test_nothing_connects_without_smtp(zones: pathlib.Path, rig: SmtpRig, ca: TestCA) -> None:
    before = rig.counters.total()
    result = cli(
        zones, rig, ca, "client.test", "plain.test", "dark.test", "--allow-private-targets", "--format", "json"
    )
    assert result.returncode in (0, 1, 3), result.stderr
    for report in json.loads(result.stdout)["reports"]:
        statuses = {c["id"]: c["status"] for c in report["checks"]}
        assert statuses["smtp"] == "skipped" and statuses["bypass"] == "skipped"
    assert rig.counters.total() == before


def test_bad_smtp_port_is_usage_error(zones: pathlib.Path, rig: SmtpRig, ca: TestCA) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mailaudit", "check", "client.test", "--smtp-port", "99999"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr


@pytest.mark.parametrize("name", ["bad name", "x.test\r\nDATA", "-x.test", ""])
def test_bad_ehlo_name_is_usage_error(name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mailaudit", "check", "client.test", "--smtp", "--smtp-ehlo", name],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_ehlo_name_is_used(zones: pathlib.Path, rig: SmtpRig, ca: TestCA) -> None:
    cli(zones, rig, ca, "plain.test", "--smtp", "--allow-private-targets", "--smtp-ehlo", "audit.consultant.example")
    assert rig.counters.ehlo[PLAIN][-1] == "audit.consultant.example"
