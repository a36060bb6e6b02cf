"""A domain's runs over time: what each run fixed, added, left open or could not verify.

The comparison itself is the ``diff`` command's, ``mailaudit.diff.diff_reports`` (same identity
rule: domain + id + subject; "unverified" when the check that reported a finding failed or did
not run), so the rule lives in one place only. A test may pass another ``differ``.

Which run a run is compared with: a ``live`` or ``offline`` run with the last run before it that
also saw the real state (``live`` or ``offline``); a ``zone`` run (a what-if over edited zone
files) with the run just before it. So a what-if never makes the next real run look like a
regression, and the first real run of a domain has every finding in ``new``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mailaudit.diff import diff_reports, finding_owners, key_of
from mailaudit.history.rows import fix_json
from mailaudit.history.types import StoredFinding, StoredReport, StoredRun

Differ = Callable[[Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]], Mapping[str, Any]]
FindingKey = tuple[str, str]


def finding_key(finding: StoredFinding | Mapping[str, Any]) -> FindingKey:
    """(id, subject) of one domain's finding, by ``diff``'s own identity rule."""
    shown = finding_json(finding) if isinstance(finding, StoredFinding) else finding
    _, fid, subject = key_of("", shown)
    return (fid, subject)


def finding_json(finding: StoredFinding) -> dict[str, Any]:
    """The contract's finding object."""
    return {"id": finding.id, "subject": finding.subject, "severity": finding.severity, "title": finding.title,
            "detail": finding.detail, "evidence": list(finding.evidence), "fix": fix_json(finding.fix)}


def report_json(report: StoredReport) -> dict[str, Any]:
    """The contract's report object (what ``check --format json`` printed for it)."""
    return {"domain": report.domain, "grade": report.grade, "score": report.score,
            "checks": [{"id": c.id, "status": c.status, "error": c.error, "data": c.data} for c in report.checks],
            "findings": [finding_json(f) for f in report.findings]}


@dataclass(frozen=True, slots=True)
class RunChange:
    """One run of a domain and how it differs from the run it is compared with (``since``)."""

    run: StoredRun
    since: StoredRun | None
    fixed: tuple[StoredFinding, ...]
    new: tuple[StoredFinding, ...]
    open: tuple[StoredFinding, ...]
    unverified: tuple[StoredFinding, ...]

    @property
    def real(self) -> bool:
        """The run saw the domain's real state (not a ``zone`` what-if)."""
        return self.run.meta.source != "zone"


def _pick(report: StoredReport | None, found: object) -> tuple[StoredFinding, ...]:
    """The stored findings of ``report`` that the differ's finding dicts name, in report order."""
    if report is None or not isinstance(found, list):
        return ()
    wanted = {finding_key(f) for f in found if isinstance(f, Mapping)}
    return tuple(f for f in report.findings if finding_key(f) in wanted)


def _baseline(runs: Sequence[StoredRun], index: int) -> StoredRun | None:
    if runs[index].meta.source == "zone":
        return runs[index - 1] if index else None
    return next((r for r in reversed(runs[:index]) if r.meta.source != "zone"), None)


def compare(since: StoredRun | None, run: StoredRun, differ: Differ = diff_reports) -> RunChange:
    before = [report_json(since.report)] if since is not None else []
    result = differ(before, [report_json(run.report)])
    rows = result.get("domains", [])
    row: Mapping[str, Any] = rows[0] if isinstance(rows, list) and rows else {}
    old = since.report if since is not None else None
    return RunChange(run=run, since=since, fixed=_pick(old, row.get("fixed")), new=_pick(run.report, row.get("new")),
                     open=_pick(run.report, row.get("open")), unverified=_pick(old, row.get("unverified")))


def make_differ() -> Differ:
    """``diff_reports`` with the catalogue read once, for comparing many runs."""
    return functools.partial(diff_reports, owners=finding_owners())


def timeline(runs: Sequence[StoredRun], differ: Differ | None = None) -> list[RunChange]:
    """Each run (oldest first) with its changes; ``runs`` as ``HistoryDB.runs_of`` gives them.
    Give one ``make_differ()`` to every call when building many timelines."""
    compare_with = differ or make_differ()
    return [compare(_baseline(runs, i), run, compare_with) for i, run in enumerate(runs)]
