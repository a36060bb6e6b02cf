"""The dkim check through the real-DNS test rig: selector discovery, RFC 8020, key findings."""

from __future__ import annotations

import inspect
import pathlib

import pytest

import mailaudit.spf.check
from mailaudit import AuditOptions, Status, audit
from mailaudit.dkim.selectors import BUILTIN

from .conftest import resolver_for

SPF_READY = "not implemented yet" not in inspect.getsource(mailaudit.spf.check)


def run(server, domain, *selectors, timeout=0.5):
    options = AuditOptions(checks=("dkim",), dkim_selectors=selectors)
    return audit(domain, resolver=resolver_for(server, timeout=timeout), options=options)


def by_subject(report, finding_id):
    return {f.subject: f for f in report.findings if f.id == finding_id}


@pytest.fixture
def zones(dns_server):
    return dns_server("dkim")


def test_strong_keys_pass_and_extra_selectors_are_added(zones):
    report = run(zones, "good.dkim.test", "ed")
    check = report.check("dkim")
    assert check.status is Status.PASS and report.findings == ()
    found = {s["selector"]: s["keys"][0] for s in check.datum("selectors")}
    assert found["google"]["bits"] == 2048 and found["ed"]["key_type"] == "ed25519"
    assert check.datum("probed") == len(BUILTIN) + 1
    assert zones.count("google._domainkey.good.dkim.test", "TXT") == 1


def test_weak_keys_by_size(zones):
    [weak] = run(zones, "weak512.dkim.test").findings
    assert (weak.id, weak.severity.value, weak.variant) == ("dkim.key.weak", "high", "broken")
    [weak] = run(zones, "weak1024.dkim.test").findings
    assert (weak.id, weak.severity.value) == ("dkim.key.weak", "medium")
    assert weak.subject == "dkim._domainkey.weak1024.dkim.test"
    assert any("p=MIGfMA0G" in e for e in weak.evidence)
    [weak] = run(zones, "short1536.dkim.test").findings
    assert (weak.severity.value, weak.variant) == ("low", "short")


def test_testing_flag_fix_keeps_other_flags(zones):
    [testing] = run(zones, "testing.dkim.test").findings
    assert testing.id == "dkim.key.testing" and testing.severity.value == "low"
    assert testing.fix.records[0].value.startswith("v=DKIM1; t=s; p=MIIB")
    assert testing.fix.records[0].name == "k1._domainkey.testing.dkim.test."


def test_revoked_only_means_no_usable_key(zones):
    report = run(zones, "revoked.dkim.test")
    ids = {f.id: f for f in report.findings}
    assert ids["dkim.key.revoked"].severity.value == "info"
    assert ids["dkim.key.revoked"].fix.remove[0].value == "v=DKIM1; k=rsa; p="
    assert ids["dkim.not_found"].variant == "unusable"


def test_invalid_keys(zones):
    report = run(zones, "invalid.dkim.test")
    invalid = {f.subject.split(".")[0]: f.variant for f in report.findings if f.id == "dkim.key.invalid"}
    # a bare PKCS#1 RSAPublicKey is what RFC 6376 3.6.1 defines: a valid key, not an invalid one
    assert invalid == {"dkim": "base64", "pic": "mismatch", "everlytickey1": "ed25519"}
    assert set(by_subject(report, "dkim.key.type")) == {"mandrill._domainkey.invalid.dkim.test"}
    assert "dkim.not_found" not in {f.id for f in report.findings}  # the PKCS#1 key is still a key


def test_hash_service_and_syntax(zones):
    report = run(zones, "flags.dkim.test")
    [sha1] = by_subject(report, "dkim.key.hash").values()
    assert sha1.variant == "sha1" and "h=" not in sha1.fix.records[0].value
    [service] = by_subject(report, "dkim.key.service").values()
    assert "s=" not in service.fix.records[0].value and service.severity.value == "high"
    assert set(by_subject(report, "dkim.syntax")) == {"mx._domainkey.flags.dkim.test"}


