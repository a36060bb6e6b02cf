"""Databases as older mailaudit versions left them, for the upgrade tests.

``python -m tests.history.fixtures`` (from the repository root) rewrites the committed files
``tests/history/data/schema-v<N>.sqlite``. Each is built with the migrations up to N and rows
written with that version's columns, so an upgrade meets exactly what a user's file holds.
"""

from __future__ import annotations

import json
import pathlib
import sqlite3
import sys

from mailaudit.history import schema

DATA = pathlib.Path(__file__).resolve().parent / "data"
FIX = json.dumps({"summary": "End the record with -all",
                  "records": [{"name": "old.example.", "type": "TXT", "value": "v=spf1 mx -all"}]})


def _v1_rows(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO runs VALUES (1, '2026-10-01T09:00:00Z', 'live', 'check', '{\"lang\": \"en\"}', '0.1.0')")
    conn.execute("INSERT INTO runs VALUES (2, '2026-10-08T09:00:00Z', 'live', 'batch', '{}', '0.1.0')")
    conn.execute("INSERT INTO reports (id, run_id, domain, grade, score) VALUES (1, 1, 'old.example', 'C', 64)")
    conn.execute("INSERT INTO reports (id, run_id, domain, grade, score) VALUES (2, 2, 'old.example', 'B', 92)")
    for report_id in (1, 2):
        conn.execute("INSERT INTO checks VALUES (?, 'spf', ?, NULL, '{\"record\": \"v=spf1 ~all\"}')",
                     (report_id, "warn" if report_id == 1 else "pass"))
        conn.execute("INSERT INTO checks VALUES (?, 'dmarc', 'warn', NULL, '{\"policy\": \"none\"}')", (report_id,))
        conn.execute("INSERT INTO findings (report_id, position, finding_id, subject, severity, title, detail, "
                     "evidence, fix, variant, params) VALUES (?, 0, 'dmarc.policy.none', 'old.example', 'medium', "
                     "'DMARC p=none', 'Nothing enforced.', '[]', NULL, 'default', '[]')", (report_id,))
    conn.execute("INSERT INTO findings (report_id, position, finding_id, subject, severity, title, detail, evidence, "
                 "fix, variant, params) VALUES (1, 1, 'spf.all.softfail', 'old.example', 'medium', 'SPF ~all', "
                 "'Only marked.', '[\"v=spf1 ~all\"]', ?, 'default', '[[\"record\", \"v=spf1 ~all\"]]')", (FIX,))


def _v2_rows(conn: sqlite3.Connection) -> None:
    _v1_rows(conn)
    conn.execute("UPDATE reports SET input = 'postmaster@old.example', notes = '[\"an address: its domain\"]' "
                 "WHERE id = 2")
    conn.execute("UPDATE findings SET check_id = 'spf' WHERE finding_id LIKE 'spf.%'")


ROWS = {1: _v1_rows, 2: _v2_rows}


def build(path: pathlib.Path, version: int) -> pathlib.Path:
    """A database at schema ``version`` with two runs of old.example (C, then B after a fix)."""
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    schema.apply(conn, "2026-10-01T09:00:00Z", target=version)
    ROWS[version](conn)
    conn.execute("COMMIT")
    conn.close()
    return path


def committed(version: int) -> pathlib.Path:
    return DATA / f"schema-v{version}.sqlite"


if __name__ == "__main__":
    for number in ROWS:
        print(build(committed(number), number), file=sys.stderr)
