"""The dmarc check through the real-DNS test rig: discovery, every finding id, failures."""

from __future__ import annotations

import inspect

import dns.name
import pytest

import mailaudit.spf.check
from mailaudit import AuditOptions, Status, audit
from mailaudit.facts.dmarc import walk_targets

from .conftest import resolver_for

DMARC_ONLY = AuditOptions(checks=("dmarc",))


def run(server, domain, timeout=0.5):
    return audit(domain, resolver=resolver_for(server, timeout=timeout), options=DMARC_ONLY)


def found(report):
    return {f.id: f for f in report.findings}


@pytest.fixture
def zones(dns_server):
    return dns_server("dmarc")


def test_good_record_passes(zones):
    report = run(zones, "good.dmarc.test")
    assert report.check("dmarc").status is Status.PASS
    assert report.findings == ()
    data = report.check("dmarc").datum("found_at")
    assert data == "_dmarc.good.dmarc.test"


def test_missing_gives_record_and_staged_plan(zones):
    report = run(zones, "missing.dmarc.test")
    [finding] = report.findings
    assert finding.id == "dmarc.missing" and finding.severity.value == "high"
    [record] = finding.fix.records
    assert record.name == "_dmarc.missing.dmarc.test." and record.type == "TXT"
    assert record.value == "v=DMARC1; p=none; rua=mailto:dmarc-reports@missing.dmarc.test"
    assert "p=quarantine" in finding.fix.summary and "p=reject" in finding.fix.summary
    assert any("_dmarc.missing.dmarc.test TXT: nxdomain" in e for e in finding.evidence)
    assert report.check("dmarc").status is Status.FAIL


def test_policy_none_next_stage(zones):
    f = found(run(zones, "none.dmarc.test"))
    finding = f["dmarc.policy.none"]
    assert finding.severity.value == "medium" and finding.subject == "_dmarc.none.dmarc.test"
    assert finding.fix.records[0].value == "v=DMARC1; p=quarantine; rua=mailto:d@none.dmarc.test"
    assert "p=reject" in finding.fix.summary and "placeholder" not in finding.fix.summary
    assert "dmarc.rua.missing" not in f


def test_policy_none_without_reports_first_collects(zones):
    f = found(run(zones, "nonenorua.dmarc.test"))
    assert f["dmarc.policy.none"].variant == "collect" and "placeholder" in f["dmarc.policy.none"].fix.summary
    assert f["dmarc.policy.none"].fix.records[0].value == (
        "v=DMARC1; p=none; rua=mailto:dmarc-reports@nonenorua.dmarc.test"
    )
    assert f["dmarc.rua.missing"].severity.value == "low"


def test_absent_p_is_none(zones):
    f = found(run(zones, "nop.dmarc.test"))
    assert f["dmarc.policy.none"].variant == "absent"
    assert "dmarc.syntax" not in f


def test_multiple(zones):
    report = run(zones, "multi.dmarc.test")
    f = found(report)
    assert f["dmarc.multiple"].severity.value == "high" and len(f["dmarc.multiple"].evidence) == 2
    assert "dmarc.missing" not in f


def test_syntax(zones):
    f = found(run(zones, "syntax.dmarc.test"))
    assert "p=rejectt" in f["dmarc.syntax"].detail and "fo=9" in f["dmarc.syntax"].detail
    assert "dmarc.policy.none" in f  # an invalid p leaves the policy at none


def test_pct_testing_and_weaker_subdomains(zones):
    pct = found(run(zones, "pct.dmarc.test"))["dmarc.pct.partial"]
    assert pct.severity.value == "low" and pct.fix.records[0].value == (
        "v=DMARC1; p=quarantine; rua=mailto:d@pct.dmarc.test"
    )
    f = found(run(zones, "weaksp.dmarc.test"))
    assert f["dmarc.subdomain.weaker"].severity.value == "medium"
    assert "sp=" not in f["dmarc.subdomain.weaker"].fix.records[0].value
    assert f["dmarc.np.weaker"].fix.records[0].value == "v=DMARC1; p=reject; sp=none; rua=mailto:d@weaksp.dmarc.test"
    t = found(run(zones, "testing.dmarc.test"))["dmarc.testing"]
    assert t.fix.records[0].value == "v=DMARC1; p=reject; rua=mailto:d@testing.dmarc.test"


