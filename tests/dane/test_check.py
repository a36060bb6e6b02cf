"""The dane check end to end against signed zones on loopback (signed at test time)."""

from __future__ import annotations

import pathlib
from collections.abc import Callable

import pytest

from mailaudit.model import Severity, Status
from tests.dnssec.checkrun import anchor_file, audit, cli_json, result
from tests.dnssec.signedserver import SignedServer
from tests.dnssec.signing import TLSA_311, TLSA_OTHER, TLSA_PKIX, World

Serve = Callable[..., SignedServer]


@pytest.fixture
def anchor(world: World, tmp_path: pathlib.Path) -> pathlib.Path:
    return anchor_file(world, tmp_path)


def findings(check: object) -> dict[tuple[str, str], object]:
    return {(f.id, f.subject): f for f in check.findings}  # type: ignore[attr-defined]


def test_secure_single_dane_ee_record(signed_server: Serve, anchor: pathlib.Path) -> None:
    check = result(audit(signed_server(), anchor, "example.test", "dane"), "dane")
    subject = "_25._tcp.mx.example.test"
    assert sorted(findings(check)) == [("dane.tlsa.rollover", subject), ("dane.unverified", subject)]
    assert findings(check)[("dane.unverified", subject)].severity is Severity.INFO  # type: ignore[attr-defined]
    assert check.status is Status.WARN
    assert check.datum("hosts") == [{"host": "mx.example.test", "tlsa": [TLSA_311], "status": "secure", "usable": 1}]


def test_records_per_host_pkix_unusable_rollover_ready_and_unsigned_host(
    signed_server: Serve, anchor: pathlib.Path
) -> None:
    check = result(audit(signed_server(), anchor, "dane.test", "dane"), "dane")
    got = findings(check)
    unusable = got[("dane.tlsa.unusable", "_25._tcp.mx.dane.test")]
    assert unusable.variant == "none_usable" and "PKIX" in unusable.detail  # type: ignore[attr-defined]
    assert ("dane.unverified", "_25._tcp.mx2.dane.test") in got  # two DANE-EE records: rollover ready
    assert ("dane.tlsa.rollover", "_25._tcp.mx2.dane.test") not in got
    unsigned = got[("dane.tlsa.unsigned", "_25._tcp.mx3.unsigned.test")]
    assert unsigned.variant == "default" and "unsigned.test" in unsigned.detail  # type: ignore[attr-defined]
    hosts = {h["host"]: h for h in check.datum("hosts")}  # type: ignore[union-attr]
    assert hosts["mx.dane.test"]["tlsa"] == [TLSA_PKIX] and hosts["mx.dane.test"]["usable"] == 0
    assert sorted(hosts["mx2.dane.test"]["tlsa"]) == sorted([TLSA_311, TLSA_OTHER])
    assert hosts["mx3.unsigned.test"]["status"] == "insecure"


def test_tlsa_in_an_unsigned_domain(signed_server: Serve, anchor: pathlib.Path) -> None:
    check = result(audit(signed_server(), anchor, "unsigned.test", "dane"), "dane")
    (finding,) = check.findings
    assert finding.id == "dane.tlsa.unsigned" and finding.subject == "_25._tcp.mx.unsigned.test"


def test_tampered_tlsa_is_bogus(signed_server: Serve, anchor: pathlib.Path) -> None:
    report = audit(signed_server(), anchor, "badtlsa.test", "dnssec", "dane")
    assert result(report, "dnssec").datum("status") == "secure"
    (finding,) = result(report, "dane").findings
    assert finding.id == "dane.tlsa.bogus" and finding.severity is Severity.CRITICAL
    assert finding.subject == "_25._tcp.mx.badtlsa.test"


def test_no_tlsa_no_findings(signed_server: Serve, anchor: pathlib.Path) -> None:
    check = result(audit(signed_server(), anchor, "sha1.test", "dane"), "dane")
    assert check.status is Status.PASS and check.findings == ()
    assert check.datum("hosts") == [{"host": "mx.sha1.test", "tlsa": [], "status": "secure", "usable": 0}]


def test_with_smtp_and_no_handshake_the_match_is_untested(signed_server: Serve, anchor: pathlib.Path) -> None:
    """192.0.2.25 is not a connectable target by default (nothing is sent): no chain to compare."""
    check = result(audit(signed_server(), anchor, "example.test", "dane", smtp=True), "dane")
    assert sorted(f.id for f in check.findings) == ["dane.tlsa.rollover", "dane.unverified"]
    assert next(f for f in check.findings if f.id == "dane.unverified").variant == "untested"


def test_stripped_signatures_are_an_error(signed_server: Serve, anchor: pathlib.Path) -> None:
    server = signed_server()
    server.strip_signatures = True
    check = result(audit(server, anchor, "example.test", "dane"), "dane")
    assert check.status is Status.ERROR and check.findings == ()


def test_tlsa_timeout_is_an_error_not_an_absence(signed_server: Serve, anchor: pathlib.Path) -> None:
    server = signed_server().timeout("_25._tcp.mx.example.test.", "TLSA")
    check = result(audit(server, anchor, "example.test", "dane"), "dane")
    assert check.status is Status.ERROR and check.findings == ()
    assert check.error is not None and "timeout" in check.error


def test_cli_json_and_indonesian(signed_server: Serve, anchor: pathlib.Path) -> None:
    _, data = cli_json(signed_server(), "badtlsa.test", "--trust-anchor", str(anchor), "--lang", "id")
    checks = {c["id"]: c for c in data["reports"][0]["checks"]}
    assert checks["dane"]["status"] == "fail"
    finding = next(f for f in data["reports"][0]["findings"] if f["id"] == "dane.tlsa.bogus")
    assert finding["title"] == "Pencarian TLSA host MX gagal validasi DNSSEC"


def test_a_bogus_zone_is_reported_once_by_the_dnssec_check(signed_server: Serve, anchor: pathlib.Path) -> None:
    report = audit(signed_server(), anchor, "expired.test", "dnssec", "dane")
    assert [f.id for f in result(report, "dnssec").findings] == ["dnssec.bogus"]
    assert result(report, "dane").findings == ()


def test_signed_provider_mx_of_an_unsigned_domain_is_low(signed_server: Serve, anchor: pathlib.Path) -> None:
    check = result(audit(signed_server(), anchor, "plain.test", "dane"), "dane")
    (finding,) = check.findings
    assert finding.id == "dane.tlsa.unsigned" and finding.variant == "mx"
    assert finding.severity is Severity.LOW and "plain.test" in finding.detail


def test_undecidable_address_lookup_is_an_error_not_unsigned(signed_server: Serve, anchor: pathlib.Path) -> None:
    server = signed_server().timeout("mx.example.test.", "A")
    check = result(audit(server, anchor, "example.test", "dane"), "dane")
    assert check.status is Status.ERROR and check.findings == ()
