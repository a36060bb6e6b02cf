"""`--db`, `history` and `portfolio` end to end: the hidden-host story's zones before the fix,
after it and after a regression, audited by the real CLI (offline zone files, and live DNS from
the project's test DNS server on loopback)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import pathlib
import signal
import sqlite3
import subprocess
import sys

import pytest

from mailaudit.cli import main

from ..dnsserver import DNSServer

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ZONES = HERE / "zones"
DOMAIN = "hidden-host.test"


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def audit(capsys, db: pathlib.Path, stage: str, *extra: str) -> int:
    code, _, err = cli(capsys, "check", DOMAIN, "--offline", "--zone", str(ZONES / stage), "--no-dnsbl",
                       "--db", str(db), "--format", "json", *extra)
    assert err == ""
    return code


def history(capsys, db: pathlib.Path, *extra: str) -> tuple[int, dict]:
    code, out, _ = cli(capsys, "history", DOMAIN, "--db", str(db), "--format", "json", *extra)
    return code, json.loads(out)


def ids(findings):
    """The story's finding ids (the bulk-sender rules restate the DMARC and SPF gaps per receiver)."""
    return [f["id"] for f in findings if not f["id"].startswith("bulk.")]


def test_the_story_before_after_and_regressed(capsys, tmp_path):
    db = tmp_path / "clients.db"
    for stage in ("before", "after"):
        audit(capsys, db, stage)
    code, doc = history(capsys, db)
    assert code == 0
    first, fixed = doc["runs"]
    assert (first["source"], ids(first["new"]), first["fixed"]) == (
        "offline", ["dkim.not_found", "dmarc.policy.none", "spf.all.softfail"], [])
    assert ids(fixed["fixed"]) == ["spf.all.softfail"] and fixed["new"] == []
    assert ids(fixed["open"]) == ["dkim.not_found", "dmarc.policy.none"] and fixed["checks"]["spf"] == "pass"
    assert fixed["score"] > first["score"]
    audit(capsys, db, "regressed")
    code, doc = history(capsys, db)
    assert code == 1  # a scheduled job alerts on the regression
    assert ids(doc["runs"][2]["new"]) == ["spf.all.softfail"]
    assert doc["due"][0]["kind"] == "regressed" and doc["due"][0]["params"]["reappeared"] == "1"
    code, out, _ = cli(capsys, "portfolio", "--db", str(db), "--format", "json")
    (row,) = json.loads(out)["domains"]
    assert code == 1 and row["regressed"] and row["trend"] == ["B", "B", "B"] and row["step"] == "dmarc.monitor"
    assert row["plan"]["number"] == 1 and "dkim=pass" in row["plan"]["verify"]  # the fix plan's next step


def test_history_speaks_indonesian_and_the_table_is_plain_text(capsys, tmp_path):
    db = tmp_path / "h.db"
    audit(capsys, db, "before")
    audit(capsys, db, "after")
    code, out, _ = cli(capsys, "history", DOMAIN, "--db", str(db), "--format", "table", "--lang", "id")
    assert code == 0 and "Riwayat audit" in out and "- spf.all.softfail hidden-host.test" in out
    _, doc = history(capsys, db, "--lang", "id")
    assert doc["runs"][1]["fixed"][0]["title"] != "SPF ends in ~all (softfail)"  # shown again in Indonesian
    code, out, _ = cli(capsys, "portfolio", "--db", str(db), "--format", "csv", "--lang", "id")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["domain"] == DOMAIN and rows[0]["fixed_since"] == "1" and "DMARC" in rows[0]["due"]
    code, out, _ = cli(capsys, "portfolio", "--db", str(db), "--format", "html", "--lang", "id")
    assert '<html lang="id">' in out and "Portofolio keamanan e-mail" in out


