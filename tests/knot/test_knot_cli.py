"""The CLI end to end against knotd: exit codes, JSON and JSONL, timeouts as errors."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

pytestmark = pytest.mark.knot

LISTS = ["--dnsbl", "bl.knot.test"]


def mailaudit(knot: Any, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "mailaudit", *args, "--nameserver", knot.address, *LISTS]
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=120)


def report_of(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    data = json.loads(proc.stdout)
    [report] = data["reports"]
    assert isinstance(report, dict)
    return report


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in report["checks"]}


def ids(report: dict[str, Any]) -> set[str]:
    return {f["id"] for f in report["findings"]}


def expect_if_built(report: dict[str, Any], check: str, finding: str) -> None:
    """Checks still being built report 'skipped'; once they run, the finding must be there."""
    if statuses(report)[check] != "skipped":
        assert finding in ids(report), (check, report["findings"])


def test_good_domain_exits_0(knot: Any) -> None:
    proc = mailaudit(knot, "check", "good.knot.test", "--format", "json", "--dkim-selector", "mail")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = report_of(proc)
    assert report["domain"] == "good.knot.test"
    assert statuses(report)["mx"] == "pass"
    assert "error" not in statuses(report).values()
    assert not [f for f in report["findings"] if f["severity"] in ("critical", "high")]


def test_broken_domain_exits_1_with_ids(knot: Any) -> None:
    proc = mailaudit(knot, "check", "broken.knot.test", "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    report = report_of(proc)
    assert "mx.missing" in ids(report)
    expect_if_built(report, "spf", "spf.all.pass")
    expect_if_built(report, "dmarc", "dmarc.missing")
    assert "error" not in statuses(report).values()


def test_listed_mx_address(knot: Any) -> None:
    proc = mailaudit(knot, "check", "listed.knot.test", "--format", "json")
    report = report_of(proc)
    assert statuses(report)["mx"] in ("pass", "warn")
    if statuses(report)["dnsbl"] != "skipped":
        assert proc.returncode == 1
        listed = [f for f in report["findings"] if f["id"] == "dnsbl.ip.listed"]
        assert listed and "94.130.200.20" in json.dumps(listed)


def test_timeout_is_error_exit_3(knot: Any) -> None:
    proc = mailaudit(knot, "check", "slow.knot.test", "--format", "json", "--timeout", "0.3")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    report = report_of(proc)
    mx = next(c for c in report["checks"] if c["id"] == "mx")
    assert mx["status"] == "error" and "timeout" in mx["error"]
    assert not [f for f in report["findings"] if f["id"].endswith((".missing", ".not_found"))]


def test_batch_jsonl(knot: Any) -> None:
    domains = "# clients\ngood.knot.test\nbroken.knot.test  # no MX\n\nslow.knot.test\nGOOD.knot.test.\n"
    proc = mailaudit(knot, "batch", "-", "--format", "jsonl", "--timeout", "0.3", stdin=domains)
    assert proc.returncode == 1, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert sorted(r["domain"] for r in lines) == ["broken.knot.test", "good.knot.test", "slow.knot.test"]
    by_domain = {r["domain"]: r for r in lines}
    assert "mx.missing" in ids(by_domain["broken.knot.test"])
    assert statuses(by_domain["slow.knot.test"])["mx"] == "error"
    assert statuses(by_domain["good.knot.test"])["mx"] == "pass"


def test_questions_are_not_repeated(knot: Any) -> None:
    knot.reset()
    domains = "good.knot.test\nbroken.knot.test\nlisted.knot.test\n"
    proc = mailaudit(knot, "batch", "-", "--format", "jsonl", stdin=domains)
    assert proc.returncode == 1, proc.stderr
    stats = knot.stats()
    assert stats.total > 10
    assert stats.repeated == 0, stats.worst
