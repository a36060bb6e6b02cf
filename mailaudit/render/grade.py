"""The report's grade: a score out of 100 and a letter, from a domain's findings.

score = 100 - 40 per critical - 20 per high - 8 per medium - 2 per low finding (info: 0), never
below 0. Letter: A at 90 or more, B at 75, C at 55, D at 30, else F. A critical finding caps the
letter at F and a high finding at C, however few other findings there are. When a check could
not complete the grade is marked incomplete: the score then only counts what could be seen.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from types import MappingProxyType

from mailaudit.model import DomainReport, Finding, Severity, Status

PENALTY = MappingProxyType(
    {Severity.CRITICAL: 40, Severity.HIGH: 20, Severity.MEDIUM: 8, Severity.LOW: 2, Severity.INFO: 0}
)
LETTERS = ((90, "A"), (75, "B"), (55, "C"), (30, "D"), (0, "F"))
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
    counts = Counter(f.severity for f in report.findings)
    score = max(0, 100 - sum(PENALTY[s] * n for s, n in counts.items()))
    letter = next(mark for floor, mark in LETTERS if score >= floor)
    if counts[Severity.CRITICAL]:
        letter = "F"
    elif counts[Severity.HIGH] and letter in ("A", "B"):
        letter = "C"
    complete = not any(c.status is Status.ERROR for c in report.checks)
    return Grade(score, letter, complete, tuple((s, counts[s]) for s in SEVERITIES))


def sorted_findings(report: DomainReport) -> list[Finding]:
    """Findings worst first, then by id and subject (the order every renderer shows)."""
    return sorted(report.findings, key=lambda f: (-f.severity.rank, f.id, f.subject))
