"""The history database: one SQLite file through the standard library.

Opening checks the file before anything is written: a file that is not SQLite, a damaged one,
another program's database, or one made by a newer mailaudit is refused with a one-line
``HistoryError`` and left untouched. An older schema is upgraded in one transaction.

Every write is one ``BEGIN IMMEDIATE`` transaction: a run is stored whole or not at all (a
process killed half way leaves the file as it was). WAL journaling and a busy timeout let two
processes write at once; the second waits for the first instead of failing or corrupting.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import pathlib
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType

from mailaudit.history import schema
from mailaudit.history.errors import HistoryError
from mailaudit.history.rows import dmarc_from_rows, finding_row, report_from_rows, run_meta_from_row
from mailaudit.history.types import DmarcSummary, RunMeta, StoredReport, StoredRun, TlsSummary, parse_utc, utc_text

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_SECONDS = 30.0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _inspect_file(path: pathlib.Path, create: bool) -> None:
    """Refuse what is plainly not a usable database before SQLite opens (and maybe creates) it."""
    if path.is_dir():
        raise HistoryError(f"{path}: is a folder, not a history database")
    if not path.exists():
        if not create:
            raise HistoryError(f"{path}: no such history database (record runs with `check --db {path}`)")
        if not path.parent.is_dir():
            raise HistoryError(f"{path}: the folder {path.parent} does not exist")
        return
    if not path.is_file():  # a FIFO or device would block or be written into
        raise HistoryError(f"{path}: not a regular file, not a history database")
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as err:
        raise HistoryError(f"{path}: cannot read: {err.strerror or err}") from None
    if head and head != SQLITE_MAGIC:
        raise HistoryError(f"{path}: not a SQLite database (refusing to use or overwrite it)")


def _connect(path: pathlib.Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(os.fspath(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    except sqlite3.Error as err:
        raise HistoryError(f"{path}: cannot open the history database: {err}") from None
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    return conn


def _verify(conn: sqlite3.Connection, path: pathlib.Path) -> int:
    """The file's schema version, after checking it is an intact mailaudit database."""
    rows = conn.execute("PRAGMA quick_check").fetchall()
    if [tuple(r) for r in rows] != [("ok",)]:
        raise HistoryError(f"{path}: the history database is damaged ({rows[0][0]}); restore a copy")
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    if app_id != schema.APPLICATION_ID and (app_id != 0 or tables):
        raise HistoryError(f"{path}: a SQLite database of another program, not a mailaudit history database")
    version = schema.current_version(conn)
    if version > schema.LATEST:
        raise HistoryError(
            f"{path}: made by a newer mailaudit (schema version {version}; this one knows up to "
            f"{schema.LATEST}): upgrade mailaudit to use it"
        )
    return version


