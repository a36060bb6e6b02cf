"""The json and csv shapes of history and portfolio."""

from __future__ import annotations

import csv
import io
import json

from mailaudit.history import DueRules, domain_state, open_db, timeline
from mailaudit.render.history import CSV_COLUMNS, Words, history_json, portfolio_csv, portfolio_json

from .helpers import AFTER, BEFORE, DOMAIN, REGRESSED, StoredFinding, day, meta, report

say = Words("en")


def changes_of(tmp_path, *reports):
    with open_db(tmp_path / "h.db") as db:
        for n, rep in enumerate(reports):
            db.record_run(meta(7 * n), [rep])
        return timeline(db.runs_of(reports[0].domain))


def test_history_json_has_the_contract_shape(tmp_path):
    changes = changes_of(tmp_path, BEFORE, AFTER, REGRESSED)
    doc = history_json(DOMAIN, changes, domain_state(changes, [], day(15)), say)
    json.dumps(doc)
    assert doc["version"] == 1 and doc["domain"] == DOMAIN
    first, second, third = doc["runs"]
    assert set(first) >= {"at", "source", "grade", "score", "checks", "fixed", "new", "open"}
    assert first["at"] == "2026-11-02T08:00:00Z" and first["source"] == "live" and first["checks"]["spf"] == "warn"
    assert [f["id"] for f in first["new"]] == [f.id for f in BEFORE.findings]
    assert set(first["new"][0]) == {"id", "subject", "severity", "title", "detail", "evidence", "fix"}
    assert [f["id"] for f in second["fixed"]] == ["dnsbl.ip.listed", "spf.all.softfail"]
    assert [f["id"] for f in third["new"]] == ["spf.all.softfail"]
    assert doc["due"][0]["kind"] == "regressed" and doc["step"] == "dmarc.monitor"


def test_portfolio_json_orders_what_is_due_most_urgent_first(tmp_path):
    changes = changes_of(tmp_path, BEFORE, AFTER, REGRESSED)
    doc = portfolio_json([domain_state(changes, [], day(15))], day(15), DueRules(), say)
    (dom,) = doc["domains"]
    assert (dom["grade"], dom["trend"], dom["direction"], dom["regressed"]) == ("B", ["C", "B", "B"], "same", True)
    assert dom["open"] == {"critical": 0, "high": 0, "medium": 2, "low": 0, "info": 0}
    assert [d["kind"] for d in doc["due"]] == ["regressed", "reports_missing"]
    assert doc["due"][0]["text"].startswith("Regressed: score 92 → 84") and doc["rules"]["stale_days"] == 14


def test_portfolio_csv_cells_cannot_become_formulas(tmp_path):
    evil = StoredFinding("spf.all.softfail", "=HYPERLINK(\"http://x\")", "high", "t", "d", check="spf")
    hostile = report([evil], grade="C", score=70, domain="=1+2\x1b[31m.example")
    changes = changes_of(tmp_path, hostile)
    text = portfolio_csv([domain_state(changes, [], day(1))], say)
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[1][0] == "'=1+2\\x1b[31m.example"
    assert "\x1b" not in text


def test_the_history_table_shows_escapes_not_interprets_them(tmp_path):
    from mailaudit.render.history import history_table

    evil = StoredFinding("spf.all.softfail", "\x1b]8;;http://x\x07link\x1b[2J", "medium", "t", "d", check="spf")
    changes = changes_of(tmp_path, BEFORE, report([evil], grade="B", score=92))
    text = history_table(DOMAIN, changes, domain_state(changes, [], day(8)), say)
    assert "\x1b" not in text and "\x07" not in text and "\\x1b]8;;http://x\\x07link" in text
