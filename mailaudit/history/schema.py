"""The history database's schema as numbered migrations (never edited once released: add one).

``schema_migrations`` lists every migration applied, with its number, name and time; the
schema version of a file is the highest number there. ``PRAGMA application_id`` marks the file
as mailaudit's, so another program's SQLite file is refused rather than written into.
Each migration runs inside the caller's write transaction together with its bookkeeping row:
an upgrade interrupted half way leaves the file at the version it had.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

APPLICATION_ID = 0x4D41_4844  # "MAHD": mailaudit history database


@dataclass(frozen=True, slots=True)
class Migration:
    number: int
    name: str
    statements: tuple[str, ...]


INITIAL = Migration(1, "initial", (
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('live', 'zone', 'offline')),
        command TEXT NOT NULL,
        options TEXT NOT NULL,
        tool_version TEXT NOT NULL)""",
    """CREATE TABLE reports (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        domain TEXT NOT NULL,
        grade TEXT NOT NULL CHECK (grade IN ('A', 'B', 'C', 'D', 'F')),
        score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
        UNIQUE (run_id, domain))""",
    "CREATE INDEX reports_by_domain ON reports (domain, run_id)",
    """CREATE TABLE checks (
        report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        check_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pass', 'warn', 'fail', 'error', 'skipped')),
        error TEXT,
        data TEXT NOT NULL,
        PRIMARY KEY (report_id, check_id))""",
    """CREATE TABLE findings (
        id INTEGER PRIMARY KEY,
        report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        finding_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        severity TEXT NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
        title TEXT NOT NULL,
        detail TEXT NOT NULL,
        evidence TEXT NOT NULL,
        fix TEXT,
        variant TEXT NOT NULL,
        params TEXT NOT NULL)""",
    "CREATE INDEX findings_by_report ON findings (report_id, position)",
))

# version 2: the owning check of each finding (for "unverified"), the report's input and notes.
REPORT_DETAILS = Migration(2, "report_details", (
    "ALTER TABLE findings ADD COLUMN check_id TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE reports ADD COLUMN input TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE reports ADD COLUMN notes TEXT NOT NULL DEFAULT '[]'",
    # data migration: version 1 knew no owner; the id's first part names it for every built-in check
    "UPDATE findings SET check_id = substr(finding_id, 1, instr(finding_id || '.', '.') - 1)",
))

# version 3: DMARC aggregate and TLS-RPT data from `reports --db`.
REPORT_DATA = Migration(3, "dmarc_tls_data", (
    """CREATE TABLE ingests (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        tool_version TEXT NOT NULL)""",
    """CREATE TABLE dmarc_periods (
        id INTEGER PRIMARY KEY,
        ingest_id INTEGER NOT NULL REFERENCES ingests(id) ON DELETE CASCADE,
        domain TEXT NOT NULL,
        begin_at TEXT NOT NULL,
        end_at TEXT NOT NULL,
        reports INTEGER NOT NULL CHECK (reports >= 0),
        messages INTEGER NOT NULL CHECK (messages >= 0),
        next_policy TEXT CHECK (next_policy IS NULL OR next_policy IN ('quarantine', 'reject')),
        ready INTEGER NOT NULL CHECK (ready IN (0, 1)),
        aligned_share REAL NOT NULL,
        detail TEXT NOT NULL)""",
    "CREATE INDEX dmarc_by_domain ON dmarc_periods (domain, end_at)",
    """CREATE TABLE dmarc_sources (
        period_id INTEGER NOT NULL REFERENCES dmarc_periods(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        ip TEXT NOT NULL,
        ptr TEXT,
        messages INTEGER NOT NULL,
        spf_aligned INTEGER NOT NULL,
        dkim_aligned INTEGER NOT NULL,
        dmarc_pass INTEGER NOT NULL,
        category TEXT NOT NULL,
        authorized_by TEXT,
        PRIMARY KEY (period_id, position))""",
    """CREATE TABLE tls_summaries (
        id INTEGER PRIMARY KEY,
        ingest_id INTEGER NOT NULL REFERENCES ingests(id) ON DELETE CASCADE,
        domain TEXT NOT NULL,
        policy_type TEXT NOT NULL,
        begin_at TEXT,
        end_at TEXT,
        successful INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        failures TEXT NOT NULL)""",
    "CREATE INDEX tls_by_domain ON tls_summaries (domain, id)",
))

MIGRATIONS: tuple[Migration, ...] = (INITIAL, REPORT_DETAILS, REPORT_DATA)
LATEST = MIGRATIONS[-1].number

BOOKKEEPING = """CREATE TABLE IF NOT EXISTS schema_migrations (
    number INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL)"""


def current_version(conn: sqlite3.Connection) -> int:
    """The highest migration applied, 0 for a file without the bookkeeping table."""
    known = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if known is None:
        return 0
    row = conn.execute("SELECT max(number) FROM schema_migrations").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def apply(conn: sqlite3.Connection, applied_at: str, target: int = LATEST) -> list[int]:
    """Apply every migration above the file's version up to ``target``; the caller holds the
    write transaction (BEGIN IMMEDIATE) and commits. Returns the numbers applied."""
    conn.execute(BOOKKEEPING)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    start = current_version(conn)
    done = []
    for migration in MIGRATIONS:
        if start < migration.number <= target:
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (number, name, applied_at) VALUES (?, ?, ?)",
                (migration.number, migration.name, applied_at),
            )
            done.append(migration.number)
    return done
