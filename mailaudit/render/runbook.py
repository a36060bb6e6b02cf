"""The onboarding runbook (``mailaudit plan``) as text, a BIND zone snippet and JSON.

The JSON keeps the shape of ``fix --format json`` (``version``, ``domain``, ``lang``, ``notes``,
``steps[]`` with ``step``, ``phase``, ``title``, ``why``, ``publish``, ``remove``, ``actions``,
``findings``, ``wait``, ``later``) and adds ``risks``, ``blocked``, ``self_check`` and, per step,
``wait_seconds`` and ``verify`` (each proof: what it shows, the command that shows it, and its
status when ``--verify`` read DNS). Everything from DNS passes ``escape_text``/``zone_text``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mailaudit.model import DnsRecord
from mailaudit.plan.facts import Record
from mailaudit.plan.model import Runbook, Step, Text
from mailaudit.plan.words import Words, command
from mailaudit.render.jsonout import VERSION, dumps
from mailaudit.render.paste import pasteable
from mailaudit.text import escape_text

_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class Shown:
    """What the renderers show besides the runbook: proof statuses (``--verify``), the self-check."""

    domain: str
    verify_command: str
    statuses: Mapping[tuple[int, int], str] | None = None  # (step, proof index) -> done|pending|unknown
    problems: tuple[Text, ...] = ()  # the overlay self-check's problems
    audit: Sequence[tuple[str, str, str]] = ()  # new findings above low after the overlay: (id, severity, subject)


def next_step(book: Runbook, shown: Shown) -> int | None:
    """With ``--verify``: the first step with a DNS proof still pending (the ones before it are
    done, or need the check by hand they name); None without ``--verify`` or when none is pending."""
    if shown.statuses is None:
        return None
    return next((s.number for s in book.steps
                 if any(shown.statuses.get((s.number, i)) == "pending" for i in range(len(s.proofs)))), None)


def _record(record: Record) -> dict[str, Any]:
    return {"name": record.name, "type": record.type, "value": record.value, "ttl": record.ttl}


def _line(record: Record) -> str:
    return pasteable(DnsRecord(record.name, record.type, record.value), record.ttl)


def runbook_dict(book: Runbook, words: Words, shown: Shown) -> dict[str, Any]:
    return {
        "version": VERSION,
        "domain": book.domain,
        "lang": words.lang,
        "kind": "onboarding",
        "mx_to": [{"preference": p, "host": h} for p, h in book.mx_to],
        "relay": {"include": book.relay_include, "provider": book.relay or None} if book.relay_include else None,
        "provider": book.provider or None,
        "blocked": book.blocked,
        "next_step": next_step(book, shown),
        "notes": [words(n) for n in book.notes],
        "risks": [words(r) for r in book.risks],
        "self_check": {"ok": not shown.problems and not shown.audit, "problems": [words(p) for p in shown.problems],
                       "new_findings": [{"id": i, "severity": s, "subject": sub} for i, s, sub in shown.audit]},
        "steps": [_step_dict(s, words, shown) for s in book.steps],
    }


def _step_dict(step: Step, words: Words, shown: Shown) -> dict[str, Any]:
    return {
        "step": step.number,
        "phase": step.phase,
        "title": words(step.title),
        "why": [words(w) for w in step.why],
        "publish": [_record(r) for r in step.publish],
        "remove": [_record(r) for r in step.remove],
        "actions": [words(a) for a in step.actions],
        "findings": [],
        "wait": words(step.wait) if step.wait else "",
        "wait_seconds": step.wait_seconds,
        "later": step.later,
        "verify": [_proof_dict(step, i, words, shown) for i in range(len(step.proofs))],
    }


def _proof_dict(step: Step, index: int, words: Words, shown: Shown) -> dict[str, Any]:
    proof = step.proofs[index]
    status = shown.statuses.get((step.number, index)) if shown.statuses is not None else None
    return {"kind": proof.kind, "check": words.proof(proof), "command": _command(step, index, shown),
            "status": status}


def _command(step: Step, index: int, shown: Shown) -> str:
    return command(step.proofs[index], shown.domain, shown.verify_command)


def runbook_json(book: Runbook, words: Words, shown: Shown) -> str:
    return dumps(runbook_dict(book, words, shown), pretty=True) + "\n"


def _esc(text: str) -> str:
    return escape_text(text, _LIMIT)


def runbook_text(book: Runbook, words: Words, shown: Shown) -> str:
    data = runbook_dict(book, words, shown)
    head = words.ui("plan_for", domain=escape_text(book.domain, 300))
    lines = [f"{head}: {words.ui('steps', count=len(book.steps))}"]
    if book.blocked:
        lines.append(f"! {words.ui('blocked')}")
    lines.extend(f"! {_esc(n)}" for n in data["notes"])
    if data["next_step"] is not None:
        lines.append(words.ui("next_step", step=data["next_step"]))
    if not book.steps:
        lines.append(words.ui("nothing"))
    for step, sd in zip(book.steps, data["steps"], strict=True):
        lines.extend(["", *_step_lines(step, sd, words)])
    lines.extend(_section(words.ui("risks"), [_esc(r) for r in data["risks"]], indent=""))
    lines.extend(["", f"{words.ui('self_check')}:"])
    problems = data["self_check"]["problems"] + [f"{f['id']} ({f['severity']}) {f['subject']}"
                                                 for f in data["self_check"]["new_findings"]]
    lines.extend(f"  ! {_esc(p)}" for p in problems)
    if not problems:
        lines.append(f"  ok: {words.ui('self_check_ok')}")
    return "\n".join(lines) + "\n"


def _step_lines(step: Step, sd: Mapping[str, Any], words: Words) -> list[str]:
    later = f" ({words.ui('later')}: {words.ui('later_note')})" if step.later else ""
    lines = [f"{words.ui('step')} {step.number}. {_esc(sd['title'])}{later}"]
    lines.extend(_section(words.ui("why"), [_esc(w) for w in sd["why"]]))
    lines.extend(_section(words.ui("remove"), [_line(r) for r in step.remove]))
    lines.extend(_section(words.ui("publish"), [_line(r) for r in step.publish]))
    lines.extend(_section(words.ui("also"), [_esc(a) for a in sd["actions"]]))
    if sd["wait"]:
        lines.append(f"  {words.ui('wait')}: {_esc(sd['wait'])}")
    proofs = []
    for item in sd["verify"]:
        status = f"[{words.ui('status_' + item['status'])}] " if item["status"] else ""
        proofs.append(f"{status}{_esc(item['check'])}: {_esc(item['command'])}")
    lines.extend(_section(words.ui("proof"), proofs))
    return lines


def _section(label: str, items: list[str], indent: str = "  ") -> list[str]:
    if not items:
        return []
    head = [""] if not indent else []
    return [*head, f"{indent}{label}:", *(f"{indent}  {item}" for item in items)]


def runbook_zone(book: Runbook, words: Words, shown: Shown) -> str:
    data = runbook_dict(book, words, shown)
    lines = [f"; {_esc(words.ui('zone_head', domain=book.domain))}"]
    lines.extend(f"; ! {_esc(n)}" for n in data["notes"])
    if not book.steps:
        lines.append(f"; {words.ui('nothing')}")
    for step, sd in zip(book.steps, data["steps"], strict=True):
        later = f" ({words.ui('later')}: {words.ui('later_note')})" if step.later else ""
        lines.extend(["", f"; {words.ui('step')} {step.number}. {escape_text(sd['title'], 300)}{later}"])
        lines.extend(f";   -> {escape_text(a, 300)}" for a in sd["actions"])
        lines.extend(f"; {words.ui('remove')}: {_line(r)}" for r in step.remove)
        prefix = "; " if step.number > 1 else ""  # only the first step is ready to paste now
        lines.extend(f"{prefix}{_line(r)}" for r in step.publish)
        if sd["wait"]:
            lines.append(f";   {words.ui('wait')}: {escape_text(sd['wait'], 300)}")
    return "\n".join(lines) + "\n"
