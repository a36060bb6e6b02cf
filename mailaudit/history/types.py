"""Typed, frozen values the history store keeps and gives back.

They mirror the report JSON of the contract (a finding, a check status, a report with its grade)
so the store needs nothing from the audit engine: the engine converts its own results into these
before a write (``mailaudit.history.convert``), and readers get these back.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from mailaudit.history.errors import HistoryError

SOURCES = ("live", "zone", "offline")
SEVERITIES = ("critical", "high", "medium", "low", "info")
STATUSES = ("pass", "warn", "fail", "error", "skipped")
GRADES = ("A", "B", "C", "D", "F")
SEVERITY_RANK = MappingProxyType({name: 4 - i for i, name in enumerate(SEVERITIES)})
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def utc_text(moment: dt.datetime) -> str:
    """``2026-11-02T08:00:00Z``: the one way a time is written to the store and to JSON."""
    if moment.tzinfo is None:
        raise ValueError("history times must be timezone-aware")
    return moment.astimezone(dt.UTC).strftime(TIME_FORMAT)


def parse_utc(text: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(text, TIME_FORMAT).replace(tzinfo=dt.UTC)
    except (TypeError, ValueError):
        raise HistoryError(f"damaged history database: bad time {text!r}") from None


@dataclass(frozen=True, slots=True)
class StoredRecord:
    name: str
    type: str
    value: str


@dataclass(frozen=True, slots=True)
class StoredFix:
    summary: str
    records: tuple[StoredRecord, ...] = ()
    remove: tuple[StoredRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredFinding:
    """One finding as the report JSON shows it, plus what it was rendered from.

    ``check`` is the check that reported it (empty: the id's first part); ``variant`` and
    ``params`` let a reader render the texts again in another language from the catalogue.
    """

    id: str
    subject: str
    severity: str
    title: str
    detail: str
    evidence: tuple[str, ...] = ()
    fix: StoredFix | None = None
    check: str = ""
    variant: str = "default"
    params: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")

    @property
    def owner(self) -> str:
        return self.check or self.id.split(".", 1)[0]

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self.severity]


@dataclass(frozen=True, slots=True)
class StoredCheck:
    """A check's status; ``data_json`` is its ``data`` object as JSON text (JSON-safe values only)."""

    id: str
    status: str
    error: str | None = None
    data_json: str = "{}"

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown check status {self.status!r}")

    @property
    def data(self) -> dict[str, Any]:
        try:
            value = json.loads(self.data_json)
        except ValueError:
            raise HistoryError(f"damaged history database: bad data of check {self.id!r}") from None
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class StoredReport:
    """One domain's report of one run: grade, score, check statuses, findings (worst first)."""

    domain: str
    grade: str
    score: int
    checks: tuple[StoredCheck, ...]
    findings: tuple[StoredFinding, ...]
    input: str = ""
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.grade not in GRADES:
            raise ValueError(f"unknown grade {self.grade!r}")
        if not 0 <= self.score <= 100:
            raise ValueError(f"score out of range: {self.score}")

    @property
    def complete(self) -> bool:
        """Every check completed (none has status ``error``)."""
        return not any(c.status == "error" for c in self.checks)

    def check(self, check_id: str) -> StoredCheck | None:
        return next((c for c in self.checks if c.id == check_id), None)


@dataclass(frozen=True, slots=True)
class RunMeta:
    """What shaped a run: when, where the answers came from, the options, the tool."""

    at: dt.datetime
    source: str
    command: str = "check"
    options: tuple[tuple[str, str], ...] = ()
    tool_version: str = ""

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"unknown source {self.source!r}: one of {', '.join(SOURCES)}")
        if self.at.tzinfo is None:
            raise ValueError("a run's time must be timezone-aware")


@dataclass(frozen=True, slots=True)
class StoredRun:
    """A report read back from the store with the run it belongs to."""

    run_id: int
    meta: RunMeta
    report: StoredReport


@dataclass(frozen=True, slots=True)
class DmarcSource:
    """One sending source of a domain's DMARC aggregate data (the ``reports`` JSON ``sources[]``)."""

    ip: str
    messages: int
    spf_aligned: int
    dkim_aligned: int
    dmarc_pass: int
    category: str
    ptr: str | None = None
    authorized_by: str | None = None


@dataclass(frozen=True, slots=True)
class DmarcSummary:
    """A domain's DMARC aggregate data over one period, as ``reports`` computes it."""

    domain: str
    begin: dt.datetime
    end: dt.datetime
    reports: int
    messages: int
    sources: tuple[DmarcSource, ...] = ()
    next_policy: str | None = None
    ready: bool = False
    aligned_share: float = 0.0
    detail: str = ""

    def __post_init__(self) -> None:
        if self.begin.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("report periods must be timezone-aware")
        if self.end < self.begin:
            raise ValueError("a report period cannot end before it begins")
        if self.next_policy not in (None, "quarantine", "reject"):
            raise ValueError(f"unknown next policy {self.next_policy!r}")

    @property
    def days(self) -> float:
        return (self.end - self.begin).total_seconds() / 86400


@dataclass(frozen=True, slots=True)
class TlsSummary:
    """A domain's TLS-RPT totals for one policy (the ``reports`` JSON ``tls[]``)."""

    domain: str
    policy_type: str
    successful: int
    failed: int
    failures: tuple[tuple[str, int], ...] = ()
    begin: dt.datetime | None = None
    end: dt.datetime | None = None