def test_cnames_are_followed_and_dangling_ones_reported(zones):
    report = run(zones, "m365.dkim.test")
    [selector2] = report.check("dkim").datum("selectors")
    assert selector2["cnames"] == ["selector2-m365._domainkey.tenant.dkim.test"]
    [dangling] = report.findings
    assert dangling.id == "dkim.selector.dangling" and dangling.subject == "selector1._domainkey.m365.dkim.test"
    assert "Microsoft 365" in dangling.fix.summary


def test_not_found_uses_rfc8020(zones):
    [nx] = run(zones, "nodkim.dkim.test").findings
    assert (nx.id, nx.variant, nx.severity.value) == ("dkim.not_found", "nxdomain", "medium")
    [hidden] = run(zones, "hidden.dkim.test").findings
    assert (hidden.variant, hidden.severity.value) == ("exists", "low")
    assert "--dkim-selector" in hidden.fix.summary
    assert run(zones, "hidden.dkim.test", "secret2024").findings == ()
    [wild] = run(zones, "wild.dkim.test").findings
    assert wild.variant == "unknown"


def test_timeouts_are_errors_never_not_found(dns_server):
    server = dns_server("dkim")
    server.timeout("google._domainkey.hidden.dkim.test", "TXT")
    report = run(server, "hidden.dkim.test", timeout=0.2)
    check = report.check("dkim")
    assert check.status is Status.ERROR and "google._domainkey.hidden.dkim.test TXT: timeout" in check.error
    assert report.findings == ()
    assert check.datum("unresolved") == ["google"]
    server.timeout("_domainkey.nodkim.dkim.test", "TXT")
    report = run(server, "nodkim.dkim.test", timeout=0.2)
    assert report.check("dkim").status is Status.ERROR and report.findings == ()


def test_nxdomain_at_domainkey_skips_the_selector_probes(zones):
    report = run(zones, "nodkim.dkim.test")
    assert report.check("dkim").datum("probed") == 0
    assert zones.count("google._domainkey.nodkim.dkim.test", "TXT") == 0


def test_hostile_record_does_not_crash(zones):
    report = run(zones, "hostile.dkim.test", "a..b", "x" * 300, "ok sel")
    assert report.check("dkim").status is Status.FAIL
    assert "dkim.syntax" in {f.id for f in report.findings}


@pytest.mark.skipif(not SPF_READY, reason="the SPF check (sends_no_mail) is not implemented yet")
def test_domain_that_sends_no_mail_gets_nothing_above_info(zones):
    [finding] = run(zones, "nomail.dkim.test").findings
    assert (finding.id, finding.variant, finding.severity.value) == ("dkim.not_found", "nomail", "info")
    report = run(zones, "nomailweak.dkim.test")
    assert {f.severity.value for f in report.findings} == {"info"}
    assert report.check("dkim").status is Status.PASS


def test_builtin_selectors_cover_common_providers_and_are_documented():
    names = {s.name for s in BUILTIN}
    common = {"k1", "smtp", "pic", "krs", "mailo", "dkim", "default", "mail", "google", "selector1", "selector2",
              "s1", "s2", "mandrill", "mx", "pdk1", "pdk2", "zoho", "everlytickey1", "everlytickey2"}
    assert common <= names and len(names) == len(BUILTIN)
    assert all(s.provider and s.source for s in BUILTIN)
    doc = (pathlib.Path(__file__).resolve().parent.parent / "docs" / "dmarc-dkim.md").read_text()
    missing = [s.name for s in BUILTIN if f"| `{s.name}` | {s.provider} | {s.source} |" not in doc]
    assert missing == [], "docs/dmarc-dkim.md does not list these built-in selectors as selectors.py has them"


def test_domain_with_no_mx_and_no_spf_gets_information_only(zones):
    [finding] = run(zones, "webonly.dkim.test").findings
    assert (finding.id, finding.variant, finding.severity.value) == ("dkim.not_found", "unused", "info")
