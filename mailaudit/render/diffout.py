"""The follow-up diff as a table for people."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tabulate import tabulate

from mailaudit.text import safe


def render_diff_table(result: Mapping[str, Any]) -> str:
    lines: list[str] = []
    totals = {"fixed": 0, "new": 0, "open": 0, "unverified": 0}
    for row in result.get("domains", []):
        lines.append(f"== {safe(str(row['domain']))} ==")
        table = []
        for kind in ("fixed", "new", "open", "unverified"):
            for finding in row.get(kind, []):
                totals[kind] += 1
                table.append([kind, safe(str(finding.get("severity", ""))), safe(str(finding.get("id", ""))),
                              safe(str(finding.get("subject", ""))), safe(str(finding.get("title", "")))])
        lines.append(tabulate(table, headers=["change", "severity", "finding", "subject", "title"])
                     if table else "no findings before or after")
        lines.append("")
    summary = f"fixed {totals['fixed']}, new {totals['new']}, still open {totals['open']}"
    if totals["unverified"]:
        summary += (f", unverified {totals['unverified']}"
                    " (check did not complete, or domain not audited, in the new run)")
    lines.append(summary)
    return "\n".join(lines) + "\n"
