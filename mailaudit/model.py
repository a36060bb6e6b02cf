"""Typed, frozen result models. JSON and every other output format are derived from these."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import MappingProxyType


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """critical=4 ... info=0: larger is worse."""
        return _RANKS[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


_RANKS = MappingProxyType(
    {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1, Severity.INFO: 0}
)


PENALTY = MappingProxyType(
    {Severity.CRITICAL: 40, Severity.HIGH: 20, Severity.MEDIUM: 8, Severity.LOW: 2, Severity.INFO: 0}
)
LETTERS = ((90, "A"), (75, "B"), (55, "C"), (30, "D"), (0, "F"))


class Status(enum.StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class DnsRecord:
    """A record to publish (or remove): owner name with trailing dot, type, presentation value."""

    name: str
    type: str
    value: str


@dataclass(frozen=True, slots=True)
class Fix:
    summary: str
    records: tuple[DnsRecord, ...] = ()
    remove: tuple[DnsRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or notable fact) about one subject.

    ``params`` and ``variant`` keep what the text was built from, so a report can be rendered
    again in another language from the catalogue.
    """

    id: str
    subject: str
    severity: Severity
    title: str
    detail: str
    evidence: tuple[str, ...] = ()
    fix: Fix | None = None
    variant: str = "default"
    params: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        """What makes two findings of one domain 'the same' (for diffs and baselines)."""
        return (self.id, self.subject.lower().rstrip("."))


@dataclass(frozen=True, slots=True)
class CheckResult:
    id: str
    status: Status
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    # check-specific facts for renderers (e.g. the SPF tree); JSON-safe values only
    data: tuple[tuple[str, object], ...] = field(default=(), compare=False)
    # what the check could not verify but did not need to fail for (e.g. offline reverse DNS)
    notes: tuple[str, ...] = ()
    # every failure of a check that could not complete, one per line (``error`` joins the first five)
    errors: tuple[str, ...] = field(default=(), compare=False)
    # False for a check whose findings restate others' (the bulk-sender rules): shown, not graded
    graded: bool = field(default=True, compare=False)

    def datum(self, key: str, default: object = None) -> object:
        for k, v in self.data:
            if k == key:
                return v
        return default


@dataclass(frozen=True, slots=True)
class DomainReport:
    domain: str  # A-label form, no trailing dot
    checks: tuple[CheckResult, ...]
    input: str = ""
    notes: tuple[str, ...] = ()
    # the notes about the whole run (e.g. an untrustworthy resolver), also in ``notes``: a
    # renderer of many reports shows them once, as a headline
    run_notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every check's findings, worst first (then by id and subject)."""
        found = (f for c in self.checks for f in c.findings)
        return tuple(sorted(found, key=lambda f: (-f.severity.rank, f.id, f.subject)))

    @property
    def graded_findings(self) -> tuple[Finding, ...]:
        """The findings the grade counts: not those of checks that restate others (``graded``)."""
        return tuple(f for c in self.checks if c.graded for f in c.findings)

    @property
    def score(self) -> int:
        """100 minus 40 per critical, 20 per high, 8 per medium and 2 per low finding, at least 0."""
        return max(0, 100 - sum(PENALTY[f.severity] for f in self.graded_findings))

    @property
    def grade(self) -> str:
        """A at 90+, B at 75+, C at 55+, D at 30+, else F; a critical finding caps it at F, a high
        one at C (docs/reports.md). Only what could be checked counts: see ``complete``."""
        score = self.score
        letter = next(mark for floor, mark in LETTERS if score >= floor)
        worst = max((f.severity.rank for f in self.graded_findings), default=0)
        if worst >= Severity.CRITICAL.rank:
            return "F"
        if worst >= Severity.HIGH.rank and letter in ("A", "B"):
            return "C"
        return letter

    @property
    def complete(self) -> bool:
        """False when a check could not complete: the grade then counts only what was seen."""
        return not self.errors

    def check(self, check_id: str) -> CheckResult | None:
        return next((c for c in self.checks if c.id == check_id), None)

    @property
    def errors(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.status is Status.ERROR)

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)


def status_for(findings: tuple[Finding, ...] | list[Finding]) -> Status:
    """pass: nothing above info; warn: low/medium; fail: high/critical."""
    worst = max((f.severity.rank for f in findings), default=0)
    if worst >= Severity.HIGH.rank:
        return Status.FAIL
    if worst >= Severity.LOW.rank:
        return Status.WARN
    return Status.PASS
