"""``history`` and ``portfolio`` as json, csv and a terminal table: pure functions of the
timeline (``mailaudit.history.timeline``) and the domain states (``mailaudit.history.due``).

Words a person reads come from the catalogue's ``[_words.history]`` table in the chosen
language; stored findings are shown again in that language from their id, variant and params.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Any

from tabulate import tabulate

from mailaudit.catalogue import Catalogue, fill
from mailaudit.fixplan.plan import plan
from mailaudit.history.convert import to_domain_report, to_finding
from mailaudit.history.due import DUE_KINDS, DomainState, Due, DueRules
from mailaudit.history.timeline import RunChange
from mailaudit.history.types import GRADES, SEVERITIES, StoredFinding, StoredReport, utc_text
from mailaudit.render.jsonout import finding_dict
from mailaudit.text import safe

VERSION = 1
CSV_COLUMNS = ("domain", "grade", "score", "trend", "direction", "last_audited", "days_since", "source", "complete",
               *SEVERITIES, "fixed_since", "new_since", "step", "next_step", "dmarc_policy", "dmarc_days",
               "dmarc_aligned", "dmarc_ready", "regressed", "due")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Words:
    """The history words and findings of one language: ``say(key, params)``, ``finding(f)``."""

    def __init__(self, lang: str = "en") -> None:
        self.catalogue = Catalogue.load(lang)
        self.lang = lang
        self.table = self.catalogue.words("history")

    def __call__(self, key: str, params: Mapping[str, str] | None = None) -> str:
        return fill(self.table.get(key, key), params or {})

    def finding(self, finding: StoredFinding) -> dict[str, Any]:
        """The contract's finding object, its texts in this language."""
        return finding_dict(self.catalogue.localize(to_finding(finding)))

    def step(self, step: str) -> str:
        return self(f"step_{step.replace('.', '_')}")

    def due(self, due: Due) -> str:
        return self(f"due_{due.kind}", dict(due.params))

    def next_step(self, report: StoredReport) -> dict[str, Any] | None:
        """The fix plan's first step for the report and what to verify before the next one."""
        steps = plan(to_domain_report(report, self.catalogue.localize), self.lang).steps
        if not steps:
            return None
        step = steps[0]
        return {"number": step.number, "of": len(steps), "phase": step.phase, "title": step.title,
                "verify": step.wait or None}


def direction(trend: Sequence[str]) -> str:
    """``up`` (a better grade than the run before), ``down``, ``same``, or ``new`` (one run)."""
    if len(trend) < 2:
        return "new"
    before, now = GRADES.index(trend[-2]), GRADES.index(trend[-1])
    return "up" if now < before else "down" if now > before else "same"


def due_json(due: Due, words: Words) -> dict[str, Any]:
    return {"kind": due.kind, "text": words.due(due), "params": dict(due.params),
            "findings": [{"id": f.id, "subject": f.subject, "severity": f.severity} for f in due.findings]}


def run_json(change: RunChange, words: Words) -> dict[str, Any]:
    """One run in the contract's ``history`` shape, plus ``unverified`` (as ``diff`` has it)."""
    run, say = change.run, words.finding
    return {"at": utc_text(run.meta.at), "source": run.meta.source, "grade": run.report.grade,
            "score": run.report.score, "checks": {c.id: c.status for c in run.report.checks},
            "fixed": [say(f) for f in change.fixed], "new": [say(f) for f in change.new],
            "open": [say(f) for f in change.open], "unverified": [say(f) for f in change.unverified]}


def history_json(domain: str, changes: Sequence[RunChange], state: DomainState | None,
                 words: Words) -> dict[str, Any]:
    out: dict[str, Any] = {"version": VERSION, "domain": domain, "runs": [run_json(c, words) for c in changes]}
    if state is not None:
        out["step"] = state.step
        out["plan"] = words.next_step(state.report)
        out["due"] = [due_json(d, words) for d in state.due]
    return out


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")


