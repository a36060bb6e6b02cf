"""Fixes that never harm, proven by auditing the fixed zone (issue 11): every case of the issue,
through the real-DNS test rig (tests/zones/fixes) and the shipped example (offline)."""

from __future__ import annotations

import json
import pathlib

import pytest
from click.testing import CliRunner

from mailaudit.catalogue import Catalogue
from mailaudit.cli import main_group
from mailaudit.dmarc.record import parse_dmarc
from mailaudit.dnscore.resolver import Resolver, run_sync
from mailaudit.engine import Auditor
from mailaudit.fixplan.verify import verified_plan
from mailaudit.model import Severity
from mailaudit.options import AuditOptions

from .conftest import resolver_for

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "zones"
LONG = ".".join(["a" * 60, "b" * 60, "c" * 60, "d" * 56]) + ".fixes.test"


@pytest.fixture(scope="module")
def fixes():
    from .conftest import ZONES
    from .dnsserver import DNSServer

    server = DNSServer()
    server.load(ZONES / "root")
    server.load(ZONES / "fixes")
    server.start()
    yield server
    server.stop()


def verified(resolver, domain, **options):
    auditor = Auditor(resolver, AuditOptions(fail_on=None, **options), Catalogue.load())
    return run_sync(lambda: verified_plan(auditor, domain))


def over_dns(server, domain, **options):
    return verified(resolver_for(server), domain, dnsbl=False, **options)


def records(result, attr="publish"):
    return [r for s in result.plan.steps for r in getattr(s, attr)]


def test_shipped_example_starts_with_the_listed_host_and_ends_verified_clean():
    result = verified(Resolver(zones=[EXAMPLE], offline=True), "batikmurni.example")
    steps = result.plan.steps
    first = steps[0]
    assert first.phase == "incident" and ("dnsbl.ip.listed", "103.147.9.66 zen.spamhaus.org") in first.findings
    # out of MX and SPF in one record with every other SPF repair (ptr gone too)
    assert [r.value for r in first.publish if r.type == "TXT"] == ["v=spf1 include:spf.relaycloud.example mx ~all"]
    assert any(r.type == "MX" and "mail.batikmurni.example" in r.value for r in first.remove)
    # nothing anywhere points at the compromised host
    for step in steps:
        for item in (*step.publish, *step.actions):
            text = item if isinstance(item, str) else item.value
            assert "directly" not in text and "a:cpanel" not in text
    # the weak DKIM key is never republished; it is rotated and the old one retired later
    assert not [r for r in records(result) if "_domainkey" in r.name]
    assert any(s.phase == "retire" and s.later for s in steps)
    assert result.plan.verified == "reject" and all(stage.ok for stage in result.stages)
    final = result.final
    assert final is not None and all(f.severity.rank <= Severity.LOW.rank for f in final.findings)


def test_fix_command_says_it_verified_the_plan():
    run = CliRunner().invoke(main_group, ["fix", "batikmurni.example", "--offline", "--zone", str(EXAMPLE),
                                          "--format", "json"])
    assert run.exit_code == 0, run.output
    data = json.loads(run.output)
    assert data["verified"] == "reject" and data["verification"].startswith("Verified")
    assert data["steps"][0]["phase"] == "incident"
    text = CliRunner().invoke(main_group, ["fix", "batikmurni.example", "--offline", "--zone", str(EXAMPLE)])
    assert "Verified:" in text.output.splitlines()[1]


def test_stray_apex_record_never_replaces_the_good_dmarc_record(fixes):
    result = over_dns(fixes, "apex.fixes.test")
    assert not [r for r in records(result, "remove") if r.name.startswith("_dmarc.")]
    assert not [r for r in records(result) if r.name.startswith("_dmarc.")]
    assert any(r.name == "apex.fixes.test." and r.value == "v=DMARC1; p=none" for r in records(result, "remove"))
    assert result.plan.verified


def test_subdomain_plan_never_rewrites_the_parent_record(fixes):
    result = over_dns(fixes, "shop.corp.fixes.test")
    touched = [r.name for r in (*records(result), *records(result, "remove"))]
    assert "_dmarc.corp.fixes.test." not in touched
    assert all(stage.ok for stage in result.stages)
    own = [r for r in records(result) if r.name == "_dmarc.shop.corp.fixes.test."]
    assert own and parse_dmarc(own[-1].value).p == "reject"


def test_public_suffix_record_is_never_edited(fixes):
    result = over_dns(fixes, "shop.psd.fixes.test")
    touched = [r.name for r in (*records(result), *records(result, "remove"))]
    assert "_dmarc.psd.fixes.test." not in touched and result.plan.verified


@pytest.mark.parametrize(("domain", "wanted"), [
    ("gopen.fixes.test", "v=spf1 include:_spf.google.com -all"),
    ("gsoft.fixes.test", "v=spf1 a mx include:_spf.google.com -all")])
def test_a_domain_sending_through_google_keeps_google_in_spf(fixes, domain, wanted):
    result = over_dns(fixes, domain)
    spf = [r.value for r in records(result) if r.value.startswith("v=spf1")]
    assert spf and all("include:_spf.google.com" in v for v in spf)
    assert spf[0].replace("~all", "-all") == wanted


