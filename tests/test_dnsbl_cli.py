"""`mailaudit blocklist IP|DOMAIN ...` against the test DNS server: output, exit codes, refusals."""

from __future__ import annotations

import json

import pytest

from mailaudit.cli import main


def run(capsys, server, *args):
    code = main(["blocklist", *args, "--nameserver", server.address, "--timeout", "0.5"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_listed_address_and_domain_exit_1(dns_server, capsys):
    server = dns_server("dnsbl")
    code, out, _ = run(capsys, server, "94.130.13.66", "spammy.dnsbl.test", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["version"] == 1 and doc["listed"] == 5 and doc["errors"] == []
    listed = {(r["target"], r["zone"]) for r in doc["results"] if r["status"] == "listed"}
    assert ("94.130.13.66", "zen.spamhaus.org") in listed
    assert ("spammy.dnsbl.test", "dbl.spamhaus.org") in listed
    zen = next(r for r in doc["results"] if r["zone"] == "zen.spamhaus.org")
    assert zen["meanings"][0]["label"] == "XBL" and zen["delist"] == "https://check.spamhaus.org/"
    assert "Listed by XBL" in zen["txt"]
    assert {f["id"] for f in doc["findings"]} >= {"dnsbl.ip.listed", "dnsbl.domain.listed",
                                                  "dnsbl.list.unusable"}


def test_refusal_only_exits_0_and_counts_no_listing(dns_server, capsys):
    server = dns_server("dnsbl")
    code, out, _ = run(capsys, server, "94.130.13.77", "refused.dnsbl.test", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["listed"] == 0 and doc["refused"] == 4
    assert not [f for f in doc["findings"] if f["id"].endswith(".listed")]
    assert {f["severity"] for f in doc["findings"]} == {"info"}


def test_table_output(dns_server, capsys):
    server = dns_server("dnsbl")
    code, out, _ = run(capsys, server, "94.130.13.66", "--dnsbl", "zen.spamhaus.org", "--format", "table")
    assert code == 1
    assert "XBL: exploited host" in out and "delisting for zen.spamhaus.org: https://check.spamhaus.org/" in out
    assert "1 listing(s), 0 refusal(s)" in out


def test_failed_lookup_exits_3(dns_server, capsys):
    server = dns_server("dnsbl")
    server.timeout("10.13.130.94.bl.spamcop.net", "A")
    code, out, _ = run(capsys, server, "94.130.13.10", "--dnsbl", "bl.spamcop.net", "--format", "json")
    assert code == 3
    assert "timeout" in json.loads(out)["errors"][0]


def test_dqs_key_option(dns_server, capsys):
    server = dns_server("dnsbl")
    code, out, _ = run(capsys, server, "94.130.13.66", "--dnsbl", "zen.spamhaus.org",
                       "--spamhaus-dqs-key", "goodkey123", "--format", "json")
    assert code == 1 and "goodkey123" not in out
    assert server.count("66.13.130.94.goodkey123.zen.dq.spamhaus.net", "A") == 1


@pytest.mark.parametrize("args", [["10.1.2.3"], ["not a domain!"], ["94.130.13.66", "--dnsbl", "bad zone"],
                                  ["94.130.13.66", "--spamhaus-dqs-key", "x.y"]])
def test_bad_input_exits_2_with_one_line(dns_server, capsys, args):
    server = dns_server("dnsbl")
    code, out, err = run(capsys, server, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("mailaudit: ")