def run_cli(*args: str, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mailaudit", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=False, **kw)


@pytest.mark.parametrize("command", [
    ("check", DOMAIN, "--offline", "--zone", str(ZONES / "before"), "--no-dnsbl"),
    ("history", DOMAIN), ("portfolio",),
])
def test_an_unusable_database_is_one_line_and_exit_2(tmp_path, command):
    bad = tmp_path / "notes.db"
    bad.write_text("my notes, not a database\n")
    done = run_cli(*command, "--db", str(bad))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "not a SQLite database" in done.stderr and "Traceback" not in done.stderr
    assert bad.read_text() == "my notes, not a database\n"


def test_a_newer_database_and_a_missing_one_are_refused(capsys, tmp_path):
    db = tmp_path / "h.db"
    audit(capsys, db, "before")
    code, _, err = cli(capsys, "history", "other.test", "--db", str(db))
    assert code == 2 and "no run of other.test" in err
    code, _, err = cli(capsys, "portfolio", "--db", str(tmp_path / "missing.db"))
    assert code == 2 and "no such history database" in err and not (tmp_path / "missing.db").exists()
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO schema_migrations VALUES (99, 'future', '2031-01-01T00:00:00Z')")
    conn.commit()
    conn.close()
    code, out, err = cli(capsys, "check", DOMAIN, "--offline", "--zone", str(ZONES / "after"), "--db", str(db))
    assert code == 2 and out == "" and "newer mailaudit" in err


@pytest.fixture
def live_dns():
    server = DNSServer()
    server.load(ROOT / "tests" / "zones" / "root", ZONES / "before")
    server.start()
    yield server
    server.stop()


def test_live_run_then_a_what_if_is_prepared_work(capsys, tmp_path, live_dns):
    db = tmp_path / "h.db"
    ns = ("--nameserver", live_dns.address, "--no-dnsbl", "--db", str(db), "--format", "json")
    assert cli(capsys, "check", DOMAIN, *ns)[2] == ""
    assert cli(capsys, "check", DOMAIN, "--zone", str(ZONES / "after" / "hidden-host.test.zone"), *ns)[2] == ""
    _, doc = history(capsys, db)
    assert [r["source"] for r in doc["runs"]] == ["live", "zone"]
    assert ids(doc["runs"][1]["fixed"]) == ["spf.all.softfail"]
    assert [d["kind"] for d in doc["due"]][:1] == ["whatif_pending"]
    code, out, _ = cli(capsys, "portfolio", "--db", str(db), "--format", "json")
    (row,) = json.loads(out)["domains"]
    assert row["source"] == "live" and code == 0  # the state is the real DNS, not the what-if


def test_an_interrupted_batch_leaves_no_trace(tmp_path, live_dns):
    db = tmp_path / "h.db"
    names = tmp_path / "clients.txt"
    names.write_text("".join(f"client{n}.test\n" for n in range(30)) + f"{DOMAIN}\n")
    slow = DNSServer(delay=0.4)
    slow.load(ROOT / "tests" / "zones" / "root", ZONES / "before")
    slow.start()
    try:
        first = run_cli("check", DOMAIN, "--nameserver", live_dns.address, "--no-dnsbl", "--db", str(db))
        assert first.returncode == 0, first.stderr
        before = sqlite3.connect(db).execute("SELECT count(*) FROM reports").fetchone()
        proc = subprocess.Popen([sys.executable, "-m", "mailaudit", "batch", str(names), "--nameserver", slow.address,
                                 "--no-dnsbl", "--concurrency", "2", "--db", str(db), "--format", "jsonl"],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        finished = json.loads(proc.stdout.readline())  # one domain is done, the others under way
        os.kill(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        slow.stop()
    assert finished["domain"].endswith(".test") and slow.total > 0
    assert proc.returncode == 130 and ("interrupted" in err or "aborted" in err) and "Traceback" not in err
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM reports").fetchone() == before
    assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1


def test_two_cli_runs_at_once_both_land(tmp_path):
    db = tmp_path / "h.db"
    args = ["-m", "mailaudit", "check", DOMAIN, "--offline", "--no-dnsbl", "--db", str(db), "--zone"]
    procs = [subprocess.Popen([sys.executable, *args, str(ZONES / stage)], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for stage in ("before", "after", "regressed")]
    for proc in procs:
        assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 3
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_stored_dmarc_reports_make_the_next_step_ready(capsys, tmp_path):
    from mailaudit.history import record_reports
    from mailaudit.history.ingest import from_reports_json

    db = tmp_path / "h.db"
    audit(capsys, db, "after")
    now = dt.datetime.now(dt.UTC)
    tls = [{"domain": DOMAIN, "policy_type": "sts", "successful": 990, "failed": 10,
            "failures": [{"result_type": "certificate-expired", "count": 10}]}]
    doc = {"version": 1, "errors": [], "tls": tls, "domains": [{
        "domain": DOMAIN, "reports": 20, "messages": 4000, "sources": [], "findings": [],
        "period": {"begin": (now - dt.timedelta(days=21)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                   "end": now.strftime("%Y-%m-%dT%H:%M:%SZ")},
        "readiness": {"next_policy": "quarantine", "ready": True, "aligned_share": 0.998, "detail": "aligned"}}]}
    dmarc, tls, problems = from_reports_json(doc)
    assert problems == []
    record_reports(db, dmarc, tls)
    code, out, _ = cli(capsys, "portfolio", "--db", str(db), "--format", "json")
    (row,) = json.loads(out)["domains"]
    assert row["dmarc"]["ready"] and row["dmarc"]["coverage_days"] == 21
    assert [d["kind"] for d in row["due"]] == ["step_ready"] and code == 0
    assert (row["tls"]["failed"], row["tls"]["policies"][0]["failures"][0]["count"]) == (10, 10)
    code, out, _ = cli(capsys, "portfolio", "--db", str(db), "--format", "html")
    assert "TLS-RPT: 10 of 1000 TLS sessions failed" in out


def schema_validator(name: str):
    import jsonschema
    from referencing import Registry, Resource

    folder = ROOT / "docs" / "schema"
    resources = [(p.name, Resource.from_contents(json.loads(p.read_text()))) for p in folder.glob("*.schema.json")]
    registry = Registry().with_resources(resources)
    schema = json.loads((folder / name).read_text())
    return jsonschema.Draft202012Validator(schema, registry=registry)


def test_the_json_outputs_follow_their_schemas(capsys, tmp_path):
    db = tmp_path / "h.db"
    for stage in ("before", "after", "regressed"):
        audit(capsys, db, stage)
    _, doc = history(capsys, db)
    schema_validator("history.schema.json").validate(doc)
    _, out, _ = cli(capsys, "portfolio", "--db", str(db), "--format", "json")
    schema_validator("portfolio.schema.json").validate(json.loads(out))


def test_bad_usage_creates_no_database(capsys, tmp_path):
    db = tmp_path / "new.db"
    code, _, err = cli(capsys, "check", DOMAIN, "--offline", "--db", str(db))  # --offline without --zone
    assert code == 2 and "--offline" in err and not db.exists()