def test_term_for_a_sending_address_comes_before_the_term_that_fails_it(fixes):
    result = over_dns(fixes, "minus.fixes.test", sending_ips=("198.51.100.7",))
    [spf] = [r.value for r in records(result) if r.value.startswith("v=spf1")]
    assert spf.index("ip4:198.51.100.7") < spf.index("-ip4:198.51.100.0/24")
    assert result.plan.verified  # verification ran check_host on the fixed zone: pass


def test_enforcement_stages_never_keep_an_invalid_tag(fixes):
    result = over_dns(fixes, "badtag.fixes.test")
    dmarc = [r.value for r in records(result) if r.value.startswith("v=DMARC1")]
    assert {parse_dmarc(v).p for v in dmarc} >= {"quarantine", "reject"}
    assert all(not parse_dmarc(v).errors for v in dmarc)
    assert result.plan.verified == "reject"


def test_key_record_without_version_is_replaced_not_doubled(fixes):
    result = over_dns(fixes, "nov.fixes.test")
    [step] = [s for s in result.plan.steps if s.phase == "dkim"]
    assert len(step.publish) == 1 and len(step.remove) == 1
    assert step.remove[0].value.startswith("k=rsa; t=y;") and "t=y" not in step.publish[0].value
    assert result.plan.verified


def test_owner_name_over_255_octets_is_never_proposed(fixes):
    result = over_dns(fixes, LONG)
    for record in (*records(result), *records(result, "remove")):
        assert len(record.name.encode()) <= 254
    assert any("255" in note for note in result.plan.notes)


def test_a_domain_that_does_not_exist_gets_no_plan(fixes):
    result = over_dns(fixes, "nothere.fixes.test")
    assert result.plan.steps == () and "NXDOMAIN" in result.plan.notes[0]


def test_verification_rejects_a_harmful_plan(fixes):
    # the old bug: the good _dmarc record removed and p=none published; and SPF dropping the sender
    from mailaudit.fixplan.plan import FixPlan, PlanHints, Step
    from mailaudit.fixplan.verify import shipped, verify
    from mailaudit.model import DnsRecord

    auditor = Auditor(resolver_for(fixes), AuditOptions(fail_on=None, dnsbl=False, sending_ips=("192.0.2.10",)),
                      Catalogue.load())
    before = run_sync(lambda: auditor.audit("apex.fixes.test"))
    good = DnsRecord("_dmarc.apex.fixes.test.", "TXT", "v=DMARC1; p=reject; rua=mailto:d@apex.fixes.test")
    harmful = FixPlan("apex.fixes.test", "en", (
        Step(1, "dmarc", "t", (), publish=(DnsRecord(good.name, "TXT", "v=DMARC1; p=none"),), remove=(good,)),
        Step(2, "spf", "t", (), publish=(DnsRecord("apex.fixes.test.", "TXT", "v=spf1 -all"),),
             remove=(DnsRecord("apex.fixes.test.", "TXT", "v=spf1 mx -all"),)),
    ))
    [stage] = run_sync(lambda: verify(auditor, before, harmful, PlanHints()))
    problems = " | ".join(stage.problems)
    assert "DMARC policy in force weaker for apex.fixes.test" in problems
    assert "--sending-ip 192.0.2.10 gets SPF fail" in problems
    assert "new: dmarc.policy.none" in problems
    out = shipped(harmful, (stage,), "en")
    assert out.steps == () and not out.verified and "did not pass verification" in out.notes[-1]


def test_overlay_answers_edited_sets_and_passes_the_rest_through():
    from mailaudit.dnscore.answer import Outcome
    from mailaudit.fixplan.overlay import changes_of, edits_for, overlay_resolver
    from mailaudit.model import DnsRecord

    base = Resolver(zones=[EXAMPLE], offline=True)
    new = DnsRecord("x._report._dmarc.batikmurni.example.", "TXT", "v=DMARC1")
    spf = DnsRecord("batikmurni.example.", "TXT",
                    "v=spf1 include:spf.relaycloud.example a:cpanel.batikmurni.example mx ptr ~all")

    async def go():
        view = overlay_resolver(base, await edits_for(base, changes_of([spf], [new])))
        return [await view.query(n, t) for n, t in (
            ("x._report._dmarc.batikmurni.example", "TXT"), ("_dmarc.batikmurni.example", "TXT"),
            ("batikmurni.example", "TXT"), ("cpanel.batikmurni.example", "A"), ("example.com", "A"))]

    added, parent, apex, passed, outside = run_sync(go)
    assert added.texts() == ["v=DMARC1"]
    assert parent.outcome is Outcome.NODATA  # it exists now: a name below it was published
    assert apex.texts() == ["google-site-verification=3q8Yb1c2d3e4f5g6h7i8j9k0"]  # only the SPF record went
    assert passed.addresses() == ["103.147.9.66"] and not outside.ok  # outside the zones: not verifiable
