"""The mta_sts check end to end: real DNS server, real HTTPS server with a test CA, real TLS."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest

from mailaudit import Auditor
from mailaudit.model import Status
from mailaudit.mta_sts import mx, policy
from tests.transportrig import POLICY, Rig

ENFORCE = "version: STSv1\nmode: enforce\nmx: mx1.sts.test\nmx: *.mail.protection.outlook.test\nmax_age: 604800\n"
MX = ("mx1.sts.test", "sts-test.mail.protection.outlook.test")


def setup(rig: Rig, body: str | bytes = ENFORCE, domain: str = "sts.test", **serve: object) -> None:
    rig.mx(domain, *MX)
    rig.sts(domain, body, **serve)


def findings(report, check="mta_sts"):  # type: ignore[no-untyped-def]
    return [(f.id, f.variant, f.subject) for f in report.check(check).findings]


def test_good_policy_passes_with_contract_data(rig: Rig) -> None:
    setup(rig)
    result = rig.audit("sts.test", "mta_sts").check("mta_sts")
    assert result.status is Status.PASS and result.findings == ()
    data = dict(result.data)
    assert data["record"] == "v=STSv1; id=20261201"
    assert data["policy"] == {"mode": "enforce", "max_age": 604800,
                              "mx": ["mx1.sts.test", "*.mail.protection.outlook.test"]}
    assert rig.https.requests[("mta-sts.sts.test", POLICY)] == 1
    cert = data["certificate"]
    assert cert["names"] == ["mta-sts.sts.test"] and cert["issuer"] == "mailaudit test CA"
    assert 88 <= cert["days_left"] <= 90


def test_uncovered_mx_in_enforce_is_high_with_a_complete_fix(rig: Rig) -> None:
    rig.mx("sts.test", "mx1.sts.test", "sts-test.h-v1.mx.microsoft.test")
    rig.sts("sts.test", ENFORCE.replace("*.mail.protection.outlook.test", "*.mx.microsoft.test"))
    [finding] = rig.audit("sts.test", "mta_sts").check("mta_sts").findings
    assert (finding.id, finding.subject, finding.severity.value) == (
        "mta_sts.mx.uncovered", "sts-test.h-v1.mx.microsoft.test", "high")
    assert finding.fix is not None and finding.fix.records[0].name == "_mta-sts.sts.test."
    assert finding.fix.records[0].value.startswith("v=STSv1; id=")
    text = dict(finding.params)["policy_file"]
    assert text in finding.fix.summary
    parsed = policy.parse(text.encode())
    assert parsed.valid and parsed.mode == "enforce"
    assert mx.uncovered(parsed.mx, ["mx1.sts.test", "sts-test.h-v1.mx.microsoft.test"]) == []


def test_testing_mode(rig: Rig) -> None:
    setup(rig, ENFORCE.replace("enforce", "testing").replace("mx: mx1.sts.test\n", ""))
    got = {(f.id, f.severity.value) for f in rig.audit("sts.test", "mta_sts").check("mta_sts").findings}
    assert got == {("mta_sts.mode.testing", "low"), ("mta_sts.mx.uncovered", "medium")}


def test_mode_none(rig: Rig) -> None:
    setup(rig, "version: STSv1\nmode: none\nmax_age: 86400\n")
    assert findings(rig.audit("sts.test", "mta_sts")) == [("mta_sts.mode.none", "default", "mta-sts.sts.test")]


@pytest.mark.parametrize(
    ("serve", "variant"),
    [
        ({"status": 404}, "http_status"),
        ({"content_type": "text/html"}, "media_type"),
        ({"body": b"\xef\xbb\xbf" + ENFORCE.encode()}, "encoding"),
        ({"body": "<html><body>It works!</body></html>"}, "grammar"),
    ],
)
def test_unusable_policy_is_unreachable(rig: Rig, serve: dict[str, object], variant: str) -> None:
    body = serve.pop("body", ENFORCE)
    setup(rig, body, **serve)  # type: ignore[arg-type]
    report = rig.audit("sts.test", "mta_sts")
    [finding] = report.check("mta_sts").findings
    assert (finding.id, finding.variant, finding.severity.value) == ("mta_sts.policy.unreachable", variant, "high")
    assert finding.fix is not None and "mx: mx1.sts.test" in finding.fix.summary
    assert report.check("mta_sts").status is Status.FAIL


def test_redirect_is_not_followed(rig: Rig) -> None:
    setup(rig)
    rig.https.redirect("mta-sts.sts.test", POLICY, "https://www.sts.test/mta-sts.txt")
    [finding] = rig.audit("sts.test", "mta_sts").check("mta_sts").findings
    assert (finding.id, finding.variant) == ("mta_sts.policy.unreachable", "redirect")
    assert "https://www.sts.test/mta-sts.txt" in finding.detail
    assert sum(rig.https.requests.values()) == 1


@pytest.mark.parametrize("kind", ["expired", "wrong_name"])
def test_bad_certificate(rig: Rig, kind: str) -> None:
    setup(rig)
    rig.https.site("mta-sts.sts.test", kind)
    [finding] = rig.audit("sts.test", "mta_sts").check("mta_sts").findings
    assert (finding.id, finding.variant) == ("mta_sts.policy.unreachable", "certificate")
    assert ("expired" if kind == "expired" else "name_mismatch") in finding.detail


def test_huge_policy(rig: Rig) -> None:
    setup(rig)
    rig.https.huge("mta-sts.sts.test", POLICY, 64 * 1024 * 1024)
    [finding] = rig.audit("sts.test", "mta_sts").check("mta_sts").findings
    assert (finding.id, finding.variant) == ("mta_sts.policy.unreachable", "too_large")


def test_policy_host_without_address(rig: Rig) -> None:
    rig.mx("sts.test", *MX)
    rig.dns.add("_mta-sts.sts.test.", "TXT", '"v=STSv1; id=1"')
    [finding] = rig.audit("sts.test", "mta_sts").check("mta_sts").findings
    assert (finding.id, finding.variant) == ("mta_sts.policy.unreachable", "no_address")


def test_expiring_policy_certificate(rig: Rig) -> None:
    setup(rig)
    rig.https.site("mta-sts.sts.test", days=5)
    got = [(f.id, f.severity.value) for f in rig.audit("sts.test", "mta_sts").check("mta_sts").findings]
    assert got == [("mta_sts.certificate.expiring", "medium")]


def test_timeout_at_the_policy_host_is_an_error_not_an_absence(rig: Rig) -> None:
    setup(rig)
    rig.https.hang("mta-sts.sts.test")
    result = rig.audit("sts.test", "mta_sts").check("mta_sts")
    assert result.status is Status.ERROR and result.findings == ()
    assert "mta-sts.sts.test" in (result.error or "") and "could not tell" in (result.error or "")
    assert dict(result.data)["record"] == "v=STSv1; id=20261201"


def test_dns_timeout_is_an_error(rig: Rig) -> None:
    rig.dns.timeout("_mta-sts.sts.test.", "TXT")
    result = rig.audit("sts.test", "mta_sts").check("mta_sts")
    assert result.status is Status.ERROR and result.findings == ()


def test_no_record_means_no_fetch(rig: Rig) -> None:
    rig.mx("sts.test", *MX)
    rig.web("mta-sts.sts.test")
    result = rig.audit("sts.test", "mta_sts").check("mta_sts")
    assert result.status is Status.PASS and dict(result.data) == {"record": None, "policy": None}
    assert rig.https.connections == 0


def test_no_connection_to_loopback_without_allow_private_targets(rig: Rig) -> None:
    setup(rig)
    result = rig.audit("sts.test", "mta_sts", allow_private_targets=False).check("mta_sts")
    assert rig.https.connections == 0  # counted at the server's TCP accept, before TLS
    assert result.findings == () and result.status is Status.PASS
    assert any("--allow-private-targets" in note and "127.0.0.6" in note for note in result.notes)


def test_policy_host_fetched_once_per_run(rig: Rig) -> None:
    setup(rig)

    async def batch() -> list[object]:
        auditor = Auditor(resolver=rig.resolver(), options=rig.options(("mta_sts", "tls_rpt")))
        return [r async for r in auditor.audit_many(["sts.test", "STS.test", "sts.test."])]

    reports = asyncio.run(batch())
    assert len(reports) == 3
    assert rig.https.requests[("mta-sts.sts.test", POLICY)] == 1 and rig.https.connections == 1


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mailaudit", *args], capture_output=True, text=True, timeout=60)


def test_cli_timeout_exits_3_and_json_has_the_contract_shape(rig: Rig) -> None:
    setup(rig)
    rig.https.hang("mta-sts.sts.test")
    result = run_cli("check", "sts.test", *rig.cli_args("--allow-private-targets", "--no-dnsbl", "--fail-on",
                                                          "critical", "--format", "json"))
    assert result.returncode == 3, result.stderr
    check = next(c for c in json.loads(result.stdout)["reports"][0]["checks"] if c["id"] == "mta_sts")
    assert check["status"] == "error" and check["error"]
    assert check["data"]["record"] == "v=STSv1; id=20261201" and check["data"]["policy"] is None


def test_cli_refuses_loopback_by_default(rig: Rig) -> None:
    setup(rig)
    result = run_cli("check", "sts.test", *rig.cli_args("--no-dnsbl", "--fail-on", "critical", "--format", "json"))
    assert result.returncode == 0, result.stderr
    assert rig.https.connections == 0
    result = run_cli("check", "sts.test", *rig.cli_args("--allow-private-targets", "--no-dnsbl", "--format", "json",
                                                          "--fail-on", "critical", "--lang", "id"))
    check = next(c for c in json.loads(result.stdout)["reports"][0]["checks"] if c["id"] == "mta_sts")
    assert check["status"] == "pass" and check["data"]["policy"]["mode"] == "enforce"
    assert rig.https.connections == 1
