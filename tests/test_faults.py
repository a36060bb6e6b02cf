"""Fault-injection tier: every fault of "trust nothing the network says" replayed against the
resolver and the CLI, with real servers on loopback. Each test failed before the change.

Times are bounds the docs promise (docs/usage.md, "When DNS misbehaves"), generous for a loaded
2-core machine; they catch "one timeout per question" (tens of seconds), not milliseconds.
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import pytest

from mailaudit import AuditOptions, Auditor, Status
from mailaudit.catalogue import Catalogue
from mailaudit.cli import main
from mailaudit.dnscore.answer import Outcome
from mailaudit.dnscore.resolver import PROBATION, Resolver, TrustStatus

from .dnsserver import DNSServer

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "zones"


def _cli(*args: str, timeout: float = 60, **kw: object) -> subprocess.CompletedProcess[str]:
    kw.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "mailaudit", *args], stderr=subprocess.PIPE, text=True,
                          timeout=timeout, cwd=ROOT, **kw)  # type: ignore[call-overload]


def _provider_zone(server: DNSServer, domains: int) -> list[str]:
    server.data.add_origin("faults.test")
    server.add("_spf.relay.faults.test", "TXT", '"v=spf1 ip4:192.0.2.0/24 -all"')
    names = []
    for i in range(domains):
        name = f"d{i}.faults.test"
        server.add(name, "TXT", '"v=spf1 include:_spf.relay.faults.test -all"')
        server.add(name, "MX", f"10 mx.{name}.")
        server.add(f"mx.{name}", "A", "192.0.2.10")
        names.append(name)
    return names


# -- a resolver that lies -------------------------------------------------------------------


def test_nxdomain_for_everything_is_not_an_absence(dns_server, capsys):
    liar = dns_server().lie()
    code = main(["check", "gmail.com", "--nameserver", liar.address, "--timeout", "0.5", "--format", "json"])
    report = json.loads(capsys.readouterr().out)["reports"][0]
    assert code == 3
    assert report["findings"] == [], "a lying resolver must not produce 'does not exist' findings"
    assert {c["status"] for c in report["checks"]} <= {"error", "skipped"}
    assert any("cannot be trusted" in n and "root zone" in n for n in report["notes"])


def test_lying_resolver_headline_once_in_a_batch_table(dns_server, tmp_path, capsys):
    liar = dns_server().lie()
    listing = tmp_path / "d.txt"
    listing.write_text("a.example\nb.example\nc.example\n")
    code = main(["batch", str(listing), "--nameserver", liar.address, "--no-dnsbl", "--format", "table"])
    out = capsys.readouterr().out
    assert code == 3
    assert out.startswith("WARNING:") and out.count("WARNING:") == 1  # one headline for the whole run


def test_must_exist_catches_a_resolver_that_denies_one_name(dns_server):
    server = dns_server("spf")
    resolver = Resolver([server.address], timeout=0.5, retries=0, must_exist=["nosuch.spf.test"])
    answer = resolver.query_sync("nothere.spf.test", "TXT")
    assert answer.outcome is Outcome.ERROR and "cannot be trusted" in (answer.error or "")
    assert resolver.trust_verdict is not None and resolver.trust_verdict.status is TrustStatus.LYING


def test_an_authoritative_test_server_is_not_called_a_liar(dns_server):
    server = dns_server("spf")  # REFUSED for the root: no verdict, absences still believed
    resolver = Resolver([server.address], timeout=0.5, retries=0)
    assert resolver.query_sync("nothere.spf.test", "TXT").outcome is Outcome.NXDOMAIN
    assert resolver.trust_verdict is not None and resolver.trust_verdict.status is TrustStatus.INCONCLUSIVE


def test_an_authoritative_rig_that_denies_the_root_is_not_called_a_liar(dns_server):
    """A test server answering NXDOMAIN *with AA* outside its zones (as ../shared/testdns does)
    is authoritative-only, not a recursive resolver that lies: its absences are believed."""
    server = dns_server("spf").deny_outside()
    resolver = Resolver([server.address], timeout=0.5, retries=0)
    assert resolver.query_sync("nothere.spf.test", "TXT").outcome is Outcome.NXDOMAIN
    assert resolver.trust_verdict is not None and resolver.trust_verdict.status is TrustStatus.INCONCLUSIVE


# -- a dead nameserver ----------------------------------------------------------------------


def test_silent_nameserver_one_headline_fast_for_one_domain(dns_server, capsys):
    dead = dns_server().silence()
    started = time.monotonic()
    code = main(["check", "example.com", "--nameserver", dead.address, "--timeout", "0.5", "--format", "table"])
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out
    assert code == 3
    assert out.startswith("WARNING:") and out.count("unreachable") >= 1
    assert "No findings." in out and elapsed < 8, elapsed
    # the self-check (root SOA and .invalid, each retried once, one probe for ICMP refusal) and the
    # first round it overlaps (at most PROBATION questions, each retried once); nothing after the verdict
    assert dead.total <= 5 + 2 * PROBATION, dead.total


def test_silent_nameserver_batch_of_100_within_the_same_bound(dns_server, tmp_path, capsys):
    dead = dns_server().silence()
    listing = tmp_path / "d.txt"
    listing.write_text("\n".join(f"d{i}.example" for i in range(100)) + "\n")
    started = time.monotonic()
    code = main(["batch", str(listing), "--nameserver", dead.address, "--timeout", "0.5", "--format", "jsonl"])
    elapsed = time.monotonic() - started
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert code == 3 and len(lines) == 100
    assert all(any("unreachable" in n for n in r["notes"]) for r in lines)
    assert elapsed < 15, elapsed  # the self-check once (2 x timeout), not 100 x the timeouts


def test_closed_port_is_reported_as_refused(capsys):
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now: the kernel answers ICMP port unreachable
    code = main(["check", "example.com", "--nameserver", f"127.0.0.1:{port}", "--timeout", "0.5",
                 "--format", "json"])
    report = json.loads(capsys.readouterr().out)["reports"][0]
    assert code == 3
    assert any("connection refused" in n for n in report["notes"])


# -- brief failures -------------------------------------------------------------------------


def test_a_failure_expires_and_later_domains_of_the_batch_pass(dns_server):
    server = dns_server()
    names = _provider_zone(server, 12)
    server.fail_for("_spf.relay.faults.test", 1.0)
    resolver = Resolver([server.address], timeout=0.3, retries=0, failure_ttl=0.2)
    auditor = Auditor(resolver, AuditOptions(checks=("spf",)), Catalogue.load())

    async def run() -> list[Status]:
        statuses = []
        for name in names:  # one after another: the provider recovers during the batch
            report = await auditor.audit(name)
            statuses.append(report.check("spf").status)
            await asyncio.sleep(0.1)
        return statuses

    statuses = resolver.run_sync(run)
    assert statuses[0] is Status.ERROR, "while the include times out, the check cannot tell"
    assert statuses[-1] is Status.PASS, f"after it recovered the failure must not be reused: {statuses}"


def test_an_absence_stays_cached_for_the_run(dns_server):
    server = dns_server("spf")
    resolver = Resolver([server.address], timeout=0.5, retries=0, failure_ttl=0.0)

    async def twice() -> None:
        await resolver.query("nothere.spf.test", "TXT")
        await asyncio.sleep(0.05)
        await resolver.query("nothere.spf.test", "TXT")

    resolver.run_sync(twice)
    assert server.count("nothere.spf.test", "TXT") == 1


# -- transport hardening --------------------------------------------------------------------


@pytest.mark.parametrize("transport", ["lean", "dnspython"])
def test_cname_loop_at_an_include_is_an_error_not_a_missing_record(dns_server, transport):
    server = dns_server()
    server.data.add_origin("loops.test")
    server.add("loops.test", "TXT", '"v=spf1 include:inc.loops.test -all"')
    server.add("inc.loops.test", "CNAME", "inc2.loops.test.")
    server.add("inc2.loops.test", "CNAME", "inc.loops.test.")
    resolver = Resolver([server.address], timeout=0.5, retries=0, transport=transport)
    auditor = Auditor(resolver, AuditOptions(checks=("spf",)), Catalogue.load())
    report = resolver.run_sync(lambda: auditor.audit("loops.test"))
    check = report.check("spf")
    assert check.status is Status.ERROR and "loop" in (check.error or "")
    assert not any(f.id == "spf.include.missing" for f in check.findings)


def test_tcp_answer_to_another_question_is_refused(dns_server):
    server = dns_server("spf").tcp_mismatch("basic.spf.test")
    resolver = Resolver([server.address], timeout=0.5, retries=0)
    answer = resolver.query_sync("basic.spf.test", "TXT")
    assert answer.outcome is Outcome.ERROR and "does not match" in (answer.error or "")


def test_non_canonical_ipv6_nameserver_is_answered(dns_server):
    try:
        server = DNSServer(host="::1")
        server.load(pathlib.Path(__file__).parent / "zones" / "spf").start()
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    try:
        for spelled in (f"[0:0:0:0:0:0:0:1]:{server.port}", f"[0::1]:{server.port}"):
            resolver = Resolver([spelled], timeout=0.5, retries=0)
            assert resolver.query_sync("basic.spf.test", "TXT").outcome is Outcome.ANSWER, spelled
    finally:
        server.stop()


def test_sync_api_closes_its_sockets(dns_server):
    server = dns_server("spf")
    code = (
        "import gc, warnings\n"
        "warnings.simplefilter('error')\n"
        "from mailaudit import audit\n"
        f"for _ in range(3): audit('basic.spf.test', nameservers=['{server.address}'], timeout=0.5, dnsbl=False)\n"
        "gc.collect()\n"
    )
    run = subprocess.run([sys.executable, "-W", "error", "-X", "dev", "-c", code], capture_output=True, text=True,
                         timeout=60, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "ResourceWarning" not in run.stderr and "unclosed" not in run.stderr, run.stderr


# -- output and input at the edges ----------------------------------------------------------


def test_full_disk_is_one_line_and_exit_2():
    with open("/dev/full", "w") as full:
        run = _cli("check", "batikmurni.example", "--offline", "--zone", str(EXAMPLE), "--format", "json",
                   stdout=full)
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0 and "cannot write the output" in run.stderr


def test_closed_stdout_is_quiet_and_exit_2():
    closed = subprocess.run(f"{sys.executable} -m mailaudit check batikmurni.example --offline --zone {EXAMPLE} "
                            "--format json >&-", shell=True, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert closed.returncode == 2 and "Traceback" not in closed.stderr, closed.stderr


def test_file_size_limit_is_one_line_and_exit_2(tmp_path):
    import resource

    out = tmp_path / "out.json"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))

    with out.open("w") as fh:
        run = _cli("check", "batikmurni.example", "--offline", "--zone", str(EXAMPLE), "--format", "json",
                   stdout=fh, preexec_fn=limit)
    assert run.returncode == 2 and "cannot write the output" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("args", [
    ["check", "x.example", "--offline", "--zone", "/dev/zero"],
    ["batch", "/dev/zero", "--offline", "--zone", str(EXAMPLE)],
])
def test_endless_files_are_refused(args, capsys):
    assert main(args) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_fifo_does_not_block(tmp_path, capsys):
    fifo = tmp_path / "domains"
    os.mkfifo(fifo)
    assert main(["batch", str(fifo), "--offline", "--zone", str(EXAMPLE)]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_later_origin_is_scoped_not_the_zone_origin(tmp_path, capsys):
    zone = tmp_path / "whatif.test.zone"
    zone.write_text("@ SOA ns.whatif.test. h.whatif.test. 1 3600 600 86400 60\n"
                    "@ MX 10 mx.whatif.test.\n@ TXT \"v=spf1 mx -all\"\nmx A 192.0.2.1\n"
                    "$ORIGIN sub.whatif.test.\nhost A 192.0.2.2\n")
    code = main(["check", "whatif.test", "--offline", "--zone", str(zone), "--no-dnsbl", "--format", "json"])
    report = json.loads(capsys.readouterr().out)["reports"][0]
    assert code != 2
    assert report["domain"] == "whatif.test"
    spf = next(c for c in report["checks"] if c["id"] == "spf")
    assert spf["data"]["record"] == "v=spf1 mx -all", "the what-if zone must apply to the domain"


@pytest.mark.parametrize("args", [["--dnsbl", "bad zone!"], ["--spamhaus-dqs-key", "x y"]])
def test_bad_option_values_fail_before_any_lookup(dns_server, args, capsys):
    server = dns_server("spf")
    assert main(["check", "basic.spf.test", "--nameserver", server.address, *args]) == 2
    assert server.total == 0


def test_batch_lines_split_on_newline_only(tmp_path, capsys):
    listing = tmp_path / "d.txt"
    listing.write_text("batikmurni.example\fexample.example\u2028other.example\n", encoding="utf-8")
    assert main(["batch", str(listing), "--offline", "--zone", str(EXAMPLE)]) == 2
    assert "line 1" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["table", "html"])
def test_ctrl_c_renders_what_finished(dns_server, tmp_path, fmt):
    server = dns_server("spf")
    server.timeout("slow.spf.test")
    listing = tmp_path / "d.txt"
    listing.write_text("basic.spf.test\nslow.spf.test\n")
    proc = subprocess.Popen([sys.executable, "-m", "mailaudit", "batch", str(listing), "--nameserver", server.address,
                             "--timeout", "20", "--no-dnsbl", "--format", fmt, "--concurrency", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    deadline = time.monotonic() + 30
    while server.count("basic.spf.test", "MX") == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)  # the quick domain finishes; the slow one waits on its timeout
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "the run was interrupted" in out and "basic.spf.test" in out and "slow.spf.test" not in out
