"""What is due: every domain's latest state, and what a consultant should do next about it.

A domain's state is its latest run that saw the real DNS (``live`` or ``offline``; a ``zone``
what-if after it is kept apart as "prepared, not yet published"). Due items, most urgent first:

- ``regressed``: the latest run has a new finding at or above ``regression_severity`` (or one
  that had been fixed before came back) from a check that completed the run before too, or an
  open finding got more severe. (A check added by a newer mailaudit, or one that failed the run
  before, brings new coverage, not a regression.)
- ``unverified``: a finding went away while its check failed or did not run: audit again.
- ``incomplete``: a check of the latest run could not complete (nothing went unverified).
- ``whatif_pending``: a ``zone`` what-if after the latest real run fixes findings that are still
  open: publish the change, then audit live to verify it.
- ``stale``: not audited for ``stale_days`` days or more.
- ``open_high``: high or critical findings are open.
- DMARC, the fix plan's "two to four weeks of reports with every legitimate source aligned"
  before each policy step: ``step_ready`` (enough aligned reports: move to the next policy),
  ``step_overdue`` (ready for ``overdue_days`` and still not moved), ``step_waiting`` (fewer
  than ``coverage_days`` days of reports), ``step_blocked`` (sources not aligned yet),
  ``reports_missing`` (no stored reports: run ``reports --db``).

The plan step a domain is at is its place on the DMARC ladder: ``dmarc.publish`` (no policy),
``dmarc.monitor`` (``p=none``), ``dmarc.quarantine``, ``dmarc.enforced`` (``p=reject``), or
``unknown`` when the DMARC check could not complete.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from mailaudit.history.timeline import RunChange, finding_key
from mailaudit.history.types import SEVERITIES, SEVERITY_RANK, DmarcSummary, StoredFinding, StoredReport, TlsSummary

DUE_KINDS = ("regressed", "unverified", "incomplete", "whatif_pending", "stale", "open_high", "step_overdue",
             "step_ready", "step_blocked", "step_waiting", "reports_missing")
STEPS = ("dmarc.publish", "dmarc.monitor", "dmarc.quarantine", "dmarc.enforced", "unknown")
NEXT_POLICY = {"dmarc.publish": "none", "dmarc.monitor": "quarantine", "dmarc.quarantine": "reject"}


@dataclass(frozen=True, slots=True)
class DueRules:
    stale_days: int = 14
    coverage_days: int = 14
    overdue_days: int = 28
    regression_severity: str = "medium"

    def __post_init__(self) -> None:
        if min(self.stale_days, self.coverage_days, self.overdue_days) < 0:
            raise ValueError("day counts cannot be negative")
        if self.regression_severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.regression_severity!r}")


@dataclass(frozen=True, slots=True)
class Due:
    """One thing to do about a domain: a kind from ``DUE_KINDS`` and the facts its text needs."""

    kind: str
    params: tuple[tuple[str, str], ...] = ()
    findings: tuple[StoredFinding, ...] = ()

    def param(self, key: str) -> str:
        return dict(self.params).get(key, "")


@dataclass(frozen=True, slots=True)
class DmarcState:
    policy: str | None
    coverage_days: int
    messages: int
    aligned_share: float | None
    ready: bool | None  # None: no stored reports
    next_policy: str | None
    ready_since: dt.datetime | None


@dataclass(frozen=True, slots=True)
class DomainState:
    domain: str
    latest: RunChange
    whatif: RunChange | None
    trend: tuple[str, ...]  # grades of the real runs, oldest first (at most the last six)
    runs: int
    days_since: int
    step: str
    dmarc: DmarcState
    due: tuple[Due, ...]
    tls: tuple[TlsSummary, ...] = ()  # the latest stored TLS-RPT totals, one per policy

    @property
    def report(self) -> StoredReport:
        return self.latest.run.report

    @property
    def regressed(self) -> bool:
        return any(d.kind == "regressed" for d in self.due)

    @property
    def incomplete(self) -> bool:
        return not self.report.complete or bool(self.latest.unverified)

    def open_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for finding in self.report.findings:
            counts[finding.severity] += 1
        return counts


def dmarc_step(report: StoredReport) -> tuple[str, str | None]:
    """(plan step, effective DMARC policy) of a report."""
    check = report.check("dmarc")
    if check is None or check.status in ("error", "skipped"):
        return "unknown", None
    data = check.data
    policy = data.get("effective_policy", data.get("policy"))
    policy = policy if policy in ("none", "quarantine", "reject") else None
    step = {None: "dmarc.publish", "none": "dmarc.monitor", "quarantine": "dmarc.quarantine"}.get(
        policy, "dmarc.enforced")
    return step, policy


def _coverage(periods: Sequence[DmarcSummary]) -> int:
    """Days covered by the unbroken stretch of stored periods that reaches the latest one
    (periods that overlap or are at most a day apart join)."""
    if not periods:
        return 0
    spans = sorted((p.begin, p.end) for p in periods)
    start, end = spans[0]
    for begin, finish in spans[1:]:
        if begin - end > dt.timedelta(days=1):
            start = begin
        end = max(end, finish)
    return int((end - start).total_seconds() // 86400)


def dmarc_state(policy: str | None, periods: Sequence[DmarcSummary]) -> DmarcState:
    if not periods:
        return DmarcState(policy, 0, 0, None, None, None, None)
    latest = periods[-1]
    ready_since = None
    for period in reversed(periods):  # the start of the latest unbroken run of "ready" periods
        if not period.ready:
            break
        ready_since = period.end
    return DmarcState(policy, _coverage(periods), latest.messages, latest.aligned_share, latest.ready,
                      latest.next_policy, ready_since)


def _regression(history: Sequence[RunChange], rules: DueRules) -> Due | None:
    """New (or returning) findings at the floor from checks that were watching the run before,
    and open findings whose severity got worse."""
    latest = history[-1]
    if latest.since is None:
        return None
    seen_fixed = {finding_key(f) for change in history[:-1] for f in change.fixed}
    floor = SEVERITY_RANK[rules.regression_severity]
    # a check that did not complete (or did not exist: a newer mailaudit) the run before could
    # not have seen the finding then: new coverage, not a regression
    watched = {c.id for c in latest.since.report.checks if c.status not in ("error", "skipped")}
    back = [f for f in latest.new if f.owner in watched and (f.rank >= floor or finding_key(f) in seen_fixed)]
    earlier = {finding_key(f): f.rank for f in latest.since.report.findings}
    back += [f for f in latest.open if f.rank >= floor and f.rank > earlier.get(finding_key(f), f.rank)]
    if not back:
        return None
    before, now = latest.since.report.score, latest.run.report.score
    return Due("regressed", (("score_from", str(before)), ("score_to", str(now)), ("count", str(len(back))),
                             ("reappeared", str(sum(finding_key(f) in seen_fixed for f in back)))), tuple(back))


def _whatif(latest: RunChange, whatif: RunChange | None) -> Due | None:
    if whatif is None:
        return None
    still_open = {finding_key(f) for f in latest.run.report.findings}
    prepared = tuple(f for f in whatif.fixed if finding_key(f) in still_open)
    if not prepared:
        return None
    return Due("whatif_pending", (("at", _day(whatif.run.meta.at)), ("count", str(len(prepared)))), prepared)


def _day(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d")


def _dmarc_due(step: str, state: DmarcState, now: dt.datetime, rules: DueRules) -> Due | None:
    """The DMARC ladder's next step (see the module docstring)."""
    if step not in ("dmarc.monitor", "dmarc.quarantine"):
        return None
    target = NEXT_POLICY[step]
    if state.ready is None:
        return Due("reports_missing", (("next_policy", target),))
    if state.coverage_days < rules.coverage_days:
        return Due("step_waiting", (("days", str(state.coverage_days)), ("needed", str(rules.coverage_days)),
                                    ("next_policy", target)))
    if not state.ready:
        share = "" if state.aligned_share is None else f"{state.aligned_share * 100:.1f}"
        return Due("step_blocked", (("aligned", share), ("next_policy", target)))
    waited = (now - state.ready_since).days if state.ready_since else 0
    kind = "step_overdue" if waited >= rules.overdue_days else "step_ready"
    return Due(kind, (("next_policy", state.next_policy or target), ("days", str(waited))))