def test_unknown_and_legacy_tags_are_info(zones):
    report = run(zones, "tags.dmarc.test")
    f = found(report)
    assert f["dmarc.tag.unknown"].severity.value == "info" and "foo" in f["dmarc.tag.unknown"].detail
    assert "rf, ri" in f["dmarc.tag.legacy"].detail
    assert report.check("dmarc").status is Status.PASS


def test_stray_spf_and_apex_records(zones):
    f = found(run(zones, "stray.dmarc.test"))
    assert f["dmarc.txt.other"].fix.remove[0].value == "google-site-verification=abc123"
    assert "dmarc.missing" not in f
    f = found(run(zones, "spfthere.dmarc.test"))
    assert "dmarc.txt.spf" in f and f["dmarc.missing"].severity.value == "high"
    f = found(run(zones, "apex.dmarc.test"))
    assert f["dmarc.misplaced"].fix.remove[0].name == "apex.dmarc.test."
    assert f["dmarc.missing"].variant == "misplaced"
    assert f["dmarc.missing"].fix.records[0].value == "v=DMARC1; p=reject"


def test_bad_report_uris(zones):
    report = run(zones, "uris.dmarc.test")
    bad = {f.variant: f for f in report.findings if f.id == "dmarc.uri.invalid"}
    assert set(bad) == {"scheme", "size", "malformed"}
    assert bad["size"].fix.records[0].value == (
        "v=DMARC1; p=reject; rua=mailto:d@uris.dmarc.test; ruf=mailto:nohost"
    )
    assert "ruf=" not in bad["malformed"].fix.records[0].value


def test_external_report_authorisation(zones):
    report = run(zones, "external.dmarc.test")
    unauthorised = [f for f in report.findings if f.id == "dmarc.rua.unauthorized"]
    assert [f.subject for f in unauthorised] == ["b@unauth.reports.test", "f@unauth.reports.test"]
    first = unauthorised[0]
    assert first.severity.value == "medium"
    assert any("unauth.reports.test" in e for e in first.evidence)
    assert first.fix.records[0].name == "external.dmarc.test._report._dmarc.unauth.reports.test."
    assert first.fix.records[0].value == "v=DMARC1"
    assert zones.count("external.dmarc.test._report._dmarc.authorised.reports.test", "TXT") == 1
    assert zones.count("external.dmarc.test._report._dmarc.x.wild.reports.test", "TXT") == 1
    assert report.check("dmarc").status is Status.WARN


def test_inherited_from_organizational_domain(zones):
    report = run(zones, "sub.org.dmarc.test")
    f = found(report)
    assert f["dmarc.inherited"].severity.value == "info"
    assert f["dmarc.inherited"].subject == "_dmarc.org.dmarc.test"
    assert "quarantine" in f["dmarc.inherited"].detail
    assert report.check("dmarc").datum("inherited") is True
    assert set(f) == {"dmarc.inherited"}


def test_inherited_none_is_fixed_at_the_domain_never_at_the_parent(zones):
    # the parent's record applies to every domain under it: never edit it to fix one of them
    f = found(run(zones, "sub.orgnone.dmarc.test"))
    none = f["dmarc.policy.none"]
    assert none.variant == "inherited" and none.fix.records[0].name == "_dmarc.sub.orgnone.dmarc.test."
    assert none.fix.records[0].value == "v=DMARC1; p=none; rua=mailto:dmarc-reports@sub.orgnone.dmarc.test"


