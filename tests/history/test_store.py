"""The history store: round trips, refusals that never overwrite, transactions, two writers."""

from __future__ import annotations

import os
import pathlib
import shutil
import sqlite3
import subprocess
import sys

import pytest

from mailaudit.history import (
    DmarcSource,
    DmarcSummary,
    HistoryError,
    StoredFinding,
    StoredReport,
    TlsSummary,
    open_db,
    record_reports,
    schema,
)

from .fixtures import build, committed
from .helpers import AFTER, BEFORE, DOMAIN, SOFTFAIL, day, meta

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run_writer(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.history.writer", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def counts(path: pathlib.Path) -> tuple[int, int, int, int]:
    conn = sqlite3.connect(path)
    try:
        return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[return-value]
                     for t in ("runs", "reports", "checks", "findings"))
    finally:
        conn.close()


def test_a_run_round_trips_typed(tmp_path):
    path = tmp_path / "h.db"
    with open_db(path) as db:
        run_id = db.record_run(meta(0, lang="id", fail_on="high"), [BEFORE])
        assert db.version == schema.LATEST
    with open_db(path, create=False) as db:
        (stored,) = db.runs_of("Hidden-Host.Example.")
        assert db.domains() == [DOMAIN]
    assert stored.run_id == run_id
    assert stored.report == BEFORE  # findings, checks with data, grade, score: all kept
    assert stored.meta == meta(0, lang="id", fail_on="high")
    assert stored.report.findings[0].fix == BEFORE.findings[0].fix or stored.report.findings[1].fix == SOFTFAIL.fix
    assert stored.report.check("dmarc").data == {"policy": "none", "effective_policy": "none"}
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID
    conn.close()


def test_runs_come_oldest_first(tmp_path):
    with open_db(tmp_path / "h.db") as db:
        db.record_run(meta(5), [AFTER])
        db.record_run(meta(1), [BEFORE])
        assert [r.report.grade for r in db.runs_of(DOMAIN)] == ["C", "B"]


def test_dmarc_and_tls_data_round_trip(tmp_path):
    summary = DmarcSummary(DOMAIN, day(0), day(7), reports=14, messages=20512, next_policy="quarantine", ready=True,
                           aligned_share=0.997, detail="every source aligned",
                           sources=(DmarcSource("203.0.113.7", 120, 120, 118, 120, "authorized", "mail.example",
                                                "include:_spf.example.net"),))
    path = tmp_path / "h.db"
    record_reports(path, [summary], [TlsSummary(DOMAIN, "sts", 1000, 3, (("certificate-expired", 3),))], at=day(8))
    with open_db(path, create=False) as db:
        assert db.dmarc_of(DOMAIN) == [summary]
        assert db.domains() == []  # report data alone is not an audit run


@pytest.mark.parametrize("content, words", [
    (b"this is a zone file, not a database\n", "not a SQLite database"),
    (b"\x00" * 5000, "not a SQLite database"),
    (b"SQLite format 3\x00" + b"\xff" * 4080, "damaged"),
])
def test_a_file_that_is_not_a_usable_database_is_refused_and_kept(tmp_path, content, words):
    path = tmp_path / "h.db"
    path.write_bytes(content)
    with pytest.raises(HistoryError, match=words) as err:
        open_db(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)
    assert path.read_bytes() == content  # never overwritten


def test_a_truncated_database_is_refused(tmp_path):
    path = tmp_path / "h.db"
    with open_db(path) as db:
        for n in range(30):
            db.record_run(meta(n), [BEFORE])
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(HistoryError, match="damaged"), open_db(path) as db:
        db.runs_of(DOMAIN)
    assert path.stat().st_size == len(data) // 2


def test_another_programs_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (name TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(HistoryError, match="another program"):
        open_db(path)
    conn = sqlite3.connect(path)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["customers"]


def test_a_newer_schema_is_refused_untouched(tmp_path):
    path = tmp_path / "h.db"
    with open_db(path) as db:
        db.record_run(meta(0), [BEFORE])
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_migrations VALUES (?, 'from_the_future', '2030-01-01T00:00:00Z')",
                 (schema.LATEST + 1,))
    conn.commit()
    conn.close()
    before = counts(path)
    with pytest.raises(HistoryError, match=f"newer mailaudit \\(schema version {schema.LATEST + 1}"):
        open_db(path)
    assert counts(path) == before


