"""The spf check through the test DNS server: findings, fixes, the tree and sending addresses."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from mailaudit import AuditOptions, Auditor, Severity, Status, audit
from mailaudit.catalogue import Catalogue
from mailaudit.context import AuditContext
from mailaudit.dns import Resolver, run_sync
from mailaudit.facts.spf import spf_facts

from .conftest import resolver_for

SPF_ONLY = AuditOptions(checks=("spf",))


@pytest.fixture
def spf_audit(dns_server):
    server = dns_server("spf")
    resolver = resolver_for(server)

    def run(name, **kw):
        options = AuditOptions(checks=("spf",), **kw)
        return audit(f"{name}.spf.test", resolver=resolver, options=options)

    run.server = server
    return run


def txt(text):
    """Zone-file text of a TXT record, split into 255-byte strings."""
    return " ".join(f'"{text[i:i + 255]}"' for i in range(0, len(text), 255))


def only(report, finding_id):
    [finding] = [f for f in report.findings if f.id == finding_id]
    return finding


def fix_values(finding):
    return [r.value for r in finding.fix.records] if finding.fix else []


def test_good_record_passes_with_tree_and_networks(spf_audit):
    report = spf_audit("good")
    check = report.check("spf")
    assert check.status is Status.PASS and report.findings == ()
    assert check.datum("lookups") == 2 and check.datum("voids") == 0
    assert check.datum("networks") == {"ipv4": ["5.9.0.0/16", "94.130.12.0/24"], "ipv6": []}
    tree = check.datum("tree")
    assert [c["domain"] for c in tree["children"]] == ["_spf.provider.test"]
    assert tree["children"][0]["children"][0]["domain"] == "_spf2.provider.test"
    json.dumps(dict(check.data))  # JSON-safe


def test_softfail_without_dmarc_is_medium_with_the_fix_to_minus_all(spf_audit):
    finding = only(spf_audit("soft"), "spf.all.softfail")
    assert finding.severity is Severity.MEDIUM
    assert fix_values(finding) == ["v=spf1 include:_spf.provider.test -all"]
    assert finding.fix.records[0].name == "soft.spf.test." and finding.fix.records[0].type == "TXT"
    assert "v=spf1 include:_spf.provider.test ~all" in finding.evidence[0]


def test_softfail_with_enforced_dmarc_is_low_and_says_why(spf_audit):
    finding = only(spf_audit("softdmarc"), "spf.all.softfail")
    assert finding.severity is Severity.LOW and finding.variant == "dmarc_enforced"
    assert "forwarded" in finding.detail and "before DMARC" in finding.detail
    assert finding.fix is None


@pytest.mark.parametrize(
    ("name", "finding_id", "severity", "fixed"),
    [
        ("neutral", "spf.all.neutral", Severity.MEDIUM, "v=spf1 mx -all"),
        ("open", "spf.all.pass", Severity.CRITICAL, "v=spf1 a -all"),
        ("noall", "spf.all.missing", Severity.MEDIUM, "v=spf1 ip4:94.130.12.5 -all"),
        ("afterall", "spf.all.not_last", Severity.LOW, "v=spf1 ip4:94.130.12.5 -all"),
        ("viaredirect", "spf.all.softfail", Severity.MEDIUM, "v=spf1 ip4:94.130.12.6 include:softtail.spf.test -all"),
        ("brokeninc", "spf.include.missing", Severity.HIGH, "v=spf1 include:_spf.provider.test -all"),
        ("notspf", "spf.include.missing", Severity.HIGH, "v=spf1 -all"),
        ("badinc", "spf.include.invalid", Severity.HIGH, "v=spf1 -all"),
        ("nomail", "spf.missing", Severity.HIGH, "v=spf1 -all"),
        ("nullsends", "spf.null_mx.sends", Severity.LOW, "v=spf1 -all"),
    ],
)
def test_verdicts_and_pasteable_fixes(spf_audit, name, finding_id, severity, fixed):
    finding = only(spf_audit(name), finding_id)
    assert finding.severity is severity
    assert fix_values(finding) == [fixed]


def test_all_verdict_follows_the_redirect_chain_and_fixes_the_own_record(spf_audit):
    finding = only(spf_audit("viaredirect"), "spf.all.softfail")
    assert finding.subject == "viaredirect.spf.test"
    assert finding.evidence == (
        "viaredirect.spf.test TXT v=spf1 ip4:94.130.12.6 redirect=softtail.spf.test",
        "softtail.spf.test TXT v=spf1 ip4:94.130.12.8 ~all",
    )
    assert finding.fix.records[0].name == "viaredirect.spf.test."  # the redirect becomes an include


def test_broken_include_in_a_third_party_record_gets_no_record_to_paste(dns_server):
    server = dns_server("spf")
    server.add("thirdparty.test", "TXT", '"v=spf1 include:gone.thirdparty.test -all"')
    server.add("uses.spf.test", "TXT", '"v=spf1 include:thirdparty.test -all"')
    report = audit("uses.spf.test", resolver=resolver_for(server), options=SPF_ONLY)
    finding = only(report, "spf.include.missing")
    assert finding.subject == "gone.thirdparty.test" and finding.fix.records == ()


def test_lookup_limit_reports_the_whole_tree_and_costs(spf_audit):
    report = spf_audit("toomany")
    finding = only(report, "spf.lookups.exceeded")
    assert finding.severity is Severity.HIGH
    assert "needs 15 DNS lookups" in finding.detail
    assert "include:costly1.spf.test 5" in finding.fix.summary and "Cut 5" in finding.fix.summary
    tree = report.check("spf").datum("tree")
    assert tree["total_lookups"] == 15 and len(tree["children"]) == 3
    assert all(c["total_lookups"] == 4 for c in tree["children"])


def test_loops_voids_ptr_mx_limit_and_syntax(spf_audit):
    loop = only(spf_audit("loop1"), "spf.lookups.exceeded")
    assert loop.variant == "loop" and "loop1.spf.test -> loop2.spf.test -> loop1.spf.test" in loop.detail
    voids = only(spf_audit("voidy"), "spf.void.exceeded")
    assert "3 void lookups" in voids.detail and "exists:no3.spf.test" in voids.detail
    assert only(spf_audit("ptrok"), "spf.ptr").severity is Severity.MEDIUM
    assert only(spf_audit("manymx"), "spf.mx.too_many").severity is Severity.HIGH
    syntax = only(spf_audit("broken"), "spf.syntax")
    assert "ip4:1.2.3.4:8080" in syntax.detail
    assert syntax.evidence == ("v=spf1 ip4:94.130.12.0/24 ip4:1.2.3.4:8080 -all",)
    multiple = only(spf_audit("twice"), "spf.multiple")
    assert sorted(multiple.evidence) == ["v=spf1 -all", "v=spf1 ~all"]


def test_informational_records(spf_audit):
    assert only(spf_audit("type99"), "spf.type99").severity is Severity.INFO
    senderid = only(spf_audit("senderid"), "spf.senderid")
    assert senderid.severity is Severity.INFO and senderid.evidence[0].startswith("spf2.0/pra")
    long = only(spf_audit("long"), "spf.record.too_long")
    assert long.severity is Severity.LOW and "457 bytes" in long.detail


def test_missing_and_nxdomain(spf_audit):
    assert only(spf_audit("txtonly"), "spf.missing").variant == "default"
    assert only(spf_audit("absent"), "spf.missing").variant == "nxdomain"


def test_facts_for_other_checks(dns_server):
    server = dns_server("spf")
    resolver = resolver_for(server)

    def facts(name):
        ctx = AuditContext(name, resolver, SPF_ONLY, Catalogue.load())
        return run_sync(lambda: spf_facts(ctx))

    parked = facts("parked.spf.test")
    assert parked.sends_no_mail and parked.record == "v=spf1 -all" and parked.complete
    basic = facts("txtonly.spf.test")
    assert basic.record is None and basic.complete and not basic.sends_no_mail
    hosts = facts("redir.spf.test")
    assert hosts.single_hosts == ()
    assert facts("afterall.spf.test").single_hosts == ()
    assert "94.130.12.30" in facts("open.spf.test").single_hosts


def test_timeouts_are_errors_not_missing(dns_server):
    server = dns_server("spf")
    server.timeout("_spf.provider.test", "TXT")
    report = audit("good.spf.test", resolver=resolver_for(server, timeout=0.2), options=SPF_ONLY)
    check = report.check("spf")
    assert check.status is Status.ERROR and "timeout" in (check.error or "")
    assert not [f for f in report.findings if f.id.startswith("spf.include")]
    server.servfail("soft.spf.test")
    report = audit("soft.spf.test", resolver=resolver_for(server), options=SPF_ONLY)
    assert report.check("spf").status is Status.ERROR and report.findings == ()


def test_sending_ips(spf_audit):
    report = spf_audit("basic", sending_ips=("94.130.12.10", "94.130.12.11", "5.6.7.8"))
    refused = only(report, "spf.ip.not_authorized")
    assert refused.subject == "5.6.7.8" and refused.severity is Severity.HIGH
    assert fix_values(refused) == ["v=spf1 ip4:94.130.12.0/24 ip6:2a01:4f8::/32 ip4:5.6.7.8 -all"]
    ptr = {f.subject: f.variant for f in report.findings if f.id == "ip.ptr"}
    assert ptr == {"94.130.12.11": "mismatch", "5.6.7.8": "missing"}  # .10 is forward-confirmed
    results = {e["ip"]: e["result"] for e in report.check("spf").datum("evaluations")}
    assert results == {"94.130.12.10": "pass", "94.130.12.11": "pass", "5.6.7.8": "fail"}
    none = only(spf_audit("absent", sending_ips=("94.130.12.10",)), "spf.ip.not_authorized")
    assert none.variant == "none"


def test_shared_include_tree_is_fetched_once_per_batch(dns_server):
    server = dns_server("spf")
    auditor = Auditor(resolver_for(server), SPF_ONLY)
    domains = [f"shared{i}.spf.test" for i in range(1, 6)] + ["good.spf.test", "soft.spf.test"]

    async def run():
        return [r async for r in auditor.audit_many(domains * 2)]

    reports = asyncio.run(run())
    assert len(reports) == 14 and all(r.check("spf").datum("lookups") == 2 for r in reports)
    assert server.count("_spf.provider.test", "TXT") == 1
    assert server.count("_spf2.provider.test", "TXT") == 1
    assert all(count == 1 for (name, _), count in server.queries.items() if "provider" in name)


def test_hostile_trees_end_quickly_with_a_clear_finding(dns_server, tmp_path):
    server = dns_server("spf")
    for i in range(200):  # a redirect chain far past every limit
        server.add(f"deep{i}.spf.test", "TXT", f'"v=spf1 redirect=deep{i + 1}.spf.test"')
    wide = " ".join(f"include:w{i}.spf.test" for i in range(30))
    server.add("wide.spf.test", "TXT", txt(f"v=spf1 {wide} -all"))
    for i in range(30):  # every include includes the top again: loops and a wide fan-out
        server.add(f"w{i}.spf.test", "TXT", '"v=spf1 include:wide.spf.test a mx -all"')
    resolver = resolver_for(server)
    started = time.monotonic()
    deep = audit("deep0.spf.test", resolver=resolver, options=SPF_ONLY)
    finding = only(deep, "spf.lookups.exceeded")
    assert "needs at least 13 DNS lookups" in finding.detail  # the walk stops at its depth cap
    wide_report = audit("wide.spf.test", resolver=resolver, options=SPF_ONLY)
    assert only(wide_report, "spf.lookups.exceeded").variant == "loop"
    assert time.monotonic() - started < 15
    nodes = json.dumps(wide_report.check("spf").datum("tree")).count('"domain"')
    assert nodes <= 70


def test_100kb_record_and_huge_macros(tmp_path):
    big = "v=spf1 " + " ".join(f"ip4:10.{i // 256 % 256}.{i % 256}.0/24" for i in range(6000)) + " ~all"
    strings = txt(big)
    macro = "exists:" + "%{s}." * 40 + "%{d}" + " a:%{l}%{l}%{l}%{l}%{l}.%{o}"
    zone = tmp_path / "hostile.test.zone"
    zone.write_text(
        "@ SOA ns.test. h.test. 1 1 1 1 1\n"
        f"big TXT {strings}\n"
        f'macros TXT "v=spf1 {macro} -all"\n'
    )
    resolver = Resolver(zones=[zone], offline=True)
    started = time.monotonic()
    report = audit("big.hostile.test", resolver=resolver, options=AuditOptions(checks=("spf",)))
    ids = {f.id for f in report.findings}
    assert {"spf.record.too_long", "spf.all.softfail"} <= ids
    assert len(report.check("spf").datum("networks")["ipv4"]) < 6000  # merged
    macros = audit("macros.hostile.test", resolver=resolver,
                   options=AuditOptions(checks=("spf",), sending_ips=("94.130.12.1",)))
    assert only(macros, "spf.ip.not_authorized").params  # evaluated to an answer, no crash
    assert time.monotonic() - started < 15


def test_thousands_of_dns_terms_cost_a_bounded_number_of_questions(dns_server):
    server = dns_server("spf")
    terms = " ".join(f"a:h{i}.spf.test include:i{i}.spf.test" for i in range(1200))
    server.add("flood.spf.test", "TXT", txt(f"v=spf1 {terms} -all"))  # ~48 KB, over TCP
    started = time.monotonic()
    report = audit("flood.spf.test", resolver=resolver_for(server, timeout=2), options=SPF_ONLY)
    assert time.monotonic() - started < 10
    finding = only(report, "spf.lookups.exceeded")
    assert "needs at least 2400 DNS lookups" in finding.detail
    assert server.total < 200  # not 2400 lookups: only the first terms and nodes are resolved
    assert report.check("spf").status is Status.FAIL


def test_finding_keys_are_unique_per_domain(dns_server):
    server = dns_server("spf")
    server.add("twoptr.spf.test", "TXT", '"v=spf1 ptr ptr:amx.spf.test include:nothere.spf.test '
                                         'include:nothere.spf.test -all"')
    server.add("sid.spf.test", "TXT", '"spf2.0/pra -all"')
    server.add("sid.spf.test", "TXT", '"spf2.0/mfrom -all"')
    resolver = resolver_for(server)
    for name in ("twoptr", "sid", "toomany", "voidy", "brokeninc", "manymx", "loop1", "basic"):
        report = audit(f"{name}.spf.test", resolver=resolver,
                       options=AuditOptions(checks=("spf",), sending_ips=("5.6.7.8", "5.6.7.9")))
        keys = [f.key for f in report.findings]
        assert len(keys) == len(set(keys)), (name, keys)
