"""Regressions found by running mailaudit over a real hosting company's client zones.

The zones under tests/zones/realworld_like are modelled on what that portfolio showed (a shared
self-hosted mail box, ``+a +mx ~all`` records, an ``include:`` of a host name, Google and
Microsoft 365 clients, web-only domains); they are served by the test DNS server.
"""

from __future__ import annotations

from mailaudit import AuditOptions, Status, audit
from mailaudit.dns import Resolver
from mailaudit.render.table import render_table

from .conftest import ZONES, resolver_for

SPF = AuditOptions(checks=("spf",))
MX = AuditOptions(checks=("mx",))
ZONE = "realworld_like"


def by_id(report, finding_id):
    return [f for f in report.findings if f.id == finding_id]


# -- SPF: include of a host name --------------------------------------------------------------


def test_include_of_a_host_name_is_replaced_by_a_not_dropped(dns_server):
    """``include:mx.host`` where mx.host has an address but no SPF record: permerror. Dropping the
    term (the old fix) would de-authorise the server the owner meant; ``a:mx.host`` keeps it."""
    report = audit("cwlike.realworld.test", resolver=resolver_for(dns_server(ZONE)), options=SPF)
    [finding] = by_id(report, "spf.include.missing")
    assert finding.subject == "mx.atmhost.realworld.test" and finding.variant == "host"
    assert "is a host" in finding.detail and "a:mx.atmhost.realworld.test" in finding.detail
    assert "mx.atmhost.realworld.test A/AAAA: 128.199.74.202" in finding.evidence
    assert finding.fix is not None
    [record] = finding.fix.records
    assert (record.name, record.value) == ("cwlike.realworld.test.",
                                           "v=spf1 +a +mx a:mx.atmhost.realworld.test ~all")


def test_softfail_fix_builds_on_the_repaired_record(dns_server):
    """Two findings on one record must not propose records that contradict each other: the
    ~all fix carries the include repair, never the term that makes the record a permerror."""
    report = audit("cwlike.realworld.test", resolver=resolver_for(dns_server(ZONE)), options=SPF)
    [softfail] = by_id(report, "spf.all.softfail")
    assert softfail.variant == "no_dmarc" and "unless another SPF finding repairs it" in (
        softfail.fix.summary if softfail.fix else "")
    assert softfail.fix is not None
    assert [r.value for r in softfail.fix.records] == ["v=spf1 +a +mx a:mx.atmhost.realworld.test -all"]


def test_include_of_a_missing_name_is_still_dropped(dns_server):
    report = audit("gone.realworld.test", resolver=resolver_for(dns_server(ZONE)), options=SPF)
    [finding] = by_id(report, "spf.include.missing")
    assert finding.variant == "nxdomain" and finding.fix is not None
    assert [r.value for r in finding.fix.records] == ["v=spf1 +a ~all"]
    [softfail] = by_id(report, "spf.all.softfail")
    assert [r.value for r in softfail.fix.records] == ["v=spf1 +a -all"]  # type: ignore[union-attr]


def test_include_host_lookup_timeout_is_an_error_not_a_guess(dns_server):
    server = dns_server(ZONE)
    server.timeout("mx.atmhost.realworld.test", "A")
    report = audit("cwlike.realworld.test", resolver=resolver_for(server, timeout=0.2), options=SPF)
    assert report.check("spf").status is Status.ERROR
    [finding] = by_id(report, "spf.include.missing")
    assert finding.variant == "default"  # not known to be a host: no a: term invented


# -- blocklists: a resolver that reaches none of them -----------------------------------------


def test_every_list_failing_its_probe_is_one_check_error_not_a_finding_per_list(dns_server):
    server = dns_server(ZONE)
    zones = ("one.bl.test", "two.bl.test", "three.bl.test")
    report = audit("atmhost.realworld.test", resolver=resolver_for(server),
                   options=AuditOptions(checks=("dnsbl",), dnsbl_zones=zones))
    check = report.check("dnsbl")
    assert check.status is Status.ERROR  # nothing was looked up: never "ok"
    assert check.error and "no blocklist usable: all 3 failed their health probe" in check.error
    assert report.findings == ()
    assert server.count("202.74.199.128.one.bl.test", "A") == 0


def test_one_unusable_list_among_usable_ones_is_still_reported_per_list(dns_server):
    server = dns_server(ZONE, "dnsbl/zen.spamhaus.org.zone")
    report = audit("atmhost.realworld.test", resolver=resolver_for(server),
                   options=AuditOptions(checks=("dnsbl",), dnsbl_zones=("zen.spamhaus.org", "one.bl.test")))
    assert report.check("dnsbl").status is not Status.ERROR
    assert [(f.id, f.subject) for f in report.findings] == [("dnsbl.list.unusable", "one.bl.test")]


