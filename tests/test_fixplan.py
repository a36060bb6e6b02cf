"""The fix plan: ordered so mail keeps flowing, one record per SPF/DMARC owner, exact records."""

from __future__ import annotations

import json

from click.testing import CliRunner

from mailaudit.cli import main_group
from mailaudit.fixplan.merge import merge
from mailaudit.fixplan.plan import plan
from mailaudit.model import CheckResult, DnsRecord, DomainReport, Finding, Fix, Severity, Status
from mailaudit.render.plan import plan_dict, plan_text, plan_zone

D = "shop.example"
SPF_NOW = "v=spf1 include:relay.example a:old.shop.example ptr ~all"
DMARC = f"_dmarc.{D}."


def f(fid, sev, records=(), remove=(), variant="default", subject=D, summary="do it", detail="detail"):
    fix = Fix(summary, tuple(records), tuple(remove))
    return Finding(fid, subject, sev, f"title of {fid}", detail, (), fix, variant)


def txt(value, name=f"{D}."):
    return DnsRecord(name, "TXT", value)


def report(*checks):
    return DomainReport(D, tuple(checks))


def mail_domain():
    spf = CheckResult("spf", Status.FAIL, (
        f("spf.ptr", Severity.MEDIUM, [txt("v=spf1 include:relay.example a:old.shop.example ~all")]),
        f("spf.all.softfail", Severity.MEDIUM, [txt("v=spf1 include:relay.example a:old.shop.example ptr -all")]),
    ), data=(("record", SPF_NOW),))
    dmarc = CheckResult("dmarc", Status.FAIL, (
        f("dmarc.missing", Severity.HIGH, [txt(f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{D}", DMARC)],
          subject=D),
    ))
    mx = CheckResult("mx", Status.WARN, (f("mx.host.ptr", Severity.LOW),))
    return report(mx, spf, dmarc)


def test_spf_before_dmarc_monitoring_before_enforcement():
    steps = plan(mail_domain()).steps
    phases = [s.phase for s in steps]
    assert phases == ["spf", "monitor", "reputation", "quarantine", "reject"]
    assert [s.number for s in steps] == [1, 2, 3, 4, 5]
    spf = steps[0]
    # ptr goes now; ~all stays, because DMARC enforcement (later) makes -all unnecessary
    assert spf.publish == (txt("v=spf1 include:relay.example a:old.shop.example ~all"),)
    assert spf.remove == (txt(SPF_NOW),)  # the record in force goes, so there is never two
    monitor = steps[1]
    assert monitor.publish == (txt(f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{D}", DMARC),)
    assert monitor.wait and not monitor.later
    quarantine, reject = steps[3], steps[4]
    assert quarantine.later and reject.later
    assert quarantine.remove == monitor.publish
    assert ("spf.all.softfail", D) in quarantine.findings
    assert quarantine.publish == (txt(f"v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@{D}", DMARC),)
    assert reject.remove == quarantine.publish
    assert reject.publish == (txt(f"v=DMARC1; p=reject; rua=mailto:dmarc-reports@{D}", DMARC),)


def test_softfail_is_tightened_when_dmarc_stays_unenforced():
    spf = CheckResult("spf", Status.WARN, (
        f("spf.ptr", Severity.MEDIUM, [txt("v=spf1 mx ~all")]),
        f("spf.all.softfail", Severity.MEDIUM, [txt("v=spf1 mx ptr -all")]),
    ), data=(("record", "v=spf1 mx ptr ~all"),))
    [step] = plan(report(spf)).steps
    assert step.publish == (txt("v=spf1 mx -all"),)  # both proposals merged into one record
    assert step.remove == (txt("v=spf1 mx ptr ~all"),)


def test_no_mail_domain_is_locked_down_in_one_step():
    null_mx = DnsRecord(f"{D}.", "MX", "0 .")
    r = report(
        CheckResult("mx", Status.FAIL, (f("mx.missing", Severity.HIGH, [null_mx]),)),
        CheckResult("dmarc", Status.FAIL, (f("dmarc.missing", Severity.HIGH, [txt("v=DMARC1; p=reject", DMARC)],
                                             variant="nomail"),)),
    )
    result = plan(r)
    assert result.no_mail
    [step] = result.steps
    assert step.phase == "nomail"
    assert set(step.publish) == {null_mx, txt("v=DMARC1; p=reject", DMARC)}


def test_mail_domain_without_mx_is_not_given_a_null_mx():
    null_mx = DnsRecord(f"{D}.", "MX", "0 .")
    [step] = plan(report(CheckResult("mx", Status.FAIL, (f("mx.missing", Severity.HIGH, [null_mx]),)))).steps
    assert step.publish == ()
    assert any("MX 0 ." in a for a in step.actions)
    [step] = plan(report(CheckResult("mx", Status.FAIL, (f("mx.missing", Severity.HIGH, summary="register"),)))).steps
    assert step.actions == ("register",)


def test_monitoring_already_in_place_goes_straight_to_enforcement():
    now = f"v=DMARC1; p=none; rua=mailto:r@{D}"
    dmarc = CheckResult("dmarc", Status.WARN, (
        f("dmarc.policy.none", Severity.MEDIUM, [txt(f"v=DMARC1; p=quarantine; rua=mailto:r@{D}", DMARC)],
          subject=DMARC),
    ), data=(("record", now), ("found_at", DMARC)))
    steps = plan(report(dmarc)).steps
    assert [s.phase for s in steps] == ["quarantine", "reject"]
    assert steps[0].remove == (txt(now, DMARC),)


def test_enforced_dmarc_tag_fixes_merge_into_one_record():
    now = f"v=DMARC1; p=quarantine; sp=none; pct=50; rua=mailto:r@{D}"
    dmarc = CheckResult("dmarc", Status.WARN, (
        f("dmarc.pct.partial", Severity.LOW, [txt(f"v=DMARC1; p=quarantine; sp=none; rua=mailto:r@{D}", DMARC)]),
        f("dmarc.subdomain.weaker", Severity.MEDIUM, [txt(f"v=DMARC1; p=quarantine; pct=50; rua=mailto:r@{D}",
                                                          DMARC)]),
    ), data=(("record", now), ("found_at", DMARC)))
    [step] = plan(report(dmarc)).steps
    assert step.publish == (txt(f"v=DMARC1; p=quarantine; rua=mailto:r@{D}", DMARC),)
    assert step.remove == (txt(now, DMARC),)


def test_merge_rules():
    assert merge("spf", None, ["v=spf1 mx -all"]) == "v=spf1 mx -all"
    assert merge("spf", "v=spf1 redirect=_spf.x", ["v=spf1 redirect=_spf.x ip4:1.2.3.4"]) == \
        "v=spf1 ip4:1.2.3.4 redirect=_spf.x"
    assert merge("spf", "v=spf1 +all", ["v=spf1 ~all", "v=spf1 -all"]) == "v=spf1 -all"


def test_outputs_and_hostile_text_cannot_add_a_zone_line():
    evil = "x\nevil.example. 3600 IN TXT \"injected\"\x1b[2J"
    r = mail_domain()
    r = DomainReport(D, (*r.checks, CheckResult("dnsbl", Status.FAIL, (
        f("dnsbl.ip.listed", Severity.HIGH, detail=evil, summary=evil, subject=evil),))))
    result = plan(r, "en")
    zone = plan_zone(result)
    records = [line for line in zone.splitlines() if line and not line.startswith(";")]
    published_now = [r for s in result.steps if not s.later for r in s.publish]
    assert len(records) == len(published_now) == 2
    assert "\x1b" not in zone and "injected" in zone
    assert all(line.startswith(";") or line.startswith(("shop.example.", "_dmarc.shop.example.")) or not line
               for line in zone.splitlines())
    text = plan_text(result)
    assert "\x1b" not in text and "Step 1." in text
    data = plan_dict(result)
    assert [s["step"] for s in data["steps"]] == list(range(1, len(result.steps) + 1))
    assert plan_text(plan(r, "id")).startswith("Rencana perbaikan untuk shop.example")


def test_plans_from_dns(dns_server):
    from mailaudit import AuditOptions, audit

    from .conftest import resolver_for

    r = resolver_for(dns_server("render"))
    options = AuditOptions(dnsbl=False)
    nomail = plan(audit("nomail.render.test", resolver=r, options=options))
    assert nomail.no_mail and [s.phase for s in nomail.steps] == ["nomail"]
    assert nomail.steps[0].publish == (txt("v=DMARC1; p=reject", "_dmarc.nomail.render.test."),)
    staged = plan(audit("staged.render.test", resolver=r, options=options))
    phases = [s.phase for s in staged.steps]
    assert phases.index("spf") < phases.index("monitor") < phases.index("quarantine") < phases.index("reject")
    assert [s.later for s in staged.steps if s.phase in ("quarantine", "reject")] == [True, True]
    monitor = staged.steps[phases.index("monitor")]
    assert monitor.publish[0].value.startswith("v=DMARC1; p=none; rua=mailto:")


def test_fix_command_over_dns(dns_server):
    server = dns_server("render")
    base = ["--nameserver", server.address, "--timeout", "0.5", "--no-dnsbl"]
    result = CliRunner().invoke(main_group, ["fix", "failing.render.test", "--format", "json", *base],
                                standalone_mode=False)
    assert result.exception is None, result.output
    data = json.loads(result.output)
    assert data["domain"] == "failing.render.test"
    assert data["steps"][0]["phase"] == "receive"
    assert data["steps"][0]["findings"][0]["id"] == "mx.host.unresolvable"
    zone = CliRunner().invoke(main_group, ["fix", "failing.render.test", "--format", "zone", *base])
    assert zone.exit_code == 0 and zone.output.startswith("; Records to paste")
    text = CliRunner().invoke(main_group, ["fix", "hostile.render.test", "--lang", "id", *base])
    assert "Rencana perbaikan" in text.output and "\x1b" not in text.output


def test_replaced_key_record_quoted_in_evidence_is_removed():
    owner = f"s1._domainkey.{D}."
    now = "v=DKIM1; k=rsa; t=y; h=sha1; p=AAAA"
    shown = f'{owner} TXT "{now}"'
    dkim = CheckResult("dkim", Status.FAIL, (
        Finding("dkim.key.testing", owner[:-1], Severity.LOW, "t", "d", (shown,),
                Fix("s", (txt("v=DKIM1; k=rsa; h=sha1; p=AAAA", owner),))),
        Finding("dkim.key.hash", owner[:-1], Severity.HIGH, "t", "d", (shown,),
                Fix("s", (txt("v=DKIM1; k=rsa; t=y; p=AAAA", owner),))),
    ))
    [step] = plan(report(dkim)).steps
    assert step.phase == "dkim"
    assert step.remove == (txt(now, owner),)
    assert step.publish == (txt("v=DKIM1; k=rsa; p=AAAA", owner),)  # both fixes in one record


def test_fix_command_usage_errors_exit_2(capsys):
    from mailaudit.cli import main

    assert main(["fix", "bad domain!"]) == 2
    assert main(["fix", "example.com", "--offline"]) == 2
    assert main(["fix", "example.com", "--format", "html"]) == 2
    assert "Traceback" not in capsys.readouterr().err
