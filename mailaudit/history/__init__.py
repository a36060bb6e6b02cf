"""Follow-up over time: a SQLite history of audit runs and DMARC/TLS-RPT data, per-domain
timelines (fixed / new / open / unverified) and the portfolio of what is due next.

The store (``store``) knows only the typed values of ``types``; it renders nothing and imports
nothing from the audit engine. See docs/history.md.
"""

from mailaudit.history.due import DomainState, Due, DueRules, domain_state, exit_code
from mailaudit.history.errors import HistoryError
from mailaudit.history.store import HistoryDB, open_db, record_reports
from mailaudit.history.timeline import RunChange, timeline
from mailaudit.history.types import (
    DmarcSource,
    DmarcSummary,
    RunMeta,
    StoredCheck,
    StoredFinding,
    StoredFix,
    StoredRecord,
    StoredReport,
    StoredRun,
    TlsSummary,
)

__all__ = [
    "DmarcSource",
    "DmarcSummary",
    "DomainState",
    "Due",
    "DueRules",
    "HistoryDB",
    "HistoryError",
    "RunChange",
    "RunMeta",
    "StoredCheck",
    "StoredFinding",
    "StoredFix",
    "StoredRecord",
    "StoredReport",
    "StoredRun",
    "TlsSummary",
    "domain_state",
    "exit_code",
    "open_db",
    "record_reports",
    "timeline",
]
