"""Exit codes and baselines: what a run's findings mean for a CI job."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Set

from mailaudit.model import DomainReport, Finding, Severity, Status

FindingKey = tuple[str, str, str]  # (domain, finding id, subject)


class ExitCode(enum.IntEnum):
    OK = 0
    FINDINGS = 1
    USAGE = 2
    INCOMPLETE = 3


def finding_key(domain: str, finding: Finding) -> FindingKey:
    return (domain.lower().rstrip("."), *finding.key)


def counted(report: DomainReport, fail_on: Severity | None, baseline: Set[FindingKey] = frozenset()) -> list[Finding]:
    """The findings of ``report`` at or above ``fail_on`` that are not in the baseline."""
    if fail_on is None:
        return []
    return [
        f
        for f in report.findings
        if f.severity.at_least(fail_on) and finding_key(report.domain, f) not in baseline
    ]


class Tally:
    """Accumulates the exit code over reports as they stream past."""

    def __init__(self, fail_on: Severity | None, baseline: Set[FindingKey] = frozenset()) -> None:
        self.fail_on = fail_on
        self.baseline = baseline
        self.failing = 0
        self.incomplete = 0
        self.domains = 0

    def add(self, report: DomainReport) -> None:
        self.domains += 1
        if counted(report, self.fail_on, self.baseline):
            self.failing += 1
        if any(c.status is Status.ERROR for c in report.checks):
            self.incomplete += 1

    def extend(self, reports: Iterable[DomainReport]) -> Tally:
        for report in reports:
            self.add(report)
        return self

    @property
    def code(self) -> ExitCode:
        if self.failing:
            return ExitCode.FINDINGS
        if self.incomplete:
            return ExitCode.INCOMPLETE
        return ExitCode.OK
