"""Follow-up end to end: check before and after fixes (zone files, offline), diff the runs, and
--baseline making the exit code count only findings that are not known debt."""

from __future__ import annotations

import json
import pathlib

import pytest
from click.testing import CliRunner

from mailaudit.cli import main_group

ZONES = pathlib.Path(__file__).resolve().parent / "zones" / "followup"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main_group, list(args), standalone_mode=False)
    if result.exception is not None:
        raise result.exception
    return int(result.return_value or 0), result.output


def check(stage: str, *extra: str) -> tuple[int, str]:
    return run("check", "shop.test", "--offline", "--zone", str(ZONES / stage), "--no-dnsbl", *extra)


@pytest.fixture
def runs(tmp_path):
    paths = {}
    for stage in ("before", "after"):
        _, out = check(stage, "--format", "json")
        paths[stage] = tmp_path / f"{stage}.json"
        paths[stage].write_text(out, encoding="utf-8")
    _, out = check("after", "--format", "jsonl")
    paths["after.jsonl"] = tmp_path / "after.jsonl"
    paths["after.jsonl"].write_text(out, encoding="utf-8")
    return paths


def ids(findings):
    return sorted((f["id"], f["subject"]) for f in findings)


def test_diff_lists_fixed_new_and_open(runs):
    code, out = run("diff", str(runs["before"]), str(runs["after"]), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["version"] == 1
    [row] = data["domains"]
    assert row["domain"] == "shop.test"
    assert ids(row["fixed"]) == [("dmarc.missing", "shop.test"), ("mx.host.unresolvable", "backup.shop.test"),
                                 ("spf.all.pass", "shop.test")]
    assert ids(row["new"]) == [("dmarc.policy.none", "_dmarc.shop.test")]
    assert ("mx.host.cname", "alias.shop.test") in ids(row["open"])
    # jsonl output reads the same; the table is for people
    code, out = run("diff", str(runs["before"]), str(runs["after.jsonl"]), "--format", "json")
    assert ids(json.loads(out)["domains"][0]["new"]) == [("dmarc.policy.none", "_dmarc.shop.test")]
    code, table = run("diff", str(runs["before"]), str(runs["after"]), "--format", "table")
    assert "fixed 3, new 1" in table


def test_baseline_counts_only_new_findings(runs):
    assert check("before")[0] == 1  # critical and high findings
    assert check("before", "--baseline", str(runs["before"]))[0] == 0  # all known debt
    assert check("after", "--fail-on", "medium")[0] == 1
    # only dmarc.policy.none is new since the baseline, and it is medium
    assert check("after", "--fail-on", "medium", "--baseline", str(runs["before"]))[0] == 1
    assert check("after", "--fail-on", "high", "--baseline", str(runs["before"]))[0] == 0
    assert check("after", "--fail-on", "medium", "--baseline", str(runs["after.jsonl"]))[0] == 0
    # a regression: the old problems come back, compared with the fixed state
    assert check("before", "--baseline", str(runs["after"]))[0] == 1


def test_baseline_file_must_exist(tmp_path):
    from mailaudit.cli import main

    assert main(["check", "shop.test", "--offline", "--zone", str(ZONES / "after"), "--no-dnsbl",
                 "--baseline", str(tmp_path / "missing.json")]) == 2
