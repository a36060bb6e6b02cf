"""The report's grade as renderers show it. The rules are ``DomainReport.score`` and ``.grade``:

score = 100 - 40 per critical - 20 per high - 8 per medium - 2 per low finding (info: 0), never
below 0. Letter: A at 90 or more, B at 75, C at 55, D at 30, else F. A critical finding caps the
letter at F and a high finding at C, however few other findings there are. When a check could
not complete the grade is marked incomplete: the score then only counts what could be seen.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from mailaudit.model import DomainReport, Finding, Severity

SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)


@dataclass(frozen=True, slots=True)
class Grade:
    score: int
    letter: str
    complete: bool
    counts: tuple[tuple[Severity, int], ...]  # per severity, worst first

    def count(self, severity: Severity) -> int:
        return dict(self.counts).get(severity, 0)


def grade(report: DomainReport) -> Grade:
    """The report's grade with its counts per severity (the rules live in ``DomainReport.grade``)."""
    counts = Counter(f.severity for f in report.graded_findings)
    return Grade(report.score, report.grade, report.complete, tuple((s, counts[s]) for s in SEVERITIES))


def sorted_findings(report: DomainReport) -> list[Finding]:
    """Findings worst first, then by id and subject (the order every renderer shows)."""
    return sorted(report.findings, key=lambda f: (-f.severity.rank, f.id, f.subject))
