"""DMARC and DKIM verdicts as RFC 9989 / RFC 9990 / RFC 6376 say (issue 11), through the
real-DNS test rig: one zone (tests/zones/rfc) with a domain per case."""

from __future__ import annotations

import pytest

from mailaudit import AuditOptions, audit
from mailaudit.dkim.record import analyse_key, parse_dkim
from mailaudit.dmarc.record import is_dmarc, looks_like_dmarc, parse_dmarc, split_tags

from .conftest import resolver_for


@pytest.fixture
def zones(dns_server):
    return dns_server("rfc")


def run(server, domain, *checks):
    options = AuditOptions(checks=checks or ("dmarc",), dnsbl=False)
    return audit(domain, resolver=resolver_for(server), options=options)


def ids(report):
    return {f.id: f for f in report.findings}


def data(report, check="dmarc"):
    return dict(report.check(check).data)


@pytest.mark.parametrize("domain", ["case.rfc.test", "space.rfc.test"])
def test_wrong_case_or_leading_space_is_not_a_dmarc_record(zones, domain):
    # RFC 9989 4.7: the record starts with v=DMARC1, value case-sensitive; others are discarded
    report = run(zones, domain)
    found = ids(report)
    assert "dmarc.missing" in found and "dmarc.txt.other" in found
    assert data(report)["record"] is None and data(report)["effective_policy"] is None


def test_invalid_sp_makes_the_record_fall_back_to_none(zones):
    # RFC 9989 4.10.1: an invalid sp or np: with a usable rua the receiver acts as p=none
    report = run(zones, "badsp.rfc.test")
    d = data(report)
    assert (d["policy"], d["subdomain_policy"], d["nonexistent_policy"], d["effective_policy"]) == (
        "none", "none", "none", "none")
    assert d["tags"] == {"v": "DMARC1", "p": "reject", "sp": "bogus", "rua": "mailto:d@badsp.rfc.test"}
    syntax = ids(report)["dmarc.syntax"]
    assert syntax.variant == "repair" and syntax.fix.records[0].value == (
        "v=DMARC1; p=reject; rua=mailto:d@badsp.rfc.test")
    assert "dmarc.policy.none" not in ids(report)  # the repair restores p=reject: no weaker stage


def test_invalid_np_without_rua_means_no_dmarc_processing(zones):
    d = data(run(zones, "badnp.rfc.test"))
    assert d["policy"] is None and d["effective_policy"] is None


def test_no_p_and_no_rua_means_no_dmarc_processing(zones):
    report = run(zones, "bare.rfc.test")
    assert data(report)["effective_policy"] is None
    none = ids(report)["dmarc.policy.none"]
    assert none.variant == "ignored"
    assert none.fix.records[0].value == "v=DMARC1; p=none; rua=mailto:dmarc-reports@bare.rfc.test; adkim=s"


@pytest.mark.parametrize(("domain", "policy", "effective"), [
    ("treject.rfc.test", "reject", "quarantine"), ("tquar.rfc.test", "quarantine", "none")])
def test_testing_mode_lowers_the_policy_in_force(zones, domain, policy, effective):
    d = data(run(zones, domain))
    assert (d["policy"], d["effective_policy"]) == (policy, effective)


@pytest.mark.parametrize(("domain", "variant"), [
    ("treject.rfc.test", "default"), ("pct0.rfc.test", "default"), ("enforced.rfc.test", "dmarc_enforced")])
def test_testing_and_pct0_are_not_enforcement_when_judging_softfail(zones, domain, variant):
    report = run(zones, domain, "spf", "dmarc")
    assert ids(report)["spf.all.softfail"].variant == variant


def test_report_address_at_a_sibling_of_the_organizational_domain_is_authorised(zones):
    # RFC 9990 compares organizational domains: b.org.rfc.test reports for a.org.rfc.test
    assert "dmarc.rua.unauthorized" not in ids(run(zones, "a.org.rfc.test"))
    # a destination whose common parent publishes no DMARC record is another organisation
    assert "dmarc.rua.unauthorized" in ids(run(zones, "lone.rfc.test"))


def test_dkim_tag_names_are_case_sensitive(zones):
    report = run(zones, "upper.rfc.test", "dkim")
    found = ids(report)
    assert "dkim.syntax" in found and "dkim.key.revoked" not in found
    assert found["dkim.not_found"].variant == "unusable"
    [key] = data(report, "dkim")["selectors"][0]["keys"]
    assert key["problem"] == "missing" and "P" in key["tags"] and "p" not in key["tags"]


def test_dkim_record_without_p_is_not_revoked(zones):
    found = ids(run(zones, "nop.rfc.test", "dkim"))
    assert "dkim.syntax" in found and "dkim.key.revoked" not in found


def test_bare_pkcs1_rsa_key_is_valid(zones):
    report = run(zones, "pkcs1.rfc.test", "dkim")
    assert report.findings == ()
    [key] = data(report, "dkim")["selectors"][0]["keys"]
    assert (key["bits"], key["problem"]) == (2048, None)


def test_tags_after_the_64th_are_read(zones):
    report = run(zones, "many.rfc.test", "dkim")
    assert report.findings == ()
    [key] = data(report, "dkim")["selectors"][0]["keys"]
    assert key["bits"] == 2048 and len(key["tags"]) == 72


def test_record_units():
    assert looks_like_dmarc("v=dmarc1; p=reject") and looks_like_dmarc(" v=DMARC1; p=none")
    assert not looks_like_dmarc("v=DMARC1; p=none") and is_dmarc("v=DMARC1")
    pairs, errors = split_tags("v=DKIM1; P=abc", fold_case=False)
    assert pairs == [("v", "DKIM1"), ("P", "abc")] and not errors
    assert analyse_key(parse_dkim("v=DKIM1; k=rsa")).problem == "missing"
    assert analyse_key(parse_dkim("v=DKIM1; k=rsa; p=")).problem == "revoked"
    record = parse_dmarc("v=DMARC1; " + "; ".join(f"x{i}=1" for i in range(80)) + "; p=reject")
    assert record.p == "reject" and not record.errors
    exactly = parse_dmarc("v=DMARC1; p=reject; " + "; ".join(f"x{i}=1" for i in range(62)))
    assert not exactly.errors  # 64 tags: no "too many" error
