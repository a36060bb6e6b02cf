"""The fix plan as text (for people), a BIND zone snippet (for pasting) and JSON (for tools).

Everything from DNS passes ``escape_text``/``zone_text`` first: in the zone snippet no piece of
data can start a new line, so a comment can never turn into a record.
"""

from __future__ import annotations

from typing import Any

from mailaudit.fixplan.plan import FixPlan, Step
from mailaudit.render.jsonout import VERSION, dumps, record_dict
from mailaudit.render.paste import pasteable
from mailaudit.render.ui import ui
from mailaudit.text import escape_text, fix_parts

_LIMIT = 2000


def plan_dict(plan: FixPlan) -> dict[str, Any]:
    return {
        "version": VERSION,
        "domain": plan.domain,
        "lang": plan.lang,
        "no_mail": plan.no_mail,
        "verified": plan.verified or None,
        "verification": plan.verification or None,
        "notes": list(plan.notes),
        "steps": [_step_dict(s) for s in plan.steps],
    }


def _step_dict(step: Step) -> dict[str, Any]:
    return {
        "step": step.number,
        "phase": step.phase,
        "title": step.title,
        "why": list(step.why),
        "publish": [record_dict(r) for r in step.publish],
        "remove": [record_dict(r) for r in step.remove],
        "actions": list(step.actions),
        "findings": [{"id": fid, "subject": subject} for fid, subject in step.findings],
        "wait": step.wait,
        "later": step.later,
    }


def plan_json(plan: FixPlan) -> str:
    return dumps(plan_dict(plan), pretty=True) + "\n"


def plan_text(plan: FixPlan) -> str:
    t = ui(plan.lang)
    head = t["plan_for"].format(domain=escape_text(plan.domain, 300))
    lines = [f"{head}: {t['steps'].format(count=len(plan.steps))}"]
    if plan.verification:
        lines.append(escape_text(plan.verification, _LIMIT))
    lines.extend(f"! {escape_text(note, _LIMIT)}" for note in plan.notes)
    if not plan.steps:
        lines.append(t["nothing_known"] if plan.notes else t["nothing_to_do"])
    for step in plan.steps:
        lines.append("")
        later = f" ({t['later']}: {t['later_note']})" if step.later else ""
        lines.append(f"{t['step']} {step.number}. {escape_text(step.title, 300)}{later}")
        lines.extend(_section(t["why"], [escape_text(w, _LIMIT) for w in step.why]))
        lines.extend(_section(t["remove"], [pasteable(r) for r in step.remove]))
        lines.extend(_section(t["publish"], [pasteable(r) for r in step.publish]))
        lines.extend(_section(t["also"], [_action(a) for a in step.actions]))
        if step.wait:
            lines.append(f"  {t['wait']}: {escape_text(step.wait, _LIMIT)}")
    return "\n".join(lines) + "\n"


def _action(action: str) -> str:
    """An action, and the file it ends with (e.g. an MTA-STS policy) as indented lines."""
    text, block = fix_parts(action)
    return "\n".join([escape_text(text, _LIMIT), *(f"      | {escape_text(line, 300)}" for line in block)])


def _section(label: str, items: list[str]) -> list[str]:
    return [f"  {label}:", *(f"    {item}" for item in items)] if items else []


def plan_zone(plan: FixPlan) -> str:
    t = ui(plan.lang)
    lines = [f"; {escape_text(t['zone_head'].format(domain=plan.domain), 500)}"]
    if plan.verification:
        lines.append(f"; {escape_text(plan.verification, _LIMIT)}")
    lines.extend(f"; ! {escape_text(note, _LIMIT)}" for note in plan.notes)
    if not plan.steps:
        lines.append(f"; {t['nothing_known'] if plan.notes else t['nothing_to_do']}")
    for step in plan.steps:
        later = f" ({t['later']}: {t['later_note']})" if step.later else ""
        lines.extend(["", f"; {t['step']} {step.number}. {escape_text(step.title, 300)}{later}"])
        lines.extend(f";   {escape_text(w, 300)}" for w in step.why)
        for action in step.actions:
            text, block = fix_parts(action)
            lines.append(f";   -> {escape_text(text, 300)}")
            lines.extend(f";        {escape_text(line, 300)}" for line in block)
        lines.extend(f"; {t['remove']}: {pasteable(r)}" for r in step.remove)
        prefix = "; " if step.later else ""
        lines.extend(f"{prefix}{pasteable(r)}" for r in step.publish)
    return "\n".join(lines) + "\n"
