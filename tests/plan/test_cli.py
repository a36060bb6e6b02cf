"""`mailaudit plan` end to end against the project's DNS test server (tests/dnsserver.py):
realistic client zones in tests/zones/plan, answers with their real TTLs."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from typing import Any

import jsonschema
import pytest

from mailaudit.dnscore.resolver import run_sync

from ..conftest import resolver_for

ZONES = "plan"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "import sys; from mailaudit.cli import main; sys.exit(main())",
                           *args], capture_output=True, text=True, timeout=120)


SCHEMA = json.loads((pathlib.Path(__file__).resolve().parents[2] / "docs" / "schema" / "plan.schema.json")
                    .read_text(encoding="utf-8"))


def plan_json(server: Any, *args: str) -> tuple[int, dict[str, Any]]:
    result = run_cli("plan", *args, "--nameserver", server.address, "--timeout", "1", "--format", "json")
    assert result.stderr == "" or result.returncode == 3, result.stderr
    out = json.loads(result.stdout)
    jsonschema.validate(out, SCHEMA)  # every plan the tests make keeps the documented shape
    return result.returncode, out


def test_the_server_gives_the_zone_ttl(dns_server: Any) -> None:
    server = dns_server(ZONES)
    answer = run_sync(lambda: resolver_for(server).query("tokobaju.example", "MX"))
    assert answer.ttl == 86400


def test_own_server_moving_to_a_two_host_filter_with_a_one_day_ttl(dns_server: Any) -> None:
    server = dns_server(ZONES)
    code, out = plan_json(server, "tokobaju.example", "--mx-to", "relaycloud", "--verify")
    assert code == 0
    steps = {s["phase"]: s for s in out["steps"]}
    assert list(steps) == ["prepare", "lower_ttl", "switch", "lock", "raise_ttl"]
    lower = steps["lower_ttl"]
    assert lower["remove"] == [{"name": "tokobaju.example.", "type": "MX", "value": "10 mail.tokobaju.example.",
                                "ttl": 86400}]
    assert lower["publish"][0]["ttl"] == 300 and lower["wait_seconds"] == 86400
    assert lower["verify"][0]["status"] == "pending"  # read from DNS: the TTL is still a day
    assert out["next_step"] == lower["step"] == 2
    assert "--verify" in lower["verify"][0]["command"]
    assert [r["value"] for r in steps["switch"]["publish"]] == ["10 mx1.filter.relaycloud.example.",
                                                                "20 mx2.filter.relaycloud.example."]
    assert steps["lock"]["verify"][0]["command"] == "mailaudit check tokobaju.example --smtp"
    assert steps["prepare"]["publish"][0]["value"] == \
        "v=spf1 a:mail.tokobaju.example include:spf.relaycloud.example -all"
    assert steps["raise_ttl"]["publish"][0]["ttl"] == 86400
    assert out["self_check"] == {"ok": True, "problems": [], "new_findings": []}
    assert set(out) >= {"version", "domain", "lang", "notes", "steps"}  # the fix plan's shape
    assert set(steps["switch"]) >= {"step", "phase", "title", "why", "publish", "remove", "actions", "findings",
                                    "wait", "later"}


def test_relay_whose_include_pushes_spf_to_eleven_lookups(dns_server: Any) -> None:
    server = dns_server(ZONES)
    code, out = plan_json(server, "kopi.example", "--relay", "relaycloud")
    assert code == 0, out
    spf = next(s for s in out["steps"] if s["phase"] == "spf")
    assert spf["publish"][0]["value"] == ("v=spf1 include:_spf.google.example include:spf.protection.outlook.example"
                                          " include:servers.news.example mx a include:spf.relaycloud.example ~all")
    assert any("`ptr`" in w for w in spf["why"]) and "10 (limit 10)" in spf["why"][0]
    assert [s["phase"] for s in out["steps"]] == ["dkim", "spf", "route", "align"]
    assert out["self_check"]["ok"]  # the overlay: SPF within 10, the relay's addresses pass


def test_client_already_on_the_filter_needs_no_change(dns_server: Any) -> None:
    server = dns_server(ZONES)
    code, out = plan_json(server, "sudahaman.example", "--mx-to", "mx1.filter.relaycloud.example,"
                                                                  "mx2.filter.relaycloud.example")
    assert code == 0 and out["steps"] == [] and "nothing else" in out["notes"][0]
    text = run_cli("plan", "sudahaman.example", "--mx-to", "relaycloud", "--nameserver", server.address,
                   "--lang", "id")
    assert "Tidak ada yang perlu diubah." in text.stdout and text.returncode == 0


def test_a_timeout_is_not_an_absence(dns_server: Any) -> None:
    server = dns_server(ZONES)
    server.timeout("tokobaju.example", "MX")
    code, out = plan_json(server, "tokobaju.example", "--mx-to", "relaycloud")
    assert code == 3 and out["steps"] == [] and out["blocked"]
    assert "could not be read" in out["notes"][0]


def test_over_the_limit_without_a_safe_drop_exits_1_and_publishes_nothing(dns_server: Any) -> None:
    server = dns_server(ZONES)
    code, out = plan_json(server, "kopi.example", "--relay", "include:_spf.google.example")
    assert code == 0 and not any(s["phase"] == "spf" for s in out["steps"])  # already included
    code, out = plan_json(server, "kopi.example", "--relay", "_spf.esp.example")  # 10 + 2, ptr saves only 1
    spf = next(s for s in out["steps"] if s["phase"] == "spf")
    assert code == 1 and out["blocked"]
    assert spf["publish"] == [] and spf["remove"] == []
    assert "include:_spf.google.example (4)" in spf["actions"][0] and "11 lookups" in spf["actions"][0]


@pytest.mark.parametrize("args", [["x.example"], ["x.example", "--mx-to", "nosuch"],
                                  ["x.example", "--relay", "relaycloud", "--param", "bad"],
                                  ["not a domain", "--mx-to", "relaycloud"]])
def test_bad_usage_is_one_line_exit_2(args: list[str]) -> None:
    result = run_cli("plan", *args, "--offline", "--zone", "examples/zones")
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_docs_show_the_current_plan_of_the_shipped_example() -> None:
    root = pathlib.Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", "import sys; from mailaudit.cli import main; sys.exit(main())",
                             "plan", "batikmurni.example", "--mx-to", "relaycloud", "--relay", "relaycloud",
                             "--offline", "--zone", "examples/zones"], capture_output=True, text=True, cwd=root,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    shown = "\n".join(("    " + line) if line else "" for line in result.stdout.rstrip("\n").split("\n"))
    assert shown in (root / "docs" / "plan.md").read_text(encoding="utf-8")


def test_relay_given_as_an_include_is_checked_with_its_own_addresses(dns_server: Any) -> None:
    server = dns_server(ZONES)
    code, out = plan_json(server, "tokobaju.example", "--relay", "include:_spf.esp.example", "--verify")
    assert code == 0 and out["self_check"]["ok"], out["self_check"]
    spf = next(s for s in out["steps"] if s["phase"] == "spf")
    assert spf["publish"][0]["value"] == "v=spf1 mx include:spf.relaycloud.example include:_spf.esp.example -all"
    assert [v["status"] for v in spf["verify"]] == ["pending", "done"]  # not included yet; within 10 already


def test_a_mistyped_filter_host_fails_the_self_check(dns_server: Any) -> None:
    server = dns_server(ZONES)
    code, out = plan_json(server, "tokobaju.example", "--mx-to", "mx1.fitler.relaycloud.example")
    assert code == 1 and not out["self_check"]["ok"]
    assert {"id": "mx.host.unresolvable", "severity": "high", "subject": "mx1.fitler.relaycloud.example"} in \
        out["self_check"]["new_findings"]


def test_hostile_records_reach_no_terminal_unescaped(dns_server: Any) -> None:
    server = dns_server(ZONES)
    server.add("evil.tokobaju.example", "MX", "10 mail.tokobaju.example.")
    server.add("evil.tokobaju.example", "TXT", '"v=spf1 include:\\027[31mred.example \\007 -all"')
    result = run_cli("plan", "evil.tokobaju.example", "--relay", "relaycloud", "--nameserver", server.address)
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout and result.returncode in (0, 1, 3)
    assert "Traceback" not in result.stderr


def test_relay_include_unanswered_exits_3_missing_exits_1(dns_server: Any) -> None:
    server = dns_server(ZONES)
    server.timeout("_n1.esp.example", "TXT")
    code, out = plan_json(server, "tokobaju.example", "--relay", "_spf.esp.example")
    assert code == 3 and out["blocked"] and not any(s["phase"] == "spf" for s in out["steps"])
    code, out = plan_json(server, "tokobaju.example", "--relay", "_nothing.esp.example")
    assert code == 1 and out["blocked"]


def test_null_mx_goes_with_the_switch(dns_server: Any) -> None:
    server = dns_server(ZONES)
    code, out = plan_json(server, "kosong.example", "--mx-to", "relaycloud")
    switch = next(s for s in out["steps"] if s["phase"] == "switch")
    assert [r["value"] for r in switch["remove"]] == ["0 ."]
    assert not any(s["phase"] == "lock" for s in out["steps"])  # no old server to lock
    assert code == 0 and out["self_check"]["ok"], out["self_check"]