def _due(history: Sequence[RunChange], whatif: RunChange | None, state: DmarcState, step: str,
         now: dt.datetime, rules: DueRules) -> tuple[Due, ...]:
    latest = history[-1]
    found: list[Due | None] = [_regression(history, rules)]
    failed = ", ".join(c.id for c in latest.run.report.checks if c.status == "error")
    if latest.unverified:
        found.append(Due("unverified", (("count", str(len(latest.unverified))), ("checks", failed)),
                         latest.unverified))
    elif failed:
        found.append(Due("incomplete", (("checks", failed),)))
    found.append(_whatif(latest, whatif))
    age = (now - latest.run.meta.at).days
    if age >= rules.stale_days:
        found.append(Due("stale", (("days", str(age)), ("limit", str(rules.stale_days)))))
    high = tuple(f for f in latest.run.report.findings if f.rank >= SEVERITY_RANK["high"])
    if high:
        found.append(Due("open_high", (("count", str(len(high))),), high))
    found.append(_dmarc_due(step, state, now, rules))
    return tuple(sorted((d for d in found if d is not None), key=lambda d: DUE_KINDS.index(d.kind)))


def domain_state(history: Sequence[RunChange], periods: Sequence[DmarcSummary], now: dt.datetime,
                 rules: DueRules = DueRules(), tls: Sequence[TlsSummary] = ()) -> DomainState:
    """The state of one domain from its timeline (``timeline()``, non-empty), its DMARC periods
    and its latest TLS-RPT totals."""
    real = [c for c in history if c.real] or list(history)
    latest = real[-1]
    later = [c for c in history if not c.real and c.run.meta.at >= latest.run.meta.at and c is not latest]
    whatif = later[-1] if later else None
    step, policy = dmarc_step(latest.run.report)
    state = dmarc_state(policy, periods)
    return DomainState(
        domain=latest.run.report.domain, latest=latest, whatif=whatif,
        trend=tuple(c.run.report.grade for c in real[-6:]), runs=len(history),
        days_since=max(0, (now - latest.run.meta.at).days), step=step, dmarc=state,
        due=_due(real, whatif, state, step, now, rules), tls=tuple(tls),
    )


def exit_code(states: Sequence[DomainState]) -> int:
    """1 when a domain regressed (a scheduled job alerts on it), else 3 when a latest run could
    not verify everything, else 0."""
    if any(s.regressed for s in states):
        return 1
    if any(s.incomplete for s in states):
        return 3
    return 0
