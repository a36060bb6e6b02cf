"""batch --output FILE, --resume and --shard K/N against the project's DNS server on loopback.

A resumed batch must give the same reports as one that ran through, and ask DNS only about the
domains its output file lacks (counted at the server); a torn last line is re-audited.
"""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

from mailaudit.batchfile import Completed, parse_shard, read_completed, shard_of
from mailaudit.cli import main
from mailaudit.errors import InputError

from .batchdata import BLOCKLIST, client_domains, write_list, write_zones
from .dnsserver import DNSServer

DOMAINS = client_domains(24)


def cli(server: DNSServer, *args: str) -> int:
    return main(["batch", *args, "--nameserver", server.address, "--timeout", "2", "--dnsbl", BLOCKLIST])


def lines_of(path: pathlib.Path) -> list[str]:
    return sorted(path.read_text().splitlines())


def domain_of(line: str) -> str:
    return str(json.loads(line)["domain"])


@pytest.fixture
def served(dns_server, tmp_path):  # type: ignore[no-untyped-def]
    server = dns_server()
    server.load(write_zones(tmp_path / "zones", DOMAINS))
    return server, write_list(tmp_path / "clients.txt", DOMAINS)


def test_resumed_batch_equals_uninterrupted_and_asks_only_about_the_missing(served, tmp_path) -> None:
    server, clients = served
    full = tmp_path / "full.jsonl"
    full_code = cli(server, str(clients), "--format", "jsonl", "--output", str(full))
    assert full_code == 1 and len(lines_of(full)) == len(DOMAINS)
    by_domain = {domain_of(line): line for line in lines_of(full)}

    part = tmp_path / "part.jsonl"  # an earlier run that covered only half the list ...
    assert cli(server, str(clients), "--output", str(part), "--shard", "1/2") in (0, 1)
    done = {domain_of(line) for line in lines_of(part)}
    torn = next(d for d in DOMAINS if d not in done)
    with part.open("a") as fh:  # ... and was killed in the middle of the next line
        fh.write(by_domain[torn][: len(by_domain[torn]) // 2])
    assert 0 < len(done) < len(DOMAINS)

    server.reset()
    assert cli(server, str(clients), "--output", str(part), "--resume") == full_code
    assert lines_of(part) == lines_of(full)
    assert part.read_text().endswith("\n")
    for domain in DOMAINS:
        expected = 0 if domain in done else 1
        assert server.count(f"_dmarc.{domain}", "TXT") == expected, domain
        assert server.count(domain, "MX") == expected, domain
    assert server.repeated() == {}

    server.reset()  # nothing left to do: no question about any client
    assert cli(server, str(clients), "--output", str(part), "--resume") == full_code
    assert lines_of(part) == lines_of(full)
    assert not any(server.count(domain, "MX") for domain in DOMAINS)


def test_a_killed_run_leaves_whole_lines_and_resumes(dns_server, tmp_path) -> None:
    server = dns_server(delay=0.03)
    server.load(write_zones(tmp_path / "zones", DOMAINS))
    clients = write_list(tmp_path / "clients.txt", DOMAINS)
    out = tmp_path / "out.jsonl"
    args = ["batch", str(clients), "--nameserver", server.address, "--timeout", "2", "--dnsbl", BLOCKLIST,
            "--concurrency", "1", "-o", str(out)]
    proc = subprocess.Popen([sys.executable, "-m", "mailaudit", *args, "--format", "jsonl"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if out.exists() and out.read_text().count("\n") >= 3:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    written = out.read_text()
    assert 3 <= written.count("\n") < len(DOMAINS), "the run should have been stopped in the middle"
    assert all(json.loads(line)["domain"] for line in written.split("\n")[:-1])  # whole lines
    assert main([*args[:-2], "-o", str(out), "--resume"]) == 1
    reference = tmp_path / "reference.jsonl"
    assert main([*args[:-2], "-o", str(reference), "--format", "jsonl"]) == 1
    assert lines_of(out) == lines_of(reference)


def test_other_formats_are_written_whole(served, tmp_path, capsys) -> None:
    server, clients = served
    assert cli(server, str(clients), "--format", "json") == 1
    shown = capsys.readouterr().out
    target = tmp_path / "audit.json"
    target.write_text("old")
    assert cli(server, str(clients), "--output", str(target)) == 1  # json by the extension
    assert capsys.readouterr().out == ""
    assert json.loads(target.read_text()) == json.loads(shown)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.json", "clients.txt", "zones"]


def test_shards_split_by_a_stable_hash() -> None:
    shard_sets = [{d for d in DOMAINS if parse_shard(f"{k}/4").holds(d)} for k in range(1, 5)]
    assert set().union(*shard_sets) == set(DOMAINS) and sum(map(len, shard_sets)) == len(DOMAINS)
    assert shard_of("example.com", 1000) == shard_of("EXAMPLE.com.", 1000) == 310  # fixed by SHA-256, not by hash()
    for bad in ("0/3", "4/3", "1", "a/b", "1/0", "-1/2", "1/2000000"):
        with pytest.raises(InputError):
            parse_shard(bad)


def test_read_completed_drops_a_torn_line(tmp_path) -> None:
    path = tmp_path / "out.jsonl"
    assert read_completed(path, None) == Completed()
    whole = '{"domain":"a.test","checks":[{"id":"spf","status":"error"}],"findings":[]}\n'
    high = '{"domain":"b.test","checks":[],"findings":[{"id":"spf.missing","subject":"b.test","severity":"high"}]}\n'
    path.write_text(whole + "\n" + high + '{"domain":"c.test","checks":[]}')  # c.test: no newline yet
    done = read_completed(path, parse_fail_on("high"))
    assert done.domains == {"a.test", "b.test"} and (done.failing, done.incomplete) == (1, 1)
    assert path.read_text() == whole + "\n" + high
    assert done.exit_code(0) == 1 and Completed(incomplete=1).exit_code(0) == 3
    assert read_completed(path, None, frozenset()).failing == 0
    assert read_completed(path, parse_fail_on("high"), frozenset({("b.test", "spf.missing", "b.test")})).failing == 0
    path.write_text('{"not": "a report"}\n')
    with pytest.raises(InputError):
        read_completed(path, None)


def parse_fail_on(text: str):  # type: ignore[no-untyped-def]
    from mailaudit.model import Severity

    return Severity(text)


@pytest.mark.parametrize("extra", [["--resume"], ["--resume", "-o", "{tmp}/x.json", "--format", "json"],
                                   ["--resume", "-o", "/dev/null"],
                                   ["--resume", "-o", "{tmp}/x.jsonl", "--format", "table"],
                                   ["-o", "{tmp}"], ["-o", "{tmp}/no/such/x.jsonl"], ["--shard", "2/1"],
                                   ["--chunk-size", "0"]])
def test_option_errors_are_one_line(extra, tmp_path) -> None:
    clients = write_list(tmp_path / "clients.txt", DOMAINS[:2])
    args = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    result = subprocess.run([sys.executable, "-m", "mailaudit", "batch", str(clients), "--offline", "--zone",
                             str(write_zones(tmp_path / "zones", DOMAINS[:2])), *args],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
