"""JSON and CSV shapes of ``history`` and ``portfolio``: pure functions of the timeline and states.

Words a person reads (the due items' sentences) come from ``say(key, params)``, which the CLI
binds to the catalogue in the chosen language; findings go through ``finding`` (by default the
stored texts, the CLI may render them again in another language).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .due import DUE_KINDS, DomainState, Due, DueRules
from .timeline import RunChange, finding_json
from .types import GRADES, SEVERITIES, StoredFinding, utc_text

VERSION = 1
Say = Callable[[str, Mapping[str, str]], str]
FindingOut = Callable[[StoredFinding], dict[str, Any]]
CSV_COLUMNS = ("domain", "grade", "score", "trend", "direction", "last_audited", "days_since", "source", "complete",
               *SEVERITIES, "fixed_since", "new_since", "step", "dmarc_policy", "dmarc_days", "dmarc_aligned",
               "dmarc_ready", "regressed", "due")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def direction(trend: Sequence[str]) -> str:
    """``up`` (better grade than the run before), ``down``, ``same``, or ``new`` (one run)."""
    if len(trend) < 2:
        return "new"
    before, now = GRADES.index(trend[-2]), GRADES.index(trend[-1])
    return "up" if now < before else "down" if now > before else "same"


def due_json(due: Due, say: Say) -> dict[str, Any]:
    return {"kind": due.kind, "text": say(f"due_{due.kind}", dict(due.params)), "params": dict(due.params),
            "findings": [{"id": f.id, "subject": f.subject, "severity": f.severity} for f in due.findings]}


def run_json(change: RunChange, finding: FindingOut = finding_json) -> dict[str, Any]:
    """One run in the contract's ``history`` shape, plus ``unverified`` (as ``diff`` has it)."""
    run = change.run
    return {"at": utc_text(run.meta.at), "source": run.meta.source, "grade": run.report.grade,
            "score": run.report.score, "checks": {c.id: c.status for c in run.report.checks},
            "fixed": [finding(f) for f in change.fixed], "new": [finding(f) for f in change.new],
            "open": [finding(f) for f in change.open], "unverified": [finding(f) for f in change.unverified]}


def history_json(domain: str, changes: Sequence[RunChange], state: DomainState | None, say: Say,
                 finding: FindingOut = finding_json) -> dict[str, Any]:
    out: dict[str, Any] = {"version": VERSION, "domain": domain, "runs": [run_json(c, finding) for c in changes]}
    if state is not None:
        out["step"] = state.step
        out["due"] = [due_json(d, say) for d in state.due]
    return out


def dmarc_json(state: DomainState) -> dict[str, Any]:
    d = state.dmarc
    return {"policy": d.policy, "coverage_days": d.coverage_days, "messages": d.messages,
            "aligned_share": d.aligned_share, "ready": d.ready, "next_policy": d.next_policy}


def domain_json(state: DomainState, say: Say, finding: FindingOut = finding_json) -> dict[str, Any]:
    latest, report = state.latest, state.report
    return {
        "domain": state.domain, "grade": report.grade, "score": report.score, "complete": report.complete,
        "trend": list(state.trend), "direction": direction(state.trend),
        "last_audited": utc_text(latest.run.meta.at), "days_since": state.days_since,
        "source": latest.run.meta.source, "runs": state.runs, "open": state.open_counts(),
        "since": utc_text(latest.since.meta.at) if latest.since else None,
        "fixed": [finding(f) for f in latest.fixed], "new": [finding(f) for f in latest.new],
        "unverified": [finding(f) for f in latest.unverified],
        "step": state.step, "dmarc": dmarc_json(state), "regressed": state.regressed,
        "due": [due_json(d, say) for d in state.due],
    }


def portfolio_json(states: Sequence[DomainState], now: dt.datetime, rules: DueRules, say: Say,
                   finding: FindingOut = finding_json) -> dict[str, Any]:
    """Every domain (by name) and, most urgent first, the list of what is due across them."""
    due = [(i, state, d) for state in states for i, d in enumerate(state.due)]
    due.sort(key=lambda item: (DUE_KINDS.index(item[2].kind), item[1].domain, item[0]))
    return {
        "version": VERSION, "generated_at": utc_text(now),
        "rules": {"stale_days": rules.stale_days, "coverage_days": rules.coverage_days,
                  "overdue_days": rules.overdue_days, "regression_severity": rules.regression_severity},
        "domains": [domain_json(s, say, finding) for s in sorted(states, key=lambda s: s.domain)],
        "due": [{"domain": s.domain, **due_json(d, say)} for _, s, d in due],
    }


def cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: a leading ``= + - @`` (a formula) gets a quote."""
    text = "" if value is None else str(value)
    text = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def portfolio_csv(states: Sequence[DomainState], say: Say) -> str:
    """One row per domain, for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for s in sorted(states, key=lambda s: s.domain):
        counts, d = s.open_counts(), s.dmarc
        writer.writerow([cell(v) for v in (
            s.domain, s.report.grade, s.report.score, " ".join(s.trend), direction(s.trend),
            utc_text(s.latest.run.meta.at), s.days_since, s.latest.run.meta.source, s.report.complete,
            *(counts[sev] for sev in SEVERITIES), len(s.latest.fixed), len(s.latest.new), s.step, d.policy,
            d.coverage_days, "" if d.aligned_share is None else f"{d.aligned_share:.3f}", d.ready, s.regressed,
            " | ".join(say(f"due_{x.kind}", dict(x.params)) for x in s.due))])
    return out.getvalue()
