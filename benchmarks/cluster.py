"""Throughput of one process against a local Dask cluster: domains per hour, CPU per domain.

    .venv/bin/python benchmarks/cluster.py                      # 2,000 domains, knotd direct
    .venv/bin/python benchmarks/cluster.py --domains 5000 --workers 1 2 --delay-ms 20

The benchmark workload (benchmarks/workload.py) served by Knot DNS on loopback (tools/knotrig.py;
with --delay-ms through the delaying proxy, which itself burns CPU on the same cores). Runs, one
after the other: ``mailaudit batch`` in one process, then ``--cluster`` on a LocalCluster of W
worker processes (one thread each) for every W of --workers. CPU is the client's (os.wait4) plus
the workers' (psutil, which distributed installs); every output is checked to hold every domain
and to be line for line the single-process output.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import time
from typing import Any

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tools"))

import knotrig  # noqa: E402
import workload  # noqa: E402


def batch(domain_file: pathlib.Path, out: pathlib.Path, rig: knotrig.KnotRig, wl: workload.Workload,
          extra: list[str]) -> tuple[float, float]:
    """(wall s, CPU s of the mailaudit process) of one batch run writing jsonl to ``out``."""
    usage = out.with_suffix(".usage.json")
    cmd = [sys.executable, str(HERE / "measure.py"), str(usage), "--", sys.executable, "-m", "mailaudit",
           "batch", str(domain_file), "--nameserver", rig.address, "--format", "jsonl", "--fail-on", "never",
           "-o", str(out), *wl.dnsbl_args, *extra]
    proc = subprocess.run(cmd, stderr=subprocess.PIPE, text=True, check=False)
    if proc.returncode not in (0, 1, 3):
        raise SystemExit(f"batch failed ({proc.returncode}): {proc.stderr[-2000:]}")
    report = json.loads(usage.read_text())
    return float(report["wall"]), float(report["cpu"])


def worker_cpu(client: Any) -> float:
    import psutil

    pids = client.run(lambda: __import__("os").getpid())
    return sum(sum(psutil.Process(pid).cpu_times()[:2]) for pid in pids.values())


def row(label: str, n: int, wall: float, cpu: float, same: bool | None) -> str:
    per_hour = n / wall * 3600
    same_text = "-" if same is None else ("yes" if same else "NO")
    return f"| {label} | {n} | {wall:.2f} | {per_hour:,.0f} | {1000 * cpu / n:.1f} | {same_text} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=2000)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--chunk-size", type=int, default=250)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    from distributed import Client, LocalCluster

    with tempfile.TemporaryDirectory(prefix="mailaudit-cluster-") as name:
        tmp = pathlib.Path(name)
        wl = workload.generate(tmp / "zones", args.domains, args.seed)
        domain_file = wl.write_domain_file(tmp / "domains.txt")
        print("| run | domains | wall s | domains/hour | CPU ms/domain | output = 1 process |")
        print("|---|---|---|---|---|---|")
        with knotrig.KnotRig(wl.zone_dir, delay_ms=args.delay_ms, startup_timeout=300) as rig:
            local = tmp / "local.jsonl"
            wall, cpu = batch(domain_file, local, rig, wl, [])
            reference = sorted(local.read_text().splitlines())
            print(row("1 process", len(reference), wall, cpu, None), flush=True)
            for workers in args.workers:
                with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, Client(cluster) as client:
                    before = worker_cpu(client)
                    out = tmp / f"cluster-{workers}.jsonl"
                    start = time.perf_counter()
                    wall, cpu = batch(domain_file, out, rig, wl, ["--cluster", cluster.scheduler_address,
                                                                  "--chunk-size", str(args.chunk_size)])
                    wall = time.perf_counter() - start
                    cpu += worker_cpu(client) - before
                    lines = sorted(out.read_text().splitlines())
                    print(row(f"cluster, {workers} worker process(es)", len(lines), wall, cpu, lines == reference),
                          flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
