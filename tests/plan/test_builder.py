"""The runbook builder on typed facts: realistic clients, no DNS (the CLI tests read the same
facts from the project's DNS test server)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mailaudit.plan.facts import DmarcFacts, DomainFacts, MxFacts, MxHost, SpfFacts, SpfTerm
from mailaudit.plan.providers import ProviderError, load
from mailaudit.plan.runbook import build
from mailaudit.plan.simulate import apply, self_check, verify
from mailaudit.plan.spfmerge import add_include, insert

PROVIDERS = load()


def spf(record: str, costs: dict[str, int]) -> SpfFacts:
    terms = tuple(SpfTerm(t, costs.get(t, 0)) for t in record.split()[1:])
    return SpfFacts(record, terms, 3600)


def own_server(ttl: int = 86400) -> DomainFacts:
    """A client on its own server (one MX, one-day TTL), SPF through `mx`."""
    return DomainFacts(
        "tokobaju.example",
        MxFacts((MxHost(10, "mail.tokobaju.example."),), ttl),
        spf("v=spf1 mx include:spf.relaycloud.example -all", {"mx": 1, "include:spf.relaycloud.example": 1}),
        DmarcFacts("v=DMARC1; p=none", "_dmarc.tokobaju.example", "none"),
        include_lookups=(("spf.relaycloud.example", 1),),
    )


def test_move_to_two_host_filter_with_one_day_ttl() -> None:
    facts = own_server()
    book = build(facts, PROVIDERS, mx_to="relaycloud")
    assert [s.phase for s in book.steps] == ["prepare", "lower_ttl", "switch", "lock", "raise_ttl"]
    prepare, lower, switch, lock, raise_ = book.steps
    # the TTL is lowered ahead of time by the current TTL: a one-day TTL is a day's wait
    assert [(r.value, r.ttl) for r in lower.publish] == [("10 mail.tokobaju.example.", 300)]
    assert [(r.value, r.ttl) for r in lower.remove] == [("10 mail.tokobaju.example.", 86400)]
    assert lower.wait_seconds == 86400 and lower.wait is not None and lower.wait.values["duration"] == "1d"
    # the switch: the filter's hosts with their priorities, the old MX removed, nothing around the filter
    assert [r.value for r in switch.publish] == ["10 mx1.filter.relaycloud.example.",
                                                 "20 mx2.filter.relaycloud.example."]
    assert [r.value for r in switch.remove] == ["10 mail.tokobaju.example."]
    assert any(w.key == "plan.why.bypass" for w in switch.why)
    # SPF `mx` would start authorising the filter and stop covering the old server: it is named instead
    assert [r.value for r in prepare.publish] == ["v=spf1 a:mail.tokobaju.example include:spf.relaycloud.example -all"]
    # the lock in the vendor's terms, proved by check --smtp
    assert lock.actions[0].key == "plan.lock.firewall" and "45.64.20.0/24" in lock.actions[0].values["ranges"]
    assert [p.kind for p in lock.proofs] == ["smtp"]
    assert next((r.value, r.ttl) for r in raise_.publish)[1] == 86400
    assert {r.key for r in book.risks} >= {"plan.risk.in_flight", "plan.risk.recipients",
                                           "plan.risk.spf_outbound_relay"}
    assert self_check(facts, book) == ()
    for i, step in enumerate(book.steps, 1):  # each step's DNS proofs hold once the steps up to it are applied
        after = apply(facts, replace(book, steps=book.steps[:i]))
        assert [verify(p, after) for p in step.proofs if p.kind.startswith(("mx_", "spf_"))] in ([], ["done"],
                                                                                                 ["done", "done"])
        before = apply(facts, replace(book, steps=book.steps[: i - 1]))
        assert "pending" in [verify(p, before) for p in step.proofs] or step.phase in ("prepare", "lock")


def test_already_on_the_filter_needs_nothing() -> None:
    facts = DomainFacts("sudahaman.example", MxFacts((MxHost(10, "mx1.filter.relaycloud.example."),
                                                      MxHost(20, "mx2.filter.relaycloud.example.")), 3600))
    book = build(facts, PROVIDERS, mx_to="relaycloud")
    assert book.steps == ()
    assert [n.key for n in book.notes] == ["plan.note.already_on_filter"]
    assert not book.blocked and book.risks == ()


def test_on_the_filter_with_a_backup_mx_removes_the_bypass() -> None:
    facts = DomainFacts(
        "batikmurni.example",
        MxFacts((MxHost(10, "mx1.filter.relaycloud.example."), MxHost(20, "mx2.filter.relaycloud.example."),
                 MxHost(30, "mail.batikmurni.example.")), 3600),
        spf("v=spf1 include:spf.relaycloud.example a:cpanel.batikmurni.example mx ptr ~all",
            {"include:spf.relaycloud.example": 1, "a:cpanel.batikmurni.example": 1, "mx": 1, "ptr": 1}),
    )
    book = build(facts, PROVIDERS, mx_to="mx1.filter.relaycloud.example,mx2.filter.relaycloud.example")
    assert [s.phase for s in book.steps] == ["remove_bypass", "lock"]
    assert book.provider == "relaycloud"  # host list recognised: the vendor's lock terms apply
    remove = book.steps[0]
    assert "30 mail.batikmurni.example." in [r.value for r in remove.remove]
    assert self_check(facts, book) == ()


def test_relay_pushing_spf_to_eleven_lookups_drops_ptr_and_says_so() -> None:
    record = "v=spf1 include:_spf.google.com include:spf.protection.outlook.com include:servers.mcsv.net mx a ptr ~all"
    costs = {"include:_spf.google.com": 4, "include:spf.protection.outlook.com": 2, "include:servers.mcsv.net": 1,
             "mx": 1, "a": 1, "ptr": 1}
    facts = DomainFacts("kopi.example", MxFacts((MxHost(10, "kopi-example.mail.protection.outlook.com."),), 3600),
                        spf(record, costs), include_lookups=(("spf.relaycloud.example", 1),))
    book = build(facts, PROVIDERS, relay="relaycloud")
    step = next(s for s in book.steps if s.phase == "spf")
    assert [r.value for r in step.publish] == [
        "v=spf1 include:_spf.google.com include:spf.protection.outlook.com include:servers.mcsv.net mx a"
        " include:spf.relaycloud.example ~all"]
    assert [w.key for w in step.why] == ["plan.why.spf_include", "plan.why.drop_ptr"]
    assert step.why[0].values["after"] == "10" and book.drops == ("ptr",)
    assert self_check(facts, book) == ()
    assert [s.phase for s in book.steps] == ["dkim", "spf", "route", "align"]
    assert [r.name for r in book.steps[0].publish] == ["rc1._domainkey.kopi.example."]


def test_relay_over_the_limit_without_a_safe_drop_publishes_nothing() -> None:
    record = "v=spf1 include:_spf.google.com include:spf.protection.outlook.com include:servers.mcsv.net" \
             " include:mailgun.org a mx ~all"
    costs = {"include:_spf.google.com": 4, "include:spf.protection.outlook.com": 2, "include:servers.mcsv.net": 1,
             "include:mailgun.org": 1, "a": 1, "mx": 1}
    facts = DomainFacts("kopi.example", MxFacts((MxHost(10, "mail.kopi.example."),), 3600),
                        spf(record, costs), include_lookups=(("sendgrid.net", 2),))
    book = build(facts, PROVIDERS, relay="include:sendgrid.net")
    step = next(s for s in book.steps if s.phase == "spf")
    assert step.publish == () and step.remove == ()
    assert step.actions[0].key == "plan.action.spf_over" and step.actions[0].values["lookups"] == "12"
    assert "include:_spf.google.com (4)" in step.actions[0].values["choices"]
    assert book.blocked
    assert self_check(facts, book) == ()  # nothing published: nothing broken


def test_relay_and_move_together_build_on_one_spf_record() -> None:
    facts = own_server(3600)
    book = build(facts, PROVIDERS, mx_to="relaycloud", relay="relaycloud")
    spf_steps = [s for s in book.steps if any(r.type == "TXT" for r in s.publish)]
    assert len(spf_steps) == 1  # the include is already there: only the `mx` replacement
    assert self_check(facts, book) == ()


def test_unreadable_mx_is_not_an_absence() -> None:
    facts = DomainFacts("gagal.example", MxFacts(error="timeout"))
    book = build(facts, PROVIDERS, mx_to="relaycloud")
    assert book.steps == () and book.blocked
    assert [n.key for n in book.notes] == ["plan.note.mx_unknown"]


def test_unknown_include_cost_plans_no_spf_change() -> None:
    facts = own_server()
    book = build(facts, PROVIDERS, relay="include:unknown.example.net")
    assert not any(s.phase == "spf" for s in book.steps)
    assert "plan.note.include_unknown" in [n.key for n in book.notes]


def test_return_path_relays_need_no_apex_include() -> None:
    facts = own_server()
    book = build(facts, PROVIDERS, relay="amazonses")
    assert not any(s.phase == "spf" for s in book.steps)
    assert "plan.note.spf_return_path" in [n.key for n in book.notes]


@pytest.mark.parametrize("spec", ["nosuchprovider", "bad host,", "a b.example"])
def test_bad_targets_are_input_errors(spec: str) -> None:
    with pytest.raises(ProviderError):
        build(own_server(), PROVIDERS, mx_to=spec)


def test_insert_goes_before_all_or_redirect() -> None:
    terms = (SpfTerm("a"), SpfTerm("redirect=_spf.example.net", 2))
    assert [t.text for t in insert(terms, SpfTerm("include:x.example"))] == ["a", "include:x.example",
                                                                             "redirect=_spf.example.net"]


def test_duplicate_include_dropped_before_anything_else() -> None:
    facts = spf("v=spf1 include:a.example include:a.example include:b.example ~all",
                {"include:a.example": 4, "include:b.example": 2})
    merge = add_include(facts, "c.example", 1)
    assert [d.reason for d in merge.drops] == ["duplicate"] and merge.lookups == 7 and not merge.over


@pytest.mark.parametrize("spec", ["mx1.example.net,mx\x1b.example.net", "a" * 64 + ".example", "-x", "host",
                                  "192.0.2.1"])
def test_hostile_host_names_are_refused(spec: str) -> None:
    with pytest.raises(ProviderError):
        build(own_server(), PROVIDERS, mx_to=spec)
    with pytest.raises(ProviderError):
        build(own_server(), PROVIDERS, relay=spec)


def test_backup_mx_aliased_to_a_host_spf_already_names_drops_mx_and_says_why() -> None:
    facts = DomainFacts(
        "batikmurni.example",
        MxFacts((MxHost(10, "mx1.filter.relaycloud.example."), MxHost(20, "mx2.filter.relaycloud.example."),
                 MxHost(30, "mail.batikmurni.example.", "cpanel.batikmurni.example.")), 3600),
        spf("v=spf1 include:spf.relaycloud.example a:cpanel.batikmurni.example mx ~all",
            {"include:spf.relaycloud.example": 1, "a:cpanel.batikmurni.example": 1, "mx": 1}),
    )
    book = build(facts, PROVIDERS, mx_to="relaycloud")
    step = book.steps[0]
    assert [r.value for r in step.publish] == ["v=spf1 include:spf.relaycloud.example a:cpanel.batikmurni.example ~all"]
    assert "plan.why.spf_mx_named" in [w.key for w in step.why]
    assert self_check(facts, book) == ()
