"""The follow-up diff as a table for people: per domain what was fixed, is new, is still open
(worst first within each kind), a domain added or dropped between the runs said plainly. Every word
comes from the catalogue (``_words.ui``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tabulate import tabulate

from mailaudit.render.ui import ui
from mailaudit.text import safe

_KINDS = ("fixed", "new", "open", "unverified")
_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def _worst_first(findings: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(findings, key=lambda f: (_RANK.get(str(f.get("severity", "")), 5), str(f.get("id", ""))))


def _domain_state(row: Mapping[str, Any], words: Mapping[str, str]) -> str | None:
    audited = row.get("audited", {})
    if isinstance(audited, Mapping) and audited.get("old") is False:
        return words["d_added"]
    if isinstance(audited, Mapping) and audited.get("new") is False:
        return words["d_dropped"]
    return None


def render_diff_table(result: Mapping[str, Any], lang: str = "en") -> str:
    words = ui(lang)
    lines: list[str] = []
    totals = dict.fromkeys(_KINDS, 0)
    for row in result.get("domains", []):
        state = _domain_state(row, words)
        lines.append(f"== {safe(str(row['domain']))} ==" + (f"  ({state})" if state else ""))
        table = []
        for kind in _KINDS:
            for finding in _worst_first(list(row.get(kind, []))):
                totals[kind] += 1
                table.append([words[f"d_{kind}"], safe(str(finding.get("severity", ""))),
                              safe(str(finding.get("id", ""))), safe(str(finding.get("subject", ""))),
                              safe(str(finding.get("title", "")))])
        headers = [words["d_change"], words["t_severity"], words["t_finding"], words["t_subject"], words["t_title"]]
        lines.append(tabulate(table, headers=headers) if table else words["d_nothing"])
        lines.append("")
    summary = words["d_summary"].format(fixed=totals["fixed"], new=totals["new"], open=totals["open"])
    if totals["unverified"]:
        summary += words["d_unverified"].format(count=totals["unverified"])
    lines.append(summary)
    return "\n".join(lines) + "\n"