# -- offline: reverse DNS is never in the zone files ------------------------------------------


def test_offline_mx_check_is_not_an_error_because_of_reverse_dns():
    """Offline, a PTR question is always outside the --zone files: the MX set (which the files
    do answer) is judged, and the unverifiable reverse DNS is a note, not a check error."""
    resolver = Resolver(zones=[ZONES / ZONE], offline=True)
    report = audit("cwlike.realworld.test", resolver=resolver, options=MX)
    check = report.check("mx")
    assert check.status is Status.PASS and check.error is None
    assert check.datum("ptr_not_verifiable") == ["128.199.74.202"]
    assert check.notes == ("reverse DNS of 1 MX address(es) not verifiable offline (outside the --zone files): "
                           "128.199.74.202",)
    table = render_table([report])
    assert "reverse DNS of 1 MX address(es) not verifiable offline" in table


def test_long_check_errors_are_shown_whole_below_the_table_once(dns_server):
    server = dns_server(ZONE)
    zones = ("one.bl.test", "two.bl.test")
    report = audit("atmhost.realworld.test", resolver=resolver_for(server),
                   options=AuditOptions(checks=("dnsbl",), dnsbl_zones=zones))
    lines = render_table([report]).splitlines()
    row = next(line for line in lines if line.startswith("dnsbl "))
    assert row.rstrip().endswith("notes below") and len(row) < 130  # the whole text once, below
    assert any(line.startswith("dnsbl error: no blocklist usable") for line in lines)


# -- SPF missing: what the MX says about who sends --------------------------------------------


def test_missing_spf_of_a_google_workspace_client_gets_googles_include(dns_server):
    report = audit("gclient.realworld.test", resolver=resolver_for(dns_server(ZONE)), options=SPF)
    [finding] = by_id(report, "spf.missing")
    assert finding.variant == "provider" and "Google Workspace" in finding.detail
    assert finding.fix is not None
    [record] = finding.fix.records
    assert (record.name, record.type) == ("gclient.realworld.test.", "TXT")
    assert record.value == "v=spf1 include:_spf.google.com -all"  # no DMARC enforced: -all
    assert "only service" in finding.fix.summary


def test_missing_spf_with_mx_at_several_operators_guesses_no_include(dns_server):
    report = audit("mixed.realworld.test", resolver=resolver_for(dns_server(ZONE)), options=SPF)
    [finding] = by_id(report, "spf.missing")
    assert finding.variant == "default" and finding.fix is not None and finding.fix.records == ()


def test_web_only_domain_without_mx_or_spf(dns_server):
    """No MX and no SPF: the SPF fix says how to lock a mail-less domain down, and the fix plan
    keeps ``v=spf1 -all`` conditional (a web server may send contact-form mail)."""
    from mailaudit.fixplan.plan import plan

    report = audit("webonly.realworld.test", resolver=resolver_for(dns_server(ZONE)),
                   options=AuditOptions(checks=("mx", "spf")))
    [finding] = by_id(report, "spf.missing")
    assert finding.variant == "no_mx" and "unused for mail" in finding.detail
    assert finding.fix is not None and [r.value for r in finding.fix.records] == ["v=spf1 -all"]
    assert "v=spf1 a -all" in finding.fix.summary and "p=reject" in finding.fix.summary
    steps = {s.phase: s for s in plan(report).steps}
    assert steps["spf"].publish == () and any("v=spf1 -all" in a for a in steps["spf"].actions)
    assert steps["receive"].publish == ()  # the null MX is conditional as well


# -- MX: typos and Microsoft 365's verification placeholder -----------------------------------


def test_upper_case_typo_of_a_google_mx_name_is_recognised(dns_server):
    report = audit("typo.realworld.test", resolver=resolver_for(dns_server(ZONE)), options=MX)
    [finding] = by_id(report, "mx.host.unresolvable")
    assert finding.variant == "typo" and "aspmx.l.google.com" in finding.detail


def test_microsoft_365_verification_mx_left_in_place(dns_server):
    report = audit("m365.realworld.test", resolver=resolver_for(dns_server(ZONE)), options=MX)
    [finding] = by_id(report, "mx.host.unresolvable")
    assert finding.variant == "m365_verification" and "Microsoft 365" in finding.detail
    assert finding.fix is not None
    [old] = finding.fix.remove
    assert (old.type, old.value) == ("MX", "10 ms37989641.msv1.invalid.outlook.com.")
    assert "m365-realworld-test.mail.protection.outlook.com" in finding.fix.summary


