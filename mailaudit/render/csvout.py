"""`--format csv`: one row per finding (domain, id, severity, subject, title, fix summary, then the
domain's grade and score), and one row for a domain without findings, so every domain appears.

Cells that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage
return) get a leading apostrophe: DNS data is hostile input."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from mailaudit.model import DomainReport
from mailaudit.text import escape_text

HEADER = ("domain", "id", "severity", "subject", "title", "fix", "grade", "score")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = escape_text(str(value), 2000)
    return "'" + text if text.startswith(_FORMULA) else text


def render_csv(reports: Iterable[DomainReport]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for report in reports:
        rows = [(f.id, f.severity.value, f.subject, f.title, f.fix.summary if f.fix else "") for f in report.findings]
        for row in rows or [("", "", "", "", "")]:
            writer.writerow([_cell(v) for v in (report.domain, *row, report.grade, report.score)])
    return out.getvalue()
