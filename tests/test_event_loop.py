"""Both event loops (asyncio's and uvloop, the ``fast`` extra) give the same results: the lean
transport's outcomes, and a whole batch's output line for line."""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import subprocess
import sys

import dns.rdataclass
import dns.rdatatype
import dns.zone
import pytest

from mailaudit.dnscore.answer import Outcome
from mailaudit.dnscore.loop import loop_factory, loop_name
from mailaudit.dnscore.resolver import Resolver
from mailaudit.errors import InputError

ROOT = pathlib.Path(__file__).resolve().parents[1]
ZONE = ROOT / "tests" / "zones" / "resolver" / "res.test.zone"
LOOPS = ("asyncio", "uvloop")

pytest.importorskip("uvloop")


def test_the_choice_of_loop():
    assert loop_name(loop_factory("asyncio")()) == "asyncio"
    loop = loop_factory("uvloop")()
    assert loop_name(loop) == "uvloop"
    loop.close()
    assert loop_factory("auto") is loop_factory("uvloop")  # installed: the default
    with pytest.raises(InputError):
        loop_factory("twisted")


@pytest.mark.parametrize("loop", LOOPS)
def test_lean_transport_outcomes_on_each_loop(dns_server, monkeypatch, loop):
    monkeypatch.setenv("MAILAUDIT_EVENT_LOOP", loop)
    server = dns_server()
    server.load(ZONE)
    server.timeout("a.res.test", "MX")
    server.truncate("big.res.test")
    r = Resolver([server.address], timeout=0.3, retries=0)

    async def ask_all() -> list:
        assert loop_name(asyncio.get_running_loop()) == loop
        return await asyncio.gather(*(r.query(n, t) for n, t in (
            ("a.res.test", "A"), ("a.res.test", "AAAA"), ("nope.res.test", "A"), ("a.res.test", "MX"),
            ("alias.res.test", "A"), ("example.org", "A"), ("big.res.test", "TXT"), ("loop1.res.test", "A"))))

    a, aaaa, nope, mx, alias, refused, big, loop_ = r.run_sync(ask_all)
    assert a.addresses() == ["94.130.12.1"] and aaaa.outcome is Outcome.NODATA
    assert nope.outcome is Outcome.NXDOMAIN and mx.error == "timeout" and refused.error == "REFUSED"
    assert alias.addresses() == ["94.130.12.1"] and len(big.txt()[0]) == 250 * 240  # over TCP
    assert loop_.outcome is Outcome.ERROR and "loop" in (loop_.error or "")


def test_a_batch_is_the_same_on_both_loops(dns_server, tmp_path):
    server = dns_server("realworld_like")
    zone = dns.zone.from_file(str(ROOT / "tests" / "zones" / "realworld_like" / "realworld.test.zone"),
                              "realworld.test.", relativize=False)
    names = sorted({n.to_text(omit_final_dot=True) for n, node in zone.nodes.items()
                    if node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.MX) is not None})
    listing = tmp_path / "domains.txt"
    listing.write_text("\n".join(names) + "\n")
    outputs = {}
    for loop in LOOPS:
        run = subprocess.run([sys.executable, "-m", "mailaudit", "batch", str(listing), "--nameserver", server.address,
                              "--no-dnsbl", "--format", "jsonl", "--fail-on", "never"], cwd=ROOT, capture_output=True,
                             text=True, env={**os.environ, "MAILAUDIT_EVENT_LOOP": loop}, timeout=120)
        assert run.returncode == 0, run.stderr
        outputs[loop] = sorted(run.stdout.splitlines())
    assert len(outputs["asyncio"]) == len(names) > 5
    assert outputs["asyncio"] == outputs["uvloop"]
    assert all(json.loads(line)["domain"] for line in outputs["uvloop"])


def test_a_chunk_tunes_the_collector_and_restores_it():
    import gc

    from mailaudit.dnscore.loop import GC_THRESHOLDS, tuned_collector

    before = gc.get_threshold()
    with tuned_collector():
        assert gc.get_threshold() == GC_THRESHOLDS
    assert gc.get_threshold() == before