def history_table(domain: str, changes: Sequence[RunChange], state: DomainState | None, words: Words) -> str:
    """One line per run, then what changed in it, then what is due."""
    rows = [[_when(c.run.meta.at), c.run.meta.source, c.run.report.grade, c.run.report.score, len(c.fixed),
             len(c.new), len(c.open), len(c.unverified)] for c in changes]
    heads = [words(k) for k in ("at", "source", "grade", "score", "fixed", "new", "open", "unverified_short")]
    lines = [f"== {safe(domain)}: {words('history_title')} ==", tabulate(rows, headers=heads)]
    for change in changes:
        marked = [("+", change.new), ("-", change.fixed), ("?", change.unverified)]
        items = [f"  {mark} {safe(f.id)} {safe(f.subject)}" for mark, found in marked for f in found]
        if items and change.since is not None:
            lines.extend([f"{_when(change.run.meta.at)}:", *items])
    if state is not None:
        lines.append(f"{words('plan_step')}: {words.step(state.step)}")
        step = words.next_step(state.report)
        if step is not None:
            lines.append(f"{words('next_step', {'number': str(step['number']), 'of': str(step['of'])})}: "
                         f"{safe(step['title'])}" + (f" ({safe(step['verify'])})" if step["verify"] else ""))
        lines.extend(f"{words('due')}: {safe(words.due(d))}" for d in state.due)
    return "\n".join(lines) + "\n"


def dmarc_json(state: DomainState) -> dict[str, Any]:
    d = state.dmarc
    return {"policy": d.policy, "coverage_days": d.coverage_days, "messages": d.messages,
            "aligned_share": d.aligned_share, "ready": d.ready, "next_policy": d.next_policy}


def tls_json(state: DomainState) -> dict[str, Any] | None:
    """The latest TLS-RPT totals: sessions that succeeded and failed, per policy type."""
    if not state.tls:
        return None
    return {"successful": sum(t.successful for t in state.tls), "failed": sum(t.failed for t in state.tls),
            "policies": [{"policy_type": t.policy_type, "successful": t.successful, "failed": t.failed,
                          "failures": [{"result_type": k, "count": n} for k, n in t.failures]} for t in state.tls]}


def domain_json(state: DomainState, words: Words) -> dict[str, Any]:
    latest, report, say = state.latest, state.report, words.finding
    return {
        "domain": state.domain, "grade": report.grade, "score": report.score, "complete": report.complete,
        "trend": list(state.trend), "direction": direction(state.trend),
        "last_audited": utc_text(latest.run.meta.at), "days_since": state.days_since,
        "source": latest.run.meta.source, "runs": state.runs, "open": state.open_counts(),
        "since": utc_text(latest.since.meta.at) if latest.since else None,
        "fixed": [say(f) for f in latest.fixed], "new": [say(f) for f in latest.new],
        "unverified": [say(f) for f in latest.unverified],
        "step": state.step, "plan": words.next_step(report), "dmarc": dmarc_json(state), "tls": tls_json(state),
        "regressed": state.regressed,
        "due": [due_json(d, words) for d in state.due],
    }


def due_across(states: Sequence[DomainState]) -> list[tuple[DomainState, Due]]:
    """Every due item of every domain, most urgent kind first, then by domain."""
    pairs = [(s, d) for s in sorted(states, key=lambda s: s.domain) for d in s.due]
    return sorted(pairs, key=lambda p: DUE_KINDS.index(p[1].kind))


def portfolio_json(states: Sequence[DomainState], now: dt.datetime, rules: DueRules, words: Words) -> dict[str, Any]:
    return {
        "version": VERSION, "generated_at": utc_text(now),
        "rules": {"stale_days": rules.stale_days, "coverage_days": rules.coverage_days,
                  "overdue_days": rules.overdue_days, "regression_severity": rules.regression_severity},
        "domains": [domain_json(s, words) for s in sorted(states, key=lambda s: s.domain)],
        "due": [{"domain": s.domain, **due_json(d, words)} for s, d in due_across(states)],
    }


def cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: control characters visible, and a leading
    ``= + - @`` (a formula) gets a quote."""
    text = safe("" if value is None else str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def portfolio_csv(states: Sequence[DomainState], words: Words) -> str:
    """One row per domain, for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for s in sorted(states, key=lambda s: s.domain):
        counts, d = s.open_counts(), s.dmarc
        writer.writerow([cell(v) for v in (
            s.domain, s.report.grade, s.report.score, " ".join(s.trend), direction(s.trend),
            utc_text(s.latest.run.meta.at), s.days_since, s.latest.run.meta.source, s.report.complete,
            *(counts[sev] for sev in SEVERITIES), len(s.latest.fixed), len(s.latest.new), s.step,
            (words.next_step(s.report) or {}).get("title", ""), d.policy,
            d.coverage_days, "" if d.aligned_share is None else f"{d.aligned_share:.3f}", d.ready, s.regressed,
            " | ".join(words.due(x) for x in s.due))])
    return out.getvalue()
