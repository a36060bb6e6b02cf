"""The dnssec check end to end: the engine and the CLI against signed zones on loopback."""

from __future__ import annotations

import pathlib
from collections.abc import Callable

import pytest

from mailaudit.model import Severity, Status

from .checkrun import anchor_file, audit, cli, cli_json, ids, result
from .signedserver import SignedServer
from .signing import World

Serve = Callable[..., SignedServer]


@pytest.fixture
def anchor(world: World, tmp_path: pathlib.Path) -> pathlib.Path:
    return anchor_file(world, tmp_path)


def test_secure_domain(signed_server: Serve, anchor: pathlib.Path) -> None:
    check = result(audit(signed_server(), anchor, "example.test", "dnssec"), "dnssec")
    assert check.status is Status.PASS and check.findings == ()
    assert check.datum("status") == "secure"
    assert check.datum("chain") == [".", "test.", "example.test."]
    assert check.datum("hosts") == [{"host": "mx.example.test", "status": "secure"}]


def test_unsigned_domain_is_an_info_finding(signed_server: Serve, anchor: pathlib.Path) -> None:
    server = signed_server()
    check = result(audit(server, anchor, "unsigned.test", "dnssec"), "dnssec")
    assert server.count("unsigned.test.", "MX") == 1  # the plain question only: nothing to verify
    assert check.datum("status") == "insecure"
    (finding,) = check.findings
    assert finding.id == "dnssec.insecure" and finding.severity is Severity.INFO
    assert "unsigned.test" in finding.detail


@pytest.mark.parametrize(
    ("domain", "variant", "words"),
    [
        ("expired.test", "expired", "expired on"),
        ("future.test", "not_yet_valid", "not valid before"),
        ("tampered.test", "invalid", "does not verify"),
        ("mismatch.test", "ds_mismatch", "no key matches"),
    ],
)
def test_bogus_is_critical_and_explained(
    signed_server: Serve, anchor: pathlib.Path, domain: str, variant: str, words: str
) -> None:
    check = result(audit(signed_server(), anchor, domain, "dnssec"), "dnssec")
    assert check.datum("status") == "bogus" and check.status is Status.FAIL
    bogus = [f for f in check.findings if f.id == "dnssec.bogus"]
    assert bogus and bogus[0].severity is Severity.CRITICAL and bogus[0].variant == variant
    assert words in bogus[0].detail and bogus[0].subject == domain


def test_ds_mismatch_fix_gives_the_ds_to_publish(signed_server: Serve, anchor: pathlib.Path, world: World) -> None:
    import dns.dnssec

    check = result(audit(signed_server(), anchor, "mismatch.test", "dnssec"), "dnssec")
    (finding,) = [f for f in check.findings if f.id == "dnssec.bogus"]
    assert finding.fix is not None
    expected = dns.dnssec.make_ds("mismatch.test.", world.keys["mismatch.test."].dnskey, "SHA256").to_text()
    assert [(r.name, r.type, r.value) for r in finding.fix.records] == [("mismatch.test.", "DS", expected)]


def test_deprecated_algorithm_is_noted(signed_server: Serve, anchor: pathlib.Path) -> None:
    report = audit(signed_server(), anchor, "sha1.test", "dnssec")
    assert ids(report, "dnssec") == ["dnssec.algorithm.deprecated"]
    assert result(report, "dnssec").datum("status") == "secure"


def test_sha1_only_ds_is_noted(signed_server: Serve, anchor: pathlib.Path) -> None:
    report = audit(signed_server(), anchor, "sha1ds.test", "dnssec")
    assert ids(report, "dnssec") == ["dnssec.ds.sha1"]
    assert result(report, "dnssec").findings[0].subject == "sha1ds.test"


def test_nsec3_opt_out_delegation_is_insecure(signed_server: Serve, anchor: pathlib.Path) -> None:
    check = result(audit(signed_server(), anchor, "legacy.n3.test", "dnssec"), "dnssec")
    assert check.datum("status") == "insecure" and check.findings[0].variant == "opt_out"
    assert "opt-out" in check.findings[0].detail


def test_refused_algorithm_is_insecure(signed_server: Serve, anchor: pathlib.Path) -> None:
    check = result(audit(signed_server(), anchor, "md5.test", "dnssec"), "dnssec")
    assert check.datum("status") == "insecure" and check.findings[0].variant == "algorithm"


def test_resolver_stripping_signatures_is_an_error_never_insecure(signed_server: Serve, anchor: pathlib.Path) -> None:
    server = signed_server()
    server.strip_signatures = True
    check = result(audit(server, anchor, "unsigned.test", "dnssec"), "dnssec")
    assert check.status is Status.ERROR and check.findings == ()
    assert check.datum("status") == "indeterminate"
    assert check.error is not None and "no signatures" in check.error


def test_timeout_is_an_error(signed_server: Serve, anchor: pathlib.Path) -> None:
    server = signed_server().timeout("example.test.", "DS")
    check = result(audit(server, anchor, "example.test", "dnssec"), "dnssec")
    assert check.status is Status.ERROR and check.datum("status") == "indeterminate"
    assert check.error is not None and "timeout" in check.error


