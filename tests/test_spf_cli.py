"""`mailaudit spf DOMAIN [--ip IP ...]` against the test DNS server: table, JSON, exit codes."""

from __future__ import annotations

import json

from mailaudit.cli import main


def run(capsys, server, *args):
    code = main(["spf", *args, "--nameserver", server.address, "--timeout", "0.5"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_table_shows_the_tree_with_counts_then_each_address(dns_server, capsys):
    server = dns_server("spf")
    code, out, _ = run(capsys, server, "toomany.spf.test", "--ip", "94.130.12.31", "--ip", "5.6.7.8",
                       "--format", "table")
    assert code == 1
    lines = out.splitlines()
    root = next(line for line in lines if line.startswith("toomany.spf.test"))
    assert root.split()[2:6] == ["3", "0", "15", "0"]
    assert sum("└ costly" in line for line in lines) == 3
    assert any("│ └ _spf.provider.test" in line for line in lines)
    assert "total: 15 DNS lookups (limit 10), 0 void lookups (limit 2)" in out
    assert any(line.startswith("94.130.12.31") and " pass " in line for line in lines)
    assert any(line.startswith("5.6.7.8") and "permerror" in line for line in lines)
    assert "spf.lookups.exceeded" in out


def test_json_and_clean_exit(dns_server, capsys):
    server = dns_server("spf")
    code, out, _ = run(capsys, server, "good.spf.test", "--ip", "5.9.3.3", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["lookups"] == 2 and doc["voids"] == 0
    assert doc["tree"]["children"][0]["domain"] == "_spf.provider.test"
    assert doc["evaluations"] == [{
        "ip": "5.9.3.3", "result": "pass", "mechanism": "include:_spf.provider.test",
        "domain": "good.spf.test", "explanation": None, "reason": "", "lookups": 1, "voids": 0,
    }]
    assert doc["networks"]["ipv4"] == ["5.9.0.0/16", "94.130.12.0/24"]


def test_fail_with_explanation_and_bad_input(dns_server, capsys):
    server = dns_server("spf")
    code, out, _ = run(capsys, server, "exp.spf.test", "--ip", "94.130.12.4", "--sender", "bob@exp.spf.test",
                       "--format", "json")
    assert code == 1
    [evaluation] = json.loads(out)["evaluations"]
    assert evaluation["result"] == "fail"
    assert evaluation["explanation"] == "94.130.12.4 may not send as bob@exp.spf.test (spf.test)"
    code, _, err = run(capsys, server, "good.spf.test", "--ip", "not-an-ip")
    assert code == 2 and "not-an-ip" in err and "Traceback" not in err


def test_timeout_exits_3(dns_server, capsys):
    server = dns_server("spf")
    server.timeout("_spf.provider.test", "TXT")
    code, out, _ = run(capsys, server, "good.spf.test", "--format", "table")
    assert code == 3 and "error:" in out


def test_hostile_record_text_is_escaped(dns_server, capsys):
    server = dns_server("spf")
    server.add("evil.spf.test", "TXT", '"v=spf1 a:x\\027[31m.evil.spf.test -all"')
    code, out, _ = run(capsys, server, "evil.spf.test", "--format", "table")
    assert code == 1 and "\x1b" not in out