class HistoryDB:
    """An open history database. Use as a context manager; see ``open_db``."""

    def __init__(self, path: pathlib.Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn

    def __enter__(self) -> HistoryDB:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    @property
    def version(self) -> int:
        with self._errors():
            return schema.current_version(self._conn)

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn SQLite's exceptions into one-line ``HistoryError`` s naming the file."""
        try:
            yield
        except sqlite3.OperationalError as err:
            if "locked" in str(err) or "busy" in str(err):
                raise HistoryError(f"{self.path}: the history database stayed busy (another run is writing)") from None
            raise HistoryError(f"{self.path}: history database error: {err}") from None
        except sqlite3.DatabaseError as err:
            raise HistoryError(f"{self.path}: the history database is damaged ({err}); restore a copy") from None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed when the block ends, rolled back on any exception."""
        with self._errors():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def migrate(self, target: int = schema.LATEST) -> list[int]:
        with self.transaction() as conn:
            if schema.current_version(conn) > schema.LATEST:  # re-read under the lock
                raise HistoryError(f"{self.path}: made by a newer mailaudit: upgrade mailaudit to use it")
            return schema.apply(conn, utc_text(_now()), target)

    # -- writes ---------------------------------------------------------------------------

    def record_run(self, meta: RunMeta, reports: Iterable[StoredReport]) -> int:
        """Store one run and all its reports in one transaction; returns the run's id.

        ``reports`` may be a generator: if it raises (or the process dies) part way, nothing of
        the run is kept."""
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO runs (at, source, command, options, tool_version) VALUES (?, ?, ?, ?, ?)",
                (utc_text(meta.at), meta.source, meta.command, json.dumps(dict(meta.options), sort_keys=True),
                 meta.tool_version),
            )
            run_id = int(cur.lastrowid or 0)
            for report in reports:
                self._insert_report(conn, run_id, report)
            return run_id

    @staticmethod
    def _insert_report(conn: sqlite3.Connection, run_id: int, report: StoredReport) -> None:
        cur = conn.execute(
            "INSERT INTO reports (run_id, domain, grade, score, input, notes) VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, report.domain.lower().rstrip("."), report.grade, report.score, report.input,
             json.dumps(list(report.notes))),
        )
        report_id = cur.lastrowid
        conn.executemany(
            "INSERT INTO checks (report_id, check_id, status, error, data) VALUES (?, ?, ?, ?, ?)",
            [(report_id, c.id, c.status, c.error, c.data_json) for c in report.checks],
        )
        conn.executemany(
            "INSERT INTO findings (report_id, position, finding_id, subject, severity, title, detail, "
            "evidence, fix, variant, params, check_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(report_id, i, *finding_row(f)) for i, f in enumerate(report.findings)],
        )

    def record_report_data(self, dmarc: Iterable[DmarcSummary], tls: Iterable[TlsSummary] = (),
                           *, at: dt.datetime | None = None, tool_version: str = "") -> int:
        """Store DMARC aggregate and TLS-RPT summaries (``reports --db``) in one transaction."""
        with self.transaction() as conn:
            cur = conn.execute("INSERT INTO ingests (at, tool_version) VALUES (?, ?)",
                               (utc_text(at or _now()), tool_version))
            ingest_id = int(cur.lastrowid or 0)
            for summary in dmarc:
                _insert_dmarc(conn, ingest_id, summary)
            for item in tls:
                conn.execute(
                    "INSERT INTO tls_summaries (ingest_id, domain, policy_type, begin_at, end_at, successful, "
                    "failed, failures) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (ingest_id, item.domain.lower().rstrip("."), item.policy_type,
                     utc_text(item.begin) if item.begin else None, utc_text(item.end) if item.end else None,
                     item.successful, item.failed, json.dumps([list(f) for f in item.failures])),
                )
            return ingest_id

    # -- reads ----------------------------------------------------------------------------

    def domains(self) -> list[str]:
        with self._errors():
            rows = self._conn.execute("SELECT DISTINCT domain FROM reports ORDER BY domain").fetchall()
        return [str(r[0]) for r in rows]

    def runs_of(self, domain: str) -> list[StoredRun]:
        """Every stored report of ``domain``, oldest run first."""
        with self._errors():
            heads = self._conn.execute(
                "SELECT r.id, runs.id, runs.at, runs.source, runs.command, runs.options, runs.tool_version, "
                "r.domain, r.grade, r.score, r.input, r.notes FROM reports r JOIN runs ON runs.id = r.run_id "
                "WHERE r.domain = ? ORDER BY runs.at, runs.id",
                (domain.lower().rstrip("."),),
            ).fetchall()
            return [self._load_run(head) for head in heads]

    def _load_run(self, head: Sequence[object]) -> StoredRun:
        report_id = head[0]
        checks = self._conn.execute(
            "SELECT check_id, status, error, data FROM checks WHERE report_id = ? ORDER BY rowid", (report_id,)
        ).fetchall()
        findings = self._conn.execute(
            "SELECT finding_id, subject, severity, title, detail, evidence, fix, variant, params, check_id "
            "FROM findings WHERE report_id = ? ORDER BY position", (report_id,)
        ).fetchall()
        return StoredRun(int(str(head[1])), run_meta_from_row(head[2:7]), report_from_rows(head[7:], checks, findings))

    def dmarc_of(self, domain: str) -> list[DmarcSummary]:
        """The stored DMARC periods of ``domain``, by the end of their period, oldest first."""
        with self._errors():
            periods = self._conn.execute(
                "SELECT id, domain, begin_at, end_at, reports, messages, next_policy, ready, aligned_share, detail "
                "FROM dmarc_periods WHERE domain = ? ORDER BY end_at, id", (domain.lower().rstrip("."),)
            ).fetchall()
            out = []
            for period in periods:
                sources = self._conn.execute(
                    "SELECT ip, ptr, messages, spf_aligned, dkim_aligned, dmarc_pass, category, authorized_by "
                    "FROM dmarc_sources WHERE period_id = ? ORDER BY position", (period[0],)
                ).fetchall()
                out.append(dmarc_from_rows(period[1:], sources))
            return out

    def tls_of(self, domain: str) -> list[TlsSummary]:
        """The TLS-RPT totals of ``domain`` from the latest ``reports --db`` that had any."""
        with self._errors():
            rows = self._conn.execute(
                "SELECT domain, policy_type, begin_at, end_at, successful, failed, failures FROM tls_summaries "
                "WHERE domain = ? AND ingest_id = (SELECT max(ingest_id) FROM tls_summaries WHERE domain = ?) "
                "ORDER BY id", (domain.lower().rstrip("."), domain.lower().rstrip(".")),
            ).fetchall()
        return [_tls_from_row(r) for r in rows]


def _tls_from_row(row: Sequence[object]) -> TlsSummary:
    """(domain, policy_type, begin, end, successful, failed, failures)."""
    try:
        failures = json.loads(str(row[6]))
        return TlsSummary(domain=str(row[0]), policy_type=str(row[1]),
                          begin=parse_utc(str(row[2])) if row[2] is not None else None,
                          end=parse_utc(str(row[3])) if row[3] is not None else None,
                          successful=int(str(row[4])), failed=int(str(row[5])),
                          failures=tuple((str(k), int(v)) for k, v in failures))
    except (TypeError, ValueError) as err:
        if isinstance(err, HistoryError):
            raise
        raise HistoryError(f"damaged history database: bad TLS-RPT row ({err})") from None


def _insert_dmarc(conn: sqlite3.Connection, ingest_id: int, summary: DmarcSummary) -> None:
    cur = conn.execute(
        "INSERT INTO dmarc_periods (ingest_id, domain, begin_at, end_at, reports, messages, next_policy, ready, "
        "aligned_share, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (ingest_id, summary.domain.lower().rstrip("."), utc_text(summary.begin), utc_text(summary.end),
         summary.reports, summary.messages, summary.next_policy, int(summary.ready), summary.aligned_share,
         summary.detail),
    )
    conn.executemany(
        "INSERT INTO dmarc_sources (period_id, position, ip, ptr, messages, spf_aligned, dkim_aligned, dmarc_pass, "
        "category, authorized_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(cur.lastrowid, i, s.ip, s.ptr, s.messages, s.spf_aligned, s.dkim_aligned, s.dmarc_pass, s.category,
          s.authorized_by) for i, s in enumerate(summary.sources)],
    )


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL. SQLite does not run the busy handler for a journal-mode change, so two runs
    opening a new database at once would see "locked" at once: retry until the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if ("locked" not in str(err) and "busy" not in str(err)) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def open_db(path: str | os.PathLike[str], *, create: bool = True) -> HistoryDB:
    """Open (and, with ``create``, make) a history database, upgraded to the latest schema.

    ``create=False`` (``history``, ``portfolio``) refuses a missing file instead of making one.
    Raises ``HistoryError`` for a file that cannot be used; such a file is never written to.
    """
    where = pathlib.Path(path)
    _inspect_file(where, create)
    conn = _connect(where)
    db = HistoryDB(where, conn)
    try:
        with db._errors():
            version = _verify(conn, where)
            conn.execute("PRAGMA foreign_keys = ON")
            _use_wal(conn)
            conn.execute("PRAGMA synchronous = FULL")
        if version < schema.LATEST:
            db.migrate()
    except BaseException:
        conn.close()
        raise
    return db


def record_reports(path: str | os.PathLike[str], dmarc: Iterable[DmarcSummary], tls: Iterable[TlsSummary] = (),
                   *, at: dt.datetime | None = None, tool_version: str = "") -> int:
    """Store ``reports`` output in the history database at ``path`` (made if missing).

    The entry point for ``mailaudit reports --db FILE``: give it the DMARC summaries (one per
    domain and period) and TLS-RPT totals as plain typed values. One transaction; raises
    ``HistoryError`` (print it, exit 2) for a file that cannot be used.
    """
    with open_db(path) as db:
        return db.record_report_data(dmarc, tls, at=at, tool_version=tool_version)