def test_zone_files_skip_the_check(signed_server: Serve, anchor: pathlib.Path, tmp_path: pathlib.Path) -> None:
    from mailaudit.dnscore.resolver import Resolver
    from mailaudit.engine import Auditor
    from mailaudit.options import AuditOptions

    zone = tmp_path / "example.test.zone"
    zone.write_text("$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 300\n@ MX 10 mx\nmx A 192.0.2.1\n")
    import asyncio

    auditor = Auditor(Resolver(zones=[str(zone)], offline=True), AuditOptions(checks=("dnssec", "dane")))
    report = asyncio.run(auditor.audit("example.test"))
    assert {c.id: c.status for c in report.checks} == {"dnssec": Status.SKIPPED, "dane": Status.SKIPPED}


def test_each_zone_is_validated_once_per_batch(signed_server: Serve, anchor: pathlib.Path) -> None:
    import asyncio

    from mailaudit.dnscore.resolver import Resolver
    from mailaudit.engine import Auditor
    from mailaudit.options import AuditOptions

    server = signed_server()
    auditor = Auditor(
        Resolver([server.address], timeout=0.5, retries=0),
        AuditOptions(checks=("dnssec", "dane"), trust_anchor=str(anchor)),
    )

    async def run() -> None:
        async for _ in auditor.audit_many(["example.test", "unsigned.test", "dane.test", "n3.test"]):
            pass

    asyncio.run(run())
    assert server.count(".", "DNSKEY") == 1 and server.count("test.", "DNSKEY") == 1
    assert server.count("test.", "DS") == 1 and server.count("dane.test.", "DS") == 1
    # MX and addresses are asked plainly (shared MX facts) and once more with DO; TLSA only with DO
    assert {key for key, n in server.repeated().items() if key[1] not in ("MX", "A") or n > 2} == set()


# -- the command line -------------------------------------------------------------------------


def test_cli_json_status_and_exit_codes(signed_server: Serve, anchor: pathlib.Path) -> None:
    server = signed_server()
    code, data = cli_json(server, "example.test", "--trust-anchor", str(anchor), "--fail-on", "critical")
    checks = {c["id"]: c for c in data["reports"][0]["checks"]}
    assert checks["dnssec"]["status"] == "pass" and checks["dnssec"]["data"]["status"] == "secure"
    assert code == 0
    code, data = cli_json(server, "expired.test", "--trust-anchor", str(anchor), "--fail-on", "critical")
    assert code == 1
    assert any(f["id"] == "dnssec.bogus" for f in data["reports"][0]["findings"])


def test_cli_indeterminate_exits_3(signed_server: Serve, anchor: pathlib.Path) -> None:
    server = signed_server()
    server.strip_signatures = True
    code, data = cli_json(server, "example.test", "--trust-anchor", str(anchor), "--fail-on", "critical")
    checks = {c["id"]: c for c in data["reports"][0]["checks"]}
    assert checks["dnssec"]["status"] == "error" and checks["dnssec"]["data"]["status"] == "indeterminate"
    assert code == 3


def test_cli_bad_trust_anchor_is_one_line_exit_2(signed_server: Serve, tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.anchor"
    bad.write_text("example. A 192.0.2.1\n")
    done = cli(signed_server(), "example.test", "--trust-anchor", str(bad))
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "only DS or DNSKEY" in lines[0] and "Traceback" not in done.stderr


def test_cli_indonesian(signed_server: Serve, anchor: pathlib.Path) -> None:
    _, data = cli_json(signed_server(), "expired.test", "--trust-anchor", str(anchor), "--lang", "id")
    bogus = next(f for f in data["reports"][0]["findings"] if f["id"] == "dnssec.bogus")
    assert bogus["title"] == "Validasi DNSSEC gagal (bogus)" and "kedaluwarsa" in bogus["detail"]


@pytest.mark.parametrize("fmt", ["table", "markdown", "html", "junit", "jsonl"])
def test_cli_every_format(signed_server: Serve, anchor: pathlib.Path, fmt: str) -> None:
    done = cli(signed_server(), "mismatch.test", "--trust-anchor", str(anchor), "--format", fmt)
    assert done.returncode == 1, done.stderr
    assert "dnssec.bogus" in done.stdout or "DNSSEC validation fails" in done.stdout
    assert "Traceback" not in done.stderr


def test_authoritative_only_server_skips_with_the_reason(tmp_path: pathlib.Path) -> None:
    """A server that refuses the root (the project's plain test server, a zone's own server) cannot
    give a chain from the root anchors: both checks are skipped and say why; nothing is 'insecure'."""
    import asyncio

    from mailaudit.dnscore.resolver import Resolver
    from mailaudit.engine import Auditor
    from mailaudit.options import AuditOptions
    from tests.dnsserver import DNSServer

    zone = tmp_path / "plainrig.test.zone"
    zone.write_text("$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 300\n@ MX 10 mx\nmx A 192.0.2.1\n")
    with DNSServer().load(zone) as server:
        auditor = Auditor(Resolver([server.address], timeout=0.5, retries=0), AuditOptions(checks=("dnssec", "dane")))
        report = asyncio.run(auditor.audit("plainrig.test"))
        assert server.count(".", "DNSKEY") == 1
    for check in report.checks:
        assert check.status is Status.SKIPPED and "refuses" in (check.error or ""), check
        assert check.findings == ()
    assert result(report, "dnssec").datum("status") == "indeterminate"


def test_a_resolver_refusing_only_some_names_is_still_an_error(signed_server: Serve, anchor: pathlib.Path) -> None:
    server = signed_server()
    server.strip_signatures = True  # answers the root, but without signatures: not a refusal
    check = result(audit(server, anchor, "example.test", "dnssec"), "dnssec")
    assert check.status is Status.ERROR
