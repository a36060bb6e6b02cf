"""The dnsbl check against a real test DNS server serving zones named like the real lists."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from mailaudit import AuditOptions, Auditor, Severity, Status, audit
from mailaudit.dns import Resolver
from mailaudit.render.jsonout import render_json
from mailaudit.verdict import ExitCode, Tally

from .conftest import ZONES, resolver_for

ONLY = AuditOptions(checks=("dnsbl",))
PUBLIC = "queried through a public resolver: use your own resolver or a Spamhaus DQS key"


def options(**kw):
    return AuditOptions(checks=("dnsbl",), **kw)


def found(report, fid=None):
    return sorted((f.id, f.subject) for f in report.findings if fid is None or f.id == fid)


def listing(report, subject):
    return next(f for f in report.findings if f.subject == subject)


def results(report, **match):
    rows = report.check("dnsbl").datum("results")
    return [r for r in rows if all(r[k] == v for k, v in match.items())]


def test_clean_domain_passes(dns_server):
    report = audit("clean.dnsbl.test", resolver=resolver_for(dns_server("dnsbl")), options=ONLY)
    check = report.check("dnsbl")
    assert check.status is Status.PASS and check.error is None
    assert found(report, "dnsbl.ip.listed") == [] and found(report, "dnsbl.domain.listed") == []
    assert check.datum("listed") == 0
    rows = results(report, target="94.130.13.10")
    assert rows and all(r["status"] == "clean" for r in rows)
    assert {r["zone"] for r in results(report, target="clean.dnsbl.test")} == {
        "dbl.spamhaus.org", "multi.surbl.org", "multi.uribl.com"}


def test_listed_address_names_list_code_meaning_reason_and_delisting(dns_server):
    report = audit("listed.dnsbl.test", resolver=resolver_for(dns_server("dnsbl")), options=ONLY)
    assert report.check("dnsbl").status is Status.FAIL
    xbl = listing(report, "94.130.13.66 zen.spamhaus.org")
    assert xbl.id == "dnsbl.ip.listed" and xbl.severity is Severity.HIGH and xbl.variant == "txt"
    assert "Spamhaus ZEN" in xbl.detail and "127.0.0.4" in xbl.detail
    assert "XBL: exploited host" in xbl.detail
    assert "Listed by XBL" in xbl.detail  # the list's TXT reason
    assert "MX mail.listed.dnsbl.test" in xbl.detail
    assert xbl.fix and "https://check.spamhaus.org/" in xbl.fix.summary
    assert xbl.evidence[0].startswith("66.13.130.94.zen.spamhaus.org A: 127.0.0.4 (Spamhaus ZEN: XBL: exploited")
    mailspike = listing(report, "94.130.13.66 bl.mailspike.net")
    assert "L5: worst possible reputation" in mailspike.detail and mailspike.variant == "default"
    assert listing(report, "94.130.13.66 dnsbl-2.uceprotect.net").severity is Severity.MEDIUM


def test_ipv6_address_is_looked_up_by_nibbles(dns_server):
    server = dns_server("dnsbl")
    report = audit("listed.dnsbl.test", resolver=resolver_for(server), options=ONLY)
    css = listing(report, "2a01:4f8:c0c:1234::25 zen.spamhaus.org")
    assert "CSS" in css.detail
    # lists that answer IPv4 only are not asked about IPv6 addresses
    assert {r["zone"] for r in results(report, target="2a01:4f8:c0c:1234::25")} == {"zen.spamhaus.org"}


def test_sending_ip_is_looked_up(dns_server):
    report = audit("clean.dnsbl.test", resolver=resolver_for(dns_server("dnsbl")),
                   options=options(sending_ips=("94.130.13.88",)))
    spamcop = listing(report, "94.130.13.88 bl.spamcop.net")
    assert "sending IP" in spamcop.detail and "bl.shtml" in spamcop.detail


def test_domain_on_domain_lists(dns_server):
    report = audit("spammy.dnsbl.test", resolver=resolver_for(dns_server("dnsbl")), options=ONLY)
    assert found(report, "dnsbl.domain.listed") == [
        ("dnsbl.domain.listed", "spammy.dnsbl.test dbl.spamhaus.org"),
        ("dnsbl.domain.listed", "spammy.dnsbl.test multi.surbl.org"),
    ]
    surbl = listing(report, "spammy.dnsbl.test multi.surbl.org")
    assert "MW: malware sites; ABUSE: spam and abuse sites" in surbl.detail
    assert "DBL: spam domain" in listing(report, "spammy.dnsbl.test dbl.spamhaus.org").detail


def test_refusals_from_every_family_are_never_listings(dns_server):
    server = dns_server("dnsbl")
    sending = ("94.130.13.78", "94.130.13.79", "94.130.13.80", "94.130.13.81")
    report = audit("refused.dnsbl.test", resolver=resolver_for(server), options=options(sending_ips=sending))
    check = report.check("dnsbl")
    assert found(report, "dnsbl.ip.listed") == [] and found(report, "dnsbl.domain.listed") == []
    refused = {f.subject: f for f in report.findings if f.id == "dnsbl.query.refused"}
    assert set(refused) == {"zen.spamhaus.org", "dbl.spamhaus.org", "multi.surbl.org", "multi.uribl.com"}
    assert all(f.severity is Severity.INFO for f in refused.values())
    zen = refused["zen.spamhaus.org"].detail
    for words in (PUBLIC, "excessive number of queries", "typing error", "127.0.0.99", "94.130.13.200"):
        assert words in zen
    assert "domain list" in refused["dbl.spamhaus.org"].detail
    assert "URIBL" in refused["multi.uribl.com"].detail and "SURBL" in refused["multi.surbl.org"].detail
    assert "not a listing" in zen
    assert check.status is Status.PASS and check.datum("listed") == 0 and check.datum("refused") == 8
    assert server.count("77.13.130.94.zen.spamhaus.org", "TXT") == 0  # TXT only for listings
    # the JSON and the exit code agree: nothing listed
    doc = json.loads(render_json([report]))
    assert not [f for f in doc["reports"][0]["findings"] if f["id"].endswith(".listed")]
    assert Tally(Severity.HIGH).extend([report]).code is ExitCode.OK
    assert Tally(Severity.INFO).extend([report]).code is ExitCode.FINDINGS  # shown, at info


def test_undocumented_uribl_bit_is_refused(dns_server):
    report = audit("weird.dnsbl.test", resolver=resolver_for(dns_server("dnsbl")), options=ONLY)
    assert found(report) == [("dnsbl.list.unusable", "psbl.surriel.com"),
                             ("dnsbl.query.refused", "multi.uribl.com")]


def test_public_resolver_refusal_at_the_probe(dns_server):
    server = dns_server("dnsbl-public", "dnsbl/dnsbl.test.zone")
    report = audit("listed.dnsbl.test", resolver=resolver_for(server),
                   options=options(dnsbl_zones=("zen.spamhaus.org",)))
    [finding] = report.findings
    assert finding.id == "dnsbl.query.refused" and finding.subject == "zen.spamhaus.org"
    assert PUBLIC in finding.detail and finding.severity is Severity.INFO
    assert report.check("dnsbl").datum("lists")[0]["status"] == "refused"
    assert report.check("dnsbl").datum("results") == []  # nothing asked of a refusing list
    assert server.count("66.13.130.94.zen.spamhaus.org", "A") == 0


def test_list_failing_its_health_probe_is_not_trusted(dns_server):
    server = dns_server("dnsbl")
    report = audit("clean.dnsbl.test", resolver=resolver_for(server), options=ONLY)
    [unusable] = [f for f in report.findings if f.id == "dnsbl.list.unusable"]
    assert unusable.subject == "psbl.surriel.com" and "127.0.0.1" in unusable.detail
    assert results(report, zone="psbl.surriel.com") == []
    assert server.count("10.13.130.94.psbl.surriel.com", "A") == 0
    lists = {row["zone"]: row["status"] for row in report.check("dnsbl").datum("lists")}
    assert lists["psbl.surriel.com"] == "unusable" and lists["zen.spamhaus.org"] == "ok"


def test_list_whose_test_entry_is_missing_is_unusable(dns_server):
    server = dns_server("dnsbl")
    server.data.records.pop(next(n for n in server.data.records
                                 if n.to_text() == "2.0.0.127.b.barracudacentral.org."))
    report = audit("clean.dnsbl.test", resolver=resolver_for(server),
                   options=options(dnsbl_zones=("b.barracudacentral.org",)))
    [finding] = report.findings
    assert finding.id == "dnsbl.list.unusable" and "not listed" in finding.detail


def test_failed_lookup_is_an_error_never_clean(dns_server):
    server = dns_server("dnsbl")
    server.timeout("10.13.130.94.bl.spamcop.net", "A")
    report = audit("clean.dnsbl.test", resolver=resolver_for(server, timeout=0.2),
                   options=options(dnsbl_zones=("bl.spamcop.net",)))
    check = report.check("dnsbl")
    assert check.status is Status.ERROR and "timeout" in (check.error or "")
    assert results(report, zone="bl.spamcop.net")[0]["status"] == "error"


def test_failed_probe_and_failed_mx_are_errors(dns_server):
    server = dns_server("dnsbl")
    server.servfail("1.0.0.127.zen.spamhaus.org")
    server.timeout("slow.dnsbl.test", "MX")
    report = audit("slow.dnsbl.test", resolver=resolver_for(server, timeout=0.2),
                   options=options(dnsbl_zones=("zen.spamhaus.org",)))
    check = report.check("dnsbl")
    assert check.status is Status.ERROR
    assert "SERVFAIL" in (check.error or "") and "timeout" in (check.error or "")
    assert report.findings == ()


def test_each_address_and_list_asked_once_per_batch(dns_server):
    server = dns_server("dnsbl")
    auditor = Auditor(resolver_for(server), ONLY)

    async def run():
        return [r async for r in auditor.audit_many(["shared1.dnsbl.test", "shared2.dnsbl.test",
                                                      "shared3.dnsbl.test", "listed.dnsbl.test"] * 2)]

    reports = asyncio.run(run())
    assert len(reports) == 8
    assert all(len(found(r, "dnsbl.ip.listed")) >= 3 for r in reports)
    assert server.count("66.13.130.94.zen.spamhaus.org", "A") == 1
    assert server.count("66.13.130.94.zen.spamhaus.org", "TXT") == 1
    assert server.count("2.0.0.127.zen.spamhaus.org", "A") == 1  # one health probe per run
    assert server.count("1.0.0.127.psbl.surriel.com", "A") == 1
    assert server.repeated() == {}


def test_per_list_concurrency_is_capped(dns_server):
    from mailaudit.dnsbl.check import PER_LIST_CONCURRENCY

    server = dns_server("dnsbl", delay=0.1)
    ips = tuple(f"94.130.15.{i}" for i in range(1, 4 * PER_LIST_CONCURRENCY + 1))
    start = time.monotonic()
    report = audit("nomx.dnsbl.test", resolver=resolver_for(server, timeout=2),
                   options=options(dnsbl_zones=("bl.spamcop.net",), sending_ips=ips))
    elapsed = time.monotonic() - start
    assert len(results(report, zone="bl.spamcop.net")) == len(ips)
    # MX and the probe together (1 round) + 4 x cap lookups, cap at a time (4 rounds): 0.5 s;
    # without the cap, 2 rounds
    assert elapsed >= 0.45, elapsed


def test_dqs_key_queries_the_dqs_zone_and_never_shows_the_key(dns_server):
    server = dns_server("dnsbl")
    report = audit("listed.dnsbl.test", resolver=resolver_for(server),
                   options=options(dnsbl_zones=("zen.spamhaus.org",), spamhaus_dqs_key="goodkey123"))
    assert found(report, "dnsbl.ip.listed") == [("dnsbl.ip.listed", "94.130.13.66 zen.spamhaus.org")]
    assert server.count("66.13.130.94.goodkey123.zen.dq.spamhaus.net", "A") == 1
    assert server.count("66.13.130.94.zen.spamhaus.org", "A") == 0
    assert report.check("dnsbl").datum("lists")[0]["dqs"] is True
    assert "goodkey123" not in render_json([report])


def test_disabled_dqs_key_is_a_refusal(dns_server):
    server = dns_server("dnsbl")
    report = audit("spammy.dnsbl.test", resolver=resolver_for(server),
                   options=options(dnsbl_zones=("zen.spamhaus.org", "dbl.spamhaus.org"),
                                   spamhaus_dqs_key="badkey1234"))
    assert found(report) == [("dnsbl.query.refused", "dbl.spamhaus.org"),
                             ("dnsbl.query.refused", "zen.spamhaus.org")]
    assert all("DQS key is disabled" in f.detail for f in report.findings)
    assert "badkey1234" not in render_json([report])


def test_bad_dqs_key_is_an_error(dns_server):
    report = audit("clean.dnsbl.test", resolver=resolver_for(dns_server("dnsbl")),
                   options=options(spamhaus_dqs_key="bad key.zone"))
    check = report.check("dnsbl")
    assert check.status is Status.ERROR and "DQS key" in (check.error or "")


def test_unknown_zone_given_with_dnsbl(dns_server):
    server = dns_server("dnsbl")
    sending = ("94.130.13.66", "94.130.13.77", "94.130.13.78")
    report = audit("clean.dnsbl.test", resolver=resolver_for(server),
                   options=options(dnsbl_zones=("bl.custom.test",), sending_ips=sending))
    assert found(report) == [("dnsbl.ip.listed", "94.130.13.66 bl.custom.test"),
                             ("dnsbl.query.refused", "bl.custom.test")]
    assert results(report, target="94.130.13.10")[0]["status"] == "clean"
    assert report.check("dnsbl").datum("refused") == 2


def test_offline_uses_only_lists_inside_the_zone_files():
    folder = ZONES / "dnsbl"
    resolver = Resolver(offline=True, zones=[folder / "dnsbl.test.zone", folder / "zen.spamhaus.org.zone"])
    report = audit("listed.dnsbl.test", resolver=resolver, options=ONLY)
    check = report.check("dnsbl")
    assert check.status is Status.FAIL and check.error is None
    assert {f.subject for f in report.findings} == {"94.130.13.66 zen.spamhaus.org",
                                                    "2a01:4f8:c0c:1234::25 zen.spamhaus.org"}
    statuses = {row["zone"]: row["status"] for row in check.datum("lists")}
    assert statuses.pop("zen.spamhaus.org") == "ok"
    assert set(statuses.values()) == {"skipped"}


def test_offline_without_list_zones_skips_the_check():
    resolver = Resolver(offline=True, zones=[ZONES / "dnsbl" / "dnsbl.test.zone"])
    check = audit("listed.dnsbl.test", resolver=resolver, options=ONLY).check("dnsbl")
    assert check.status is Status.SKIPPED and "offline" in (check.error or "")


def test_no_dnsbl_skips(dns_server):
    server = dns_server("dnsbl")
    check = audit("listed.dnsbl.test", resolver=resolver_for(server), options=options(dnsbl=False)).check("dnsbl")
    assert check.status is Status.SKIPPED
    assert server.total == 0


def test_private_addresses_are_not_sent_to_lists(dns_server):
    server = dns_server("dnsbl")
    report = audit("private.dnsbl.test", resolver=resolver_for(server), options=ONLY)
    assert report.check("dnsbl").datum("skipped_addresses")[0]["address"] == "10.20.30.40"
    assert server.count("40.30.20.10.zen.spamhaus.org", "A") == 0


def test_hostile_txt_reason_is_escaped_and_clipped(dns_server):
    server = dns_server("dnsbl")
    long_txt = " ".join(f'"{chr(65 + i % 26) * 250}"' for i in range(200))  # ~50 KB over TCP
    server.add("90.13.130.94.bl.mailspike.net", "A", "127.0.0.2")
    server.add("90.13.130.94.bl.mailspike.net", "TXT", long_txt)
    report = audit("hostile.dnsbl.test", resolver=resolver_for(server, timeout=2),
                   options=options(dnsbl_zones=("zen.spamhaus.org", "bl.mailspike.net")))
    zen = listing(report, "94.130.13.90 zen.spamhaus.org")
    assert "\x1b" not in zen.detail and "\x07" not in zen.detail and "\\x1b" in zen.detail
    spike = listing(report, "94.130.13.90 bl.mailspike.net")
    assert len(spike.detail) < 600
    assert len(dict(spike.params)["reason"]) <= 300


def test_spf_single_hosts_are_capped(dns_server):
    from mailaudit.dnsbl.check import MAX_SPF_ADDRESSES

    server = dns_server("dnsbl")
    report = audit("manyhosts.dnsbl.test", resolver=resolver_for(server),
                   options=options(dnsbl_zones=("bl.spamcop.net",)))
    check = report.check("dnsbl")
    if not [t for t in check.datum("targets") if "SPF" in t["sources"]]:
        pytest.skip("spf_facts does not expose single hosts yet")
    spf_targets = [t for t in check.datum("targets") if "SPF" in t["sources"]]
    assert len(spf_targets) == MAX_SPF_ADDRESSES
    assert check.datum("spf_hosts_skipped") == 13 - MAX_SPF_ADDRESSES
    [capped] = [f for f in report.findings if f.id == "dnsbl.hosts.capped"]
    assert str(13 - MAX_SPF_ADDRESSES) in capped.detail


def test_domain_too_long_for_a_list_is_an_error_not_a_crash(dns_server):
    domain = ".".join(["a" * 62] * 3 + ["b" * 50]) + ".dnsbl.test"
    report = audit(domain, resolver=resolver_for(dns_server("dnsbl")),
                   options=options(dnsbl_zones=("dbl.spamhaus.org",)))
    check = report.check("dnsbl")
    assert check.status is Status.ERROR and "too long" in (check.error or "")
    assert "internal error" not in (check.error or "")


def test_empty_zone_selection_skips(dns_server):
    check = audit("clean.dnsbl.test", resolver=resolver_for(dns_server("dnsbl")),
                  options=options(dnsbl_zones=())).check("dnsbl")
    assert check.status is Status.SKIPPED


def test_spf_authorised_host_listing_says_where_it_came_from(dns_server):
    report = audit("manyhosts.dnsbl.test", resolver=resolver_for(dns_server("dnsbl")),
                   options=options(dnsbl_zones=("bl.spamcop.net",)))
    if report.check("dnsbl").datum("spf_hosts_skipped") == 0:
        pytest.skip("spf_facts does not expose single hosts yet")
    finding = listing(report, "94.130.14.1 bl.spamcop.net")
    assert finding.id == "dnsbl.ip.listed" and "(SPF)" in finding.detail
