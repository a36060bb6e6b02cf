"""HTML of ``portfolio`` (a page a consultant can send or print) and of ``history`` (a timeline).

Self-contained pages: inline CSS, no scripts, no external assets, a Content-Security-Policy that
forbids scripts. Stored data is hostile (it came from DNS): every piece passes ``show`` (control
characters made visible, clipped) and then Jinja2's autoescaping, as in the audit report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from mailaudit.history.due import DomainState, Due, DueRules
from mailaudit.history.timeline import RunChange
from mailaudit.history.types import SEVERITIES, StoredFinding
from mailaudit.render.history import Words, direction, due_across
from mailaudit.render.html import environment, prose, show


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _due_item(due: Due, words: Words, domain: str = "") -> dict[str, Any]:
    return {"kind": due.kind, "kind_label": words(f"kind_{due.kind}"), "text": prose(words.due(due)),
            "domain": show(domain, 300)}


def _dmarc_text(state: DomainState, words: Words) -> str:
    d = state.dmarc
    if d.policy is None and state.step != "unknown":
        return words("dmarc_no_policy")
    if d.ready is None:
        return words("dmarc_none")
    aligned = "?" if d.aligned_share is None else f"{d.aligned_share * 100:.1f}"
    return words("dmarc_summary", {"policy": d.policy or "?", "days": str(d.coverage_days), "aligned": aligned})


def _plan(state: DomainState, words: Words) -> dict[str, str] | None:
    step = words.next_step(state.report)
    if step is None:
        return None
    head = words("next_step", {"number": str(step["number"]), "of": str(step["of"])})
    return {"head": head, "title": show(step["title"], 300), "verify": show(step["verify"] or "", 600)}


def _tls_text(state: DomainState, words: Words) -> str:
    if not state.tls:
        return ""
    failed = sum(t.failed for t in state.tls)
    total = failed + sum(t.successful for t in state.tls)
    return words("tls_summary", {"failed": str(failed), "total": str(total)})


def _domain_row(state: DomainState, words: Words) -> dict[str, Any]:
    latest, counts = state.latest, state.open_counts()
    ago = words("today") if state.days_since == 0 else words("days_ago", {"days": str(state.days_since)})
    return {
        "name": show(state.domain, 300), "runs": state.runs, "grade": state.report.grade,
        "score": state.report.score, "complete": state.report.complete, "trend": " → ".join(state.trend),
        "direction": direction(state.trend), "direction_label": words(f"dir_{direction(state.trend)}"),
        "counts": [(sev, counts[sev]) for sev in SEVERITIES], "any_open": any(counts.values()),
        "at": _when(latest.run.meta.at), "ago": ago, "source": latest.run.meta.source,
        "first": latest.since is None, "fixed": [show(f.id, 100) for f in latest.fixed],
        "new": [show(f.id, 100) for f in latest.new], "unverified": [show(f.id, 100) for f in latest.unverified],
        "dmarc": _dmarc_text(state, words), "tls": _tls_text(state, words), "step": words.step(state.step),
        "plan": _plan(state, words),
        "regressed": state.regressed, "due": [_due_item(d, words) for d in state.due],
    }


def render_portfolio(states: Sequence[DomainState], now: dt.datetime, rules: DueRules, words: Words) -> str:
    rules_text = words("rules", {"stale_days": str(rules.stale_days), "coverage_days": str(rules.coverage_days),
                                 "overdue_days": str(rules.overdue_days)})
    return environment().get_template("portfolio.html.j2").render(
        lang=words.lang, t=words.table, generated_at=_when(now), rules_text=rules_text,
        domains=[_domain_row(s, words) for s in sorted(states, key=lambda s: s.domain)],
        due=[_due_item(d, words, s.domain) for s, d in due_across(states)],
    )


def _items(findings: Sequence[StoredFinding], words: Words) -> list[tuple[str, str, str, str]]:
    shown = [words.finding(f) for f in findings]
    return [(f["severity"], show(f["id"], 100), show(f["subject"], 300), show(f["title"], 300)) for f in shown]


def render_timeline(domain: str, changes: Sequence[RunChange], state: DomainState | None, now: dt.datetime,
                    words: Words) -> str:
    runs = []
    for change in changes:
        groups = [(words("fixed"), "fixed", _items(change.fixed, words)),
                  (words("new"), "new", _items(change.new, words)),
                  (words("unverified"), "unverified", _items(change.unverified, words))]
        runs.append({"at": _when(change.run.meta.at), "source": change.run.meta.source,
                     "grade": change.run.report.grade, "score": change.run.report.score, "groups": groups,
                     "quiet": not any(items for _, _, items in groups)})
    return environment().get_template("timeline.html.j2").render(
        lang=words.lang, t=words.table, domain=show(domain, 300), generated_at=_when(now), runs=runs,
        step=words.step(state.step) if state else "",
        due=[_due_item(d, words) for d in state.due] if state else [],
    )