def test_reading_a_missing_file_does_not_create_it(tmp_path):
    with pytest.raises(HistoryError, match="no such history database"):
        open_db(tmp_path / "none.db", create=False)
    assert not (tmp_path / "none.db").exists()
    with pytest.raises(HistoryError, match="does not exist"):
        open_db(tmp_path / "no" / "dir.db")
    with pytest.raises(HistoryError, match="folder"):
        open_db(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(HistoryError, match="not a regular file"):
        open_db(fifo)


def test_damaged_rows_are_one_error_not_a_traceback(tmp_path):
    path = tmp_path / "h.db"
    with open_db(path) as db:
        db.record_run(meta(0), [BEFORE])
    conn = sqlite3.connect(path)
    conn.execute("UPDATE findings SET evidence = '{not json' WHERE position = 0")
    conn.commit()
    conn.close()
    with open_db(path) as db, pytest.raises(HistoryError, match="damaged history database: bad evidence"):
        db.runs_of(DOMAIN)


def test_a_failing_run_leaves_nothing(tmp_path):
    path = tmp_path / "h.db"
    with open_db(path) as db:
        db.record_run(meta(0), [BEFORE])
    before = counts(path)

    def interrupted():
        yield AFTER
        raise KeyboardInterrupt  # Ctrl-C half way through a batch

    with open_db(path) as db, pytest.raises(KeyboardInterrupt):
        db.record_run(meta(1), interrupted())
    assert counts(path) == before


def test_a_killed_writer_leaves_the_database_as_it_was(tmp_path):
    path = tmp_path / "h.db"
    with open_db(path) as db:
        db.record_run(meta(0), [BEFORE])
    before = counts(path)
    proc = run_writer(str(path), "killed", "die")
    proc.wait(timeout=60)
    assert proc.returncode == -9, proc.stderr.read() if proc.stderr else ""
    assert counts(path) == before  # the half-written run rolled back (from the WAL on next open)
    with open_db(path) as db:
        assert db.domains() == [DOMAIN]
        db.record_run(meta(2), [AFTER])
        assert len(db.runs_of(DOMAIN)) == 2
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_two_processes_writing_at_once_both_land(tmp_path):
    path = tmp_path / "h.db"
    go = tmp_path / "go"
    writers = [run_writer(str(path), tag, "25", str(go)) for tag in ("one", "two")]
    go.touch()
    for proc in writers:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    with open_db(path, create=False) as db:
        assert len(db.runs_of("one.example")) == 25 and len(db.runs_of("two.example")) == 25
        assert len(db.domains()) == 2 + 2 * 25
    assert counts(path) == (50, 100, 500, 150)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [r[0] for r in conn.execute("SELECT number FROM schema_migrations")] == [1, 2, 3]


@pytest.mark.parametrize("version", [1, 2])
def test_upgrade_from_every_older_version(tmp_path, version):
    path = tmp_path / "old.db"
    shutil.copyfile(committed(version), path)
    with open_db(path) as db:
        assert db.version == schema.LATEST
        runs = db.runs_of("old.example")
        db.record_run(meta(40), [AFTER])
        db.record_report_data([DmarcSummary("old.example", day(0), day(7), 3, 40)])
    assert [r.report.grade for r in runs] == ["C", "B"]
    softfail = runs[0].report.findings[1]
    assert (softfail.id, softfail.owner, softfail.params) == ("spf.all.softfail", "spf", (("record", "v=spf1 ~all"),))
    assert softfail.fix is not None and softfail.fix.records[0].value == "v=spf1 mx -all"
    assert runs[0].meta.options == (("lang", "en"),)
    assert runs[1].report.input == ("postmaster@old.example" if version == 2 else "")
    conn = sqlite3.connect(path)
    applied = [r[0] for r in conn.execute("SELECT number FROM schema_migrations ORDER BY number")]
    assert applied == list(range(1, schema.LATEST + 1))


@pytest.mark.parametrize("version", [1, 2])
def test_committed_fixtures_are_what_the_builder_makes(tmp_path, version):
    """The fixture files hold the version their name says, with the builder's rows."""
    fresh = build(tmp_path / "fresh.db", version)
    for path in (committed(version), fresh):
        conn = sqlite3.connect(path)
        assert conn.execute("SELECT max(number) FROM schema_migrations").fetchone()[0] == version
        assert conn.execute("SELECT count(*) FROM findings").fetchone()[0] == 3
        conn.close()


def test_an_interrupted_upgrade_keeps_the_old_version(tmp_path):
    path = tmp_path / "old.db"
    shutil.copyfile(committed(1), path)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE ingests (clash INTEGER)")  # makes migration 3 fail half way
    conn.commit()
    conn.close()
    with pytest.raises(HistoryError, match="already exists"):
        open_db(path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT max(number) FROM schema_migrations").fetchone()[0] == 1
    assert "check_id" not in [r[1] for r in conn.execute("PRAGMA table_info(findings)")]


def test_every_older_schema_version_has_a_fixture():
    """Adding migration N+1 needs a fixture of version N (tests/history/fixtures.py ROWS)."""
    from .fixtures import ROWS

    assert sorted(ROWS) == list(range(1, schema.LATEST))
    assert all(committed(v).is_file() for v in ROWS)
    assert [m.number for m in schema.MIGRATIONS] == list(range(1, schema.LATEST + 1))


def test_hostile_and_huge_values_round_trip(tmp_path):
    big = "v=spf1 " + "a" * 65_536
    odd = StoredFinding("spf.syntax", "\x1b[31m\u202e<script>", "high", "t\x00", "d",
                        evidence=(big, "\x00\r\n"), check="spf")
    rep = StoredReport("odd.example", "C", 60, (), (odd,))
    with open_db(tmp_path / "h.db") as db:
        db.record_run(meta(0), [rep])
        assert db.runs_of("odd.example")[0].report == rep


def test_record_reports_refuses_an_unusable_file(tmp_path):
    bad = tmp_path / "x.db"
    bad.write_bytes(b"PK\x03\x04 a zip file")
    with pytest.raises(HistoryError, match="not a SQLite database"):
        record_reports(bad, [])
    assert bad.read_bytes() == b"PK\x03\x04 a zip file"