def test_walk_is_capped_at_eight_names(zones):
    domain = "a.b.c.d.e.f.g.h.i.j.org.dmarc.test"
    report = run(zones, domain)
    assert found(report)["dmarc.inherited"].subject == "_dmarc.org.dmarc.test"
    asked = [k for k in zones.queries if k[0].startswith("_dmarc.")]
    assert len(asked) == 8
    assert ("_dmarc.f.g.h.i.j.org.dmarc.test.", "TXT") not in zones.queries
    assert ("_dmarc.b.c.d.e.f.g.h.i.j.org.dmarc.test.", "TXT") not in zones.queries
    assert ("_dmarc.g.h.i.j.org.dmarc.test.", "TXT") in zones.queries
    assert [n.to_text() for n in walk_targets(dns.name.from_text("x.example.com"))] == ["example.com.", "com."]


def test_public_suffix_record(zones):
    f = found(run(zones, "x.y.psd.dmarc.test"))
    assert f["dmarc.inherited"].subject == "_dmarc.psd.dmarc.test"
    f = found(run(zones, "z.y2.psd.dmarc.test"))
    assert f["dmarc.inherited"].subject == "_dmarc.y2.psd.dmarc.test"
    assert "dmarc.policy.none" in f


def test_timeout_on_dmarc_is_error_not_missing(zones):
    zones.timeout("_dmarc.missing.dmarc.test", "TXT")
    report = run(zones, "missing.dmarc.test", timeout=0.2)
    check = report.check("dmarc")
    assert check.status is Status.ERROR and "timeout" in (check.error or "")
    assert report.findings == ()


def test_timeout_in_the_walk_is_error_not_missing(zones):
    zones.timeout("_dmarc.org.dmarc.test", "TXT")
    report = run(zones, "sub.org.dmarc.test", timeout=0.2)
    assert report.check("dmarc").status is Status.ERROR
    assert "dmarc.missing" not in found(report)


def test_servfail_is_error(zones):
    zones.servfail("_dmarc.good.dmarc.test")
    check = run(zones, "good.dmarc.test").check("dmarc")
    assert check.status is Status.ERROR and "SERVFAIL" in (check.error or "")


def test_hostile_record_does_not_crash(zones):
    report = run(zones, "hostile.dmarc.test")
    assert report.check("dmarc").status is Status.FAIL
    assert "dmarc.syntax" in found(report)


SPF_READY = "not implemented yet" not in inspect.getsource(mailaudit.spf.check)


@pytest.mark.skipif(not SPF_READY, reason="the SPF check (sends_no_mail) is not implemented yet")
def test_domain_that_sends_no_mail_gets_reject(zones):
    f = found(run(zones, "nomail.dmarc.test"))
    assert f["dmarc.missing"].variant == "nomail"
    assert f["dmarc.missing"].fix.records[0].value == "v=DMARC1; p=reject"
    f = found(run(zones, "nomailnone.dmarc.test"))
    assert f["dmarc.policy.none"].variant == "nomail"
    assert f["dmarc.policy.none"].fix.records[0].value == "v=DMARC1; p=reject"


def test_timeout_on_report_authorisation_is_error_not_unauthorized(zones):
    zones.timeout("external.dmarc.test._report._dmarc.unauth.reports.test", "TXT")
    report = run(zones, "external.dmarc.test", timeout=0.2)
    assert report.check("dmarc").status is Status.ERROR
    assert "dmarc.rua.unauthorized" not in found(report)


def test_longest_domain_name_does_not_break_discovery(zones):
    domain = ".".join(["a" * 60] * 3) + "." + "b" * 54 + ".dmarc.test"  # 250 octets: no room for _dmarc
    assert len(dns.name.from_text(domain).to_wire()) == 250
    report = audit(domain, resolver=resolver_for(zones), options=AuditOptions(checks=("dmarc", "dkim")))
    assert "internal error" not in " ".join(c.error or "" for c in report.checks)
    assert report.check("dmarc").status is not Status.ERROR


def test_syntax_fix_drops_invalid_optional_tags(zones):
    syntax = found(run(zones, "repair.dmarc.test"))["dmarc.syntax"]
    assert syntax.variant == "repair"
    assert syntax.fix.records[0].value == "v=DMARC1; p=reject; rua=mailto:d@repair.dmarc.test"
    assert found(run(zones, "syntax.dmarc.test"))["dmarc.syntax"].fix.records == ()
