"""HTML of ``portfolio`` (a page a consultant can send or print) and of ``history`` (a timeline).

Self-contained pages: inline CSS, no scripts, no external assets, a Content-Security-Policy that
forbids scripts. Stored data is hostile (it came from DNS): every piece passes ``show`` (control
characters made visible, clipped) and then Jinja2's autoescaping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import jinja2

from .due import DUE_KINDS, DomainState, Due, DueRules
from .timeline import RunChange
from .types import SEVERITIES, StoredFinding
from .views import direction
from .words import Sayer

Show = Callable[[str], str]


def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("mailaudit.history", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _due_item(due: Due, say: Sayer, show: Show, domain: str = "") -> dict[str, str]:
    params = {k: show(v) for k, v in due.params}
    return {"kind": due.kind, "kind_label": say(f"kind_{due.kind}"), "text": show(say(f"due_{due.kind}", params)),
            "domain": show(domain)}


def _dmarc_text(state: DomainState, say: Sayer) -> str:
    d = state.dmarc
    if d.policy is None and state.step != "unknown":
        return say("dmarc_no_policy")
    if d.ready is None:
        return say("dmarc_none")
    aligned = "?" if d.aligned_share is None else f"{d.aligned_share * 100:.1f}"
    return say("dmarc_summary", {"policy": d.policy or "?", "days": str(d.coverage_days), "aligned": aligned})


def _domain_row(state: DomainState, now: dt.datetime, say: Sayer, show: Show) -> dict[str, Any]:
    latest, counts = state.latest, state.open_counts()
    ago = say("today") if state.days_since == 0 else say("days_ago", {"days": str(state.days_since)})
    return {
        "name": show(state.domain), "runs": state.runs, "grade": state.report.grade, "score": state.report.score,
        "complete": state.report.complete, "trend": " → ".join(state.trend),
        "direction": direction(state.trend), "direction_label": say(f"dir_{direction(state.trend)}"),
        "counts": [(sev, counts[sev]) for sev in SEVERITIES], "any_open": any(counts.values()),
        "at": _when(latest.run.meta.at), "ago": ago, "source": latest.run.meta.source,
        "first": latest.since is None, "fixed": [show(f.id) for f in latest.fixed],
        "new": [show(f.id) for f in latest.new], "unverified": [show(f.id) for f in latest.unverified],
        "dmarc": _dmarc_text(state, say), "step": say(f"step_{state.step.replace('.', '_')}"),
        "regressed": state.regressed, "due": [_due_item(d, say, show) for d in state.due],
    }


def render_portfolio(states: Sequence[DomainState], now: dt.datetime, rules: DueRules, lang: str,
                     show: Show) -> str:
    say = Sayer(lang)
    ordered = sorted(states, key=lambda s: s.domain)
    due = sorted(((d, s) for s in ordered for d in s.due), key=lambda p: (DUE_KINDS.index(p[0].kind), p[1].domain))
    rules_text = say("rules", {"stale_days": str(rules.stale_days), "coverage_days": str(rules.coverage_days),
                               "overdue_days": str(rules.overdue_days)})
    return _environment().get_template("portfolio.html.j2").render(
        lang=say.lang, t=say.words, generated_at=_when(now), rules_text=rules_text,
        domains=[_domain_row(s, now, say, show) for s in ordered],
        due=[_due_item(d, say, show, s.domain) for d, s in due],
    )


def _items(findings: Sequence[StoredFinding], show: Show) -> list[tuple[str, str, str, str]]:
    return [(f.severity, show(f.id), show(f.subject), show(f.title)) for f in findings]


def render_timeline(domain: str, changes: Sequence[RunChange], state: DomainState | None, now: dt.datetime,
                    lang: str, show: Show) -> str:
    say = Sayer(lang)
    runs = []
    for change in changes:
        groups = [(say("fixed"), "fixed", _items(change.fixed, show)), (say("new"), "new", _items(change.new, show)),
                  (say("unverified"), "unverified", _items(change.unverified, show))]
        runs.append({"at": _when(change.run.meta.at), "source": change.run.meta.source,
                     "grade": change.run.report.grade, "score": change.run.report.score, "groups": groups,
                     "quiet": not any(items for _, _, items in groups)})
    step = say(f"step_{state.step.replace('.', '_')}") if state else ""
    return _environment().get_template("timeline.html.j2").render(
        lang=say.lang, t=say.words, domain=show(domain), generated_at=_when(now), runs=runs, step=step,
        due=[_due_item(d, say, show) for d in state.due] if state else [],
    )