def test_microsoft_365_verification_mx_is_recognised_offline_too():
    """Offline, outlook.com is outside the zone files, but the placeholder is known by its name:
    the finding is reported instead of a 'not verifiable' check error."""
    resolver = Resolver(zones=[ZONES / ZONE / "realworld.test.zone"], offline=True)
    report = audit("m365.realworld.test", resolver=resolver, options=MX)
    assert report.check("mx").error is None
    assert [f.variant for f in by_id(report, "mx.host.unresolvable")] == ["m365_verification"]


# -- the table over a portfolio ---------------------------------------------------------------


def test_table_over_many_domains_ends_with_a_portfolio_summary(dns_server):
    """A sysadmin auditing sixty client domains needs the totals, not only sixty reports."""
    import asyncio

    from mailaudit import Auditor

    server = dns_server(ZONE)
    auditor = Auditor(resolver_for(server), AuditOptions(checks=("mx", "spf", "dnsbl"),
                                                         dnsbl_zones=("one.bl.test", "two.bl.test")))
    names = ["webonly.realworld.test", "gclient.realworld.test", "cwlike.realworld.test"]

    async def run():
        return [r async for r in auditor.audit_many(names)]

    table = render_table(asyncio.run(run()))
    summary = table[table.index("== summary: 3 domains =="):]
    rows = {line.split()[0]: line.split()[1:] for line in summary.splitlines()[3:] if line and line[0] != " "}
    assert rows["spf.missing"] == ["HIGH", "2"]  # web-only and the Google client
    assert rows["spf.include.missing"] == ["HIGH", "1"]
    assert "  dnsbl on 3 domain(s), e.g. no blocklist usable" in summary


def test_table_of_one_domain_has_no_summary(dns_server):
    report = audit("gclient.realworld.test", resolver=resolver_for(dns_server(ZONE)), options=SPF)
    assert "== summary" not in render_table([report])


def test_host_name_include_inside_a_providers_record_gives_no_record_to_paste(dns_server):
    report = audit("relayed.realworld.test", resolver=resolver_for(dns_server(ZONE)), options=SPF)
    [finding] = by_id(report, "spf.include.missing")
    assert finding.variant == "default" and finding.fix is not None and finding.fix.records == ()


# -- reverse DNS of a provider's MX hosts -----------------------------------------------------


def test_missing_ptr_of_a_providers_mx_is_info_with_nothing_to_paste(dns_server):
    """The domain owner cannot publish PTRs for Mailgun's (or Google's) addresses: no action in the
    fix plan; the company's own mail box keeps the low finding and its advice."""
    from mailaudit.fixplan.plan import plan

    r = resolver_for(dns_server(ZONE))
    report = audit("mgclient.realworld.test", resolver=r, options=MX)
    [finding] = by_id(report, "mx.host.ptr")
    assert finding.variant == "provider" and finding.severity.value == "info" and "Mailgun" in finding.detail
    assert report.check("mx").status is Status.PASS
    assert [s.phase for s in plan(report).steps] == []
    own = audit("atmhost.realworld.test", resolver=r, options=MX)
    [finding] = by_id(own, "mx.host.ptr")
    assert finding.severity.value == "low" and finding.variant == "missing"


def test_softfail_detail_has_no_english_dmarc_state_in_indonesian(dns_server):
    """The DMARC state used to be an English fragment ('no DMARC record') inside the sentence."""
    import asyncio

    from mailaudit import Auditor
    from mailaudit.catalogue import Catalogue

    auditor = Auditor(resolver_for(dns_server(ZONE)), AuditOptions(checks=("spf", "dmarc")), Catalogue.load("id"))
    report = asyncio.run(auditor.audit("atmhost.realworld.test"))
    [softfail] = by_id(report, "spf.all.softfail")
    assert softfail.variant == "no_dmarc"
    assert "tidak memiliki record DMARC" in softfail.detail and "no DMARC" not in softfail.detail


def test_host_include_beside_the_same_a_term_is_dropped_not_doubled(dns_server):
    report = audit("both.realworld.test", resolver=resolver_for(dns_server(ZONE)), options=SPF)
    [finding] = by_id(report, "spf.include.missing")
    assert finding.fix is not None
    assert [r.value for r in finding.fix.records] == ["v=spf1 a:mx.atmhost.realworld.test ~all"]
