"""The opt-in SMTP probes on their own: what ``--smtp`` adds to a batch, and that every MX
address is probed once per run however many domains share it.

    .venv/bin/python benchmarks/smtp.py                       # 200 domains on 40 MX hosts
    .venv/bin/python benchmarks/smtp.py --domains 500 --hosts 60 --tarpits 4

Real SMTP servers on loopback (tests/smtpserver.py: aiosmtpd with STARTTLS and certificates from
a test CA made now; ``--tarpits`` of them accept TCP and never answer), each on its own 127.0.x.y
address behind one port. The domains' MX records (two hosts each, shared like a provider's) come
from zone files (``--offline --zone``), so the run measures the probes, not DNS. Runs, one after
the other, each as a subprocess: the batch without ``--smtp``, then with it; the table gives wall
and CPU time and, from the servers' own counters, TCP connections and the most at one address.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import random
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.smtp.zones import client_zone, write_zone  # noqa: E402
from tests.smtpserver import CertKind, ServerSpec, SmtpRig, TestCA  # noqa: E402


def hosts(count: int, tarpits: int) -> list[ServerSpec]:
    specs = []
    for i in range(count):
        address = f"127.0.{10 + i // 200}.{1 + i % 200}"
        tarpit = i < tarpits
        specs.append(ServerSpec(address, behaviour="silent" if tarpit else "smtp", host=f"mx{i}.provider.test",
                                tls=None if tarpit else CertKind.VALID))
    return specs


def zones(folder: pathlib.Path, specs: list[ServerSpec], domains: int, seed: int) -> list[str]:
    write_zone(folder, "provider.test", [f"{s.host}. 300 A {s.address}" for s in specs])
    pick = random.Random(seed)
    names = []
    for n in range(domains):
        first, second = pick.sample(specs, 2)
        name = f"client{n:05d}.test"
        client_zone(folder, name, [(10, first.host, first.address), (20, second.host, second.address)])
        names.append(name)
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=200)
    parser.add_argument("--hosts", type=int, default=40)
    parser.add_argument("--tarpits", type=int, default=2, help="hosts that accept TCP and never answer")
    parser.add_argument("--smtp-timeout", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    ca = TestCA()
    specs = hosts(args.hosts, args.tarpits)
    rig = SmtpRig(specs, ca).start()
    try:
        with tempfile.TemporaryDirectory(prefix="mailaudit-smtp-bench-") as name:
            folder = pathlib.Path(name) / "zones"
            listing = pathlib.Path(name) / "domains.txt"
            listing.write_text("\n".join(zones(folder, specs, args.domains, args.seed)) + "\n")
            base = [sys.executable, "-m", "mailaudit", "batch", str(listing), "--offline", "--zone", str(folder),
                    "--no-dnsbl", "--format", "jsonl", "--fail-on", "never"]
            probes = ["--smtp", "--allow-private-targets", "--smtp-port", str(rig.port), "--ca-file", str(ca.root_pem),
                      "--smtp-timeout", str(args.smtp_timeout)]
            rows = []
            for label, cmd in (("batch, no --smtp", base), ("batch --smtp", [*base, *probes])):
                before = rig.counters.total()
                wall, cpu, lines = _measure(cmd)
                conns = rig.counters.total() - before
                most = max(rig.counters.connections.values(), default=0) if conns else 0
                rig.counters.connections.clear()
                rows.append((label, lines, wall, cpu, conns, most))
    finally:
        rig.stop()
    print(f"{args.domains} domains, 2 MX hosts each out of {args.hosts} ({args.tarpits} tarpits), "
          f"SMTP timeout {args.smtp_timeout} s, zone files (no DNS latency)")
    print("| run | domains | wall s | CPU s | TCP connections | most at one address |\n|---|---|---|---|---|---|")
    for label, lines, wall, cpu, conns, most in rows:
        print(f"| {label} | {lines} | {wall:.2f} | {cpu:.2f} | {conns} | {most} |")
    return 0


def _measure(cmd: list[str]) -> tuple[float, float, int]:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    lines = sum(1 for _ in proc.stdout)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime, lines


if __name__ == "__main__":
    sys.exit(main())
