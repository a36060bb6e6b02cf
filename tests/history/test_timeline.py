"""History over a real sequence: the hidden-host story before the fix, after it, after a regression."""

from __future__ import annotations

import datetime as dt

from mailaudit.history import (
    DmarcSummary,
    DueRules,
    StoredFinding,
    StoredReport,
    domain_state,
    exit_code,
    open_db,
    timeline,
)

from .helpers import AFTER, BEFORE, DOMAIN, LISTED, POLICY_NONE, REGRESSED, SOFTFAIL, day, meta, report


def ids(findings):
    return [f.id for f in findings]


def story(tmp_path, *runs):
    path = tmp_path / "h.db"
    with open_db(path) as db:
        for n, (source, rep) in enumerate(runs):
            db.record_run(meta(7 * n, source), [rep])
    with open_db(path, create=False) as db:
        return timeline(db.runs_of(DOMAIN)), db.dmarc_of(DOMAIN)


def test_each_change_of_the_story_shows(tmp_path):
    first, fixed, back = story(tmp_path, ("live", BEFORE), ("live", AFTER), ("live", REGRESSED))[0]
    assert first.since is None and ids(first.new) == ids(BEFORE.findings) and not first.fixed
    assert ids(fixed.fixed) == ["dnsbl.ip.listed", "spf.all.softfail"] and ids(fixed.open) == ["dmarc.policy.none"]
    assert ids(back.new) == ["spf.all.softfail"] and not back.fixed
    assert back.since is not None and back.since.meta.at == day(7)


def test_a_failed_check_makes_a_finding_unverified_not_fixed(tmp_path):
    blind = report([SOFTFAIL, POLICY_NONE], grade="B", score=84, errors=("dnsbl",))
    _, later = story(tmp_path, ("live", BEFORE), ("live", blind))[0]
    assert ids(later.unverified) == ["dnsbl.ip.listed"] and not later.fixed


def test_a_what_if_is_not_taken_for_the_real_state(tmp_path):
    changes, _ = story(tmp_path, ("live", BEFORE), ("zone", AFTER), ("live", BEFORE))
    what_if, real = changes[1], changes[2]
    assert ids(what_if.fixed) == ["dnsbl.ip.listed", "spf.all.softfail"]
    assert real.since is not None and real.since.meta.source == "live"
    assert not real.new and not real.fixed  # nothing changed in the real DNS
    state = domain_state(changes[:2], [], day(8))
    assert [d.kind for d in state.due] == ["whatif_pending", "open_high", "reports_missing"]
    assert state.latest.run.meta.source == "live" and state.whatif is changes[1]


def test_the_portfolio_state_and_exit_code_follow_the_story(tmp_path):
    changes, _ = story(tmp_path, ("live", BEFORE), ("live", AFTER), ("live", REGRESSED))
    now = day(15)
    first = domain_state(changes[:1], [], now)
    fixed = domain_state(changes[:2], [], now)
    regressed = domain_state(changes, [], now)
    assert [d.kind for d in first.due] == ["stale", "open_high", "reports_missing"]
    assert not fixed.regressed and exit_code([first, fixed]) == 0
    assert regressed.regressed and exit_code([fixed, regressed]) == 1
    (due,) = [d for d in regressed.due if d.kind == "regressed"]
    assert ids(due.findings) == ["spf.all.softfail"] and due.param("reappeared") == "1"
    assert regressed.trend == ("C", "B", "B") and regressed.step == "dmarc.monitor"


def test_an_incomplete_latest_run_exits_3(tmp_path):
    blind = report([LISTED, SOFTFAIL, POLICY_NONE], grade="C", score=64, errors=("dkim",))
    changes, _ = story(tmp_path, ("live", BEFORE), ("live", blind))
    state = domain_state(changes, [], day(8))
    assert state.incomplete and exit_code([state]) == 3


def dmarc(begin: int, end: int, ready: bool) -> DmarcSummary:
    return DmarcSummary(DOMAIN, day(begin), day(end), 4, 900, next_policy="quarantine", ready=ready,
                        aligned_share=0.999 if ready else 0.8)


def test_the_dmarc_step_is_waiting_ready_overdue_or_blocked(tmp_path):
    changes, _ = story(tmp_path, ("live", AFTER))
    rules = DueRules(stale_days=400)

    def kind(periods, now=None):
        now = now or day(20)
        return [d for d in domain_state(changes, periods, now, rules).due if d.kind.startswith("step")]

    (waiting,) = kind([dmarc(0, 7, True)])
    assert (waiting.kind, waiting.param("days"), waiting.param("needed")) == ("step_waiting", "7", "14")
    (ready,) = kind([dmarc(0, 7, True), dmarc(7, 15, True)])
    assert (ready.kind, ready.param("next_policy")) == ("step_ready", "quarantine")
    (overdue,) = kind([dmarc(0, 7, True), dmarc(7, 15, True)], now=day(60))
    assert overdue.kind == "step_overdue"
    (blocked,) = kind([dmarc(0, 7, True), dmarc(7, 15, False)])
    assert (blocked.kind, blocked.param("aligned")) == ("step_blocked", "80.0")
    (gap,) = kind([dmarc(0, 7, True), dmarc(30, 35, True)], now=day(36))
    assert gap.kind == "step_waiting" and gap.param("days") == "5"  # a gap restarts the count


def test_an_enforced_domain_has_no_dmarc_step_due(tmp_path):
    done = report([], grade="A", score=100, policy="reject")
    changes, _ = story(tmp_path, ("live", done))
    state = domain_state(changes, [], day(1))
    assert state.step == "dmarc.enforced" and state.due == ()
    assert state.days_since == 1 and state.open_counts()["high"] == 0


def test_times_are_utc(tmp_path):
    changes, _ = story(tmp_path, ("live", AFTER))
    assert changes[0].run.meta.at.tzinfo == dt.UTC


def test_a_check_new_in_this_version_is_coverage_not_a_regression(tmp_path):
    old = StoredReport(DOMAIN, "B", 92, tuple(c for c in AFTER.checks if c.id != "dnsbl"), AFTER.findings)
    newer = report([LISTED, POLICY_NONE], grade="C", score=72)
    changes, _ = story(tmp_path, ("live", old), ("live", newer))
    assert ids(changes[1].new) == ["dnsbl.ip.listed"]
    state = domain_state(changes, [], day(8))
    assert not state.regressed and exit_code([state]) == 0


def test_a_finding_that_got_worse_is_a_regression(tmp_path):
    low = StoredFinding("spf.all.softfail", DOMAIN, "low", "t", "d", check="spf")
    changes, _ = story(tmp_path, ("live", report([low], grade="A", score=98)),
                       ("live", report([SOFTFAIL], grade="B", score=92)))
    (due,) = [d for d in domain_state(changes, [], day(8)).due if d.kind == "regressed"]
    assert ids(due.findings) == ["spf.all.softfail"] and due.param("score_to") == "92"
