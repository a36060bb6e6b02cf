"""mailaudit vs checkdmarc under real DNS latency: one command, results as a table.

    .venv/bin/python benchmarks/run.py                 # 240 domains, 20 ms per answer
    .venv/bin/python benchmarks/run.py --domains 500 --delay-ms 50
    .venv/bin/python benchmarks/run.py --memory        # peak RSS, 5,000 vs 50,000 domains
    .venv/bin/python benchmarks/run.py --latency --timeline  # one domain alone: its questions by round

It generates a workload (benchmarks/workload.py), serves it with Knot DNS on loopback behind
tools/delayproxy.py (a delay per answer, question counters), then runs, one after the other on
the same domains: ``mailaudit batch`` (full audit: MX, SPF, DMARC, DKIM, blocklists; jsonl out),
checkdmarc's ``check_domains`` in a 16-thread pool, and checkdmarc serially on a sample whose
per-domain time is extrapolated to all domains (labelled as such). Every tool runs as a
subprocess; wall time, CPU time and peak RSS come from ``os.wait4`` for that process alone.
"""

from __future__ import annotations

import argparse
import compileall
import gc
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tools"))

import knotrig  # noqa: E402
import workload  # noqa: E402


@dataclass
class Run:
    label: str
    domains: int  # domains this run covered
    wall: float
    cpu: float  # user + system seconds
    rss_mb: float  # peak resident set size
    questions: int | None = None  # seen by the proxy
    repeated: int | None = None
    outputs: int = 0  # result lines written
    errors: int = 0  # results with a failed lookup (should be 0: nothing times out here)
    scale: float = 1.0  # >1: a sample, times extrapolated to the whole set
    note: str = ""

    @property
    def total_wall(self) -> float:
        return self.wall * self.scale


def measure(cmd: Sequence[str], out_path: pathlib.Path, rig: knotrig.KnotRig | None,
            env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Run ``cmd`` with stdout to ``out_path``: (wall seconds, CPU seconds, peak RSS MB).

    Through benchmarks/measure.py, so the peak RSS is the command's own (see there)."""
    if rig is not None and rig.use_proxy:
        rig.reset()
    report = out_path.with_suffix(".usage.json")
    with out_path.open("wb") as out:
        proc = subprocess.run([sys.executable, str(HERE / "measure.py"), str(report), "--", *cmd],
                              stdout=out, stderr=subprocess.PIPE, check=False, env={**os.environ, **(env or {})})
    if proc.returncode not in (0, 1, 3):
        raise SystemExit(f"{cmd[:4]} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-2000:]}")
    usage = json.loads(report.read_text())
    return float(usage["wall"]), float(usage["cpu"]), usage["maxrss_kb"] / 1024.0


def mailaudit_cmd(domain_file: pathlib.Path, address: str, extra: Sequence[str], prototype: bool = False) -> list[str]:
    launcher = [str(HERE / "prototype_cli.py")] if prototype else ["-m", "mailaudit"]
    return [sys.executable, *launcher, "batch", str(domain_file), "--nameserver", address,
            "--format", "jsonl", "--fail-on", "never", *extra]


def run_mailaudit(rig: knotrig.KnotRig, wl: workload.Workload, domain_file: pathlib.Path,
                  tmp: pathlib.Path, extra: Sequence[str] = (), prototype: bool = False, loop: str = "auto") -> Run:
    out = tmp / ("prototype.jsonl" if prototype else f"mailaudit-{loop}.jsonl")
    cmd = mailaudit_cmd(domain_file, rig.address, [*wl.dnsbl_args, *extra], prototype)
    wall, cpu, rss = measure(cmd, out, rig, {"MAILAUDIT_EVENT_LOOP": loop})
    lines = out.read_text().splitlines()
    errors = sum(1 for line in lines if any(c["status"] == "error" for c in json.loads(line)["checks"]))
    stats = rig.stats()
    label = "mailaudit, dnspython transport" if prototype else "mailaudit batch (full audit)"
    if loop != "auto":
        label += f", {loop} loop"
    note = "Resolver(transport='dnspython')" if prototype else ""
    return Run(label, len(lines), wall, cpu, rss, stats.total, stats.repeated, len(lines), errors, note=note)


def run_checkdmarc(rig: knotrig.KnotRig, domain_file: pathlib.Path, tmp: pathlib.Path, threads: int,
                   total: int) -> Run:
    out = tmp / f"checkdmarc-{threads}.jsonl"
    cmd = [sys.executable, str(HERE / "checkdmarc_driver.py"), str(domain_file), "--nameserver", rig.host,
           "--port", str(rig.port), "--threads", str(threads)]
    wall, cpu, rss = measure(cmd, out, rig)
    lines = out.read_text().splitlines()
    errors = sum(1 for line in lines if "timed out" in line or "driver_error" in line)
    stats = rig.stats()
    label = "checkdmarc serial" if threads == 1 else f"checkdmarc {threads} threads"
    scale = total / len(lines) if lines else 1.0
    note = f"sample of {len(lines)}, time x{scale:.1f}" if scale > 1 else ""
    return Run(label, len(lines), wall, cpu, rss, stats.total, stats.repeated, len(lines), errors, scale, note)


def table(runs: list[Run], total: int, delay_ms: float) -> str:
    base = runs[0].total_wall
    head = ["tool", "domains", "wall s", "ms/domain", "x mailaudit", "questions/domain", "repeated",
            "CPU s", "CPU ms/domain", "peak RSS MB", "errors", "note"]
    rows = [head]
    for r in runs:
        rows.append([
            r.label, str(r.domains), f"{r.total_wall:.2f}" + ("*" if r.scale > 1 else ""),
            f"{1000 * r.wall / max(r.domains, 1):.1f}", f"{r.total_wall / base:.1f}",
            f"{r.questions / max(r.domains, 1):.1f}" if r.questions is not None else "-",
            str(r.repeated) if r.repeated is not None else "-", f"{r.cpu:.2f}",
            f"{1000 * r.cpu / max(r.domains, 1):.1f}", f"{r.rss_mb:.0f}", str(r.errors), r.note,
        ])
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    title = f"{total} domains, {delay_ms:g} ms added per DNS answer (Knot DNS on loopback), {os.cpu_count()} CPUs"
    return title + "\n" + "\n".join(lines) + "\n* extrapolated from the sample's time per domain"


def main_compare(args: argparse.Namespace, tmp: pathlib.Path) -> None:
    wl = workload.generate(tmp / "zones", args.domains, args.seed)
    print(f"workload: {len(wl.domains)} domains {wl.kinds}", file=sys.stderr)
    domain_file = wl.write_domain_file(tmp / "domains.txt")
    sample = wl.write_domain_file(tmp / "sample.txt", wl.domains[: args.serial_sample])
    with knotrig.KnotRig(wl.zone_dir, delay_ms=args.delay_ms, proxy=True) as rig:
        runs = [run_mailaudit(rig, wl, domain_file, tmp, args.mailaudit_arg)]
        print(f"mailaudit: {runs[0].wall:.2f}s", file=sys.stderr)
        if args.both_loops:
            runs.append(run_mailaudit(rig, wl, domain_file, tmp, args.mailaudit_arg, loop="asyncio"))
        if args.prototype:
            runs.append(run_mailaudit(rig, wl, domain_file, tmp, args.mailaudit_arg, prototype=True))
        if not args.no_checkdmarc:
            runs.append(run_checkdmarc(rig, domain_file, tmp, args.threads, len(wl.domains)))
            print(f"checkdmarc x{args.threads}: {runs[-1].wall:.2f}s", file=sys.stderr)
            if args.serial_sample:
                runs.append(run_checkdmarc(rig, sample, tmp, 1, len(wl.domains)))
    print(table(runs, len(wl.domains), args.delay_ms))
    by_label = {r.label: r for r in runs}
    threaded = by_label.get(f"checkdmarc {args.threads} threads")
    serial = by_label.get("checkdmarc serial")
    for ours in runs:
        if ours.label.startswith("mailaudit") and threaded and serial:
            print(f"\n{ours.label}: {serial.total_wall / ours.wall:.1f}x faster than serial checkdmarc "
                  f"(target 100x), {threaded.wall / ours.wall:.1f}x faster than checkdmarc with "
                  f"{args.threads} threads (target 10x); repeated questions: {ours.repeated} (target 0)")


def main_memory(args: argparse.Namespace, tmp: pathlib.Path) -> None:
    """Peak RSS of a streamed batch (file in, jsonl out) at 5,000 and 50,000 domains."""
    big, small = args.memory_domains, args.memory_domains // 10
    wl = workload.generate(tmp / "zones", big, args.seed)
    files = {n: wl.write_domain_file(tmp / f"domains-{n}.txt", wl.domains[:n]) for n in (small, big)}
    runs: list[Run] = []
    with knotrig.KnotRig(wl.zone_dir, startup_timeout=300) as rig:  # no proxy, no delay: RSS only
        for n, path in files.items():
            cmd = mailaudit_cmd(path, rig.address, [*wl.dnsbl_args, *args.mailaudit_arg])
            wall, cpu, rss = measure(cmd, tmp / "memory.jsonl", None)
            runs.append(Run(f"mailaudit batch, {n} domains", n, wall, cpu, rss))
            print(f"{n}: {wall:.1f}s, {rss:.0f} MB", file=sys.stderr)
    print(table(runs, big, 0))
    print(f"\npeak RSS {big} / {small} domains: {runs[1].rss_mb / runs[0].rss_mb:.2f}x (target at most 1.3x)")


def main_latency(args: argparse.Namespace, tmp: pathlib.Path) -> None:
    """One domain at a time, cold cache, in-process: how many round trips its critical path has.

    Every question goes through ``timeline.Recorder`` (a wrapper of the transport): the table's
    "rounds" column counts rounds of delay from the questions themselves (see timeline.py);
    with ``--timeline`` each domain's questions are printed by round, to find what waits on an
    answer it does not need."""
    import asyncio

    import timeline

    from mailaudit import AuditOptions, Auditor
    from mailaudit.dns import Resolver
    from mailaudit.dnscore.loop import loop_factory

    wl = workload.generate(tmp / "zones", 60, args.seed)
    zones = tuple(z for z in wl.dnsbl_args if z != "--dnsbl")
    details: list[str] = []
    print("| domain | provider | wall ms | round trips (wall / delay) | rounds | questions |\n"
          "|---|---|---|---|---|---|")
    with knotrig.KnotRig(wl.zone_dir, delay_ms=args.delay_ms, proxy=True) as rig:
        shown: set[str] = set()
        for domain, kind in zip(wl.domains, wl.provider_of, strict=True):
            if kind in shown:
                continue
            shown.add(kind)
            recorder = timeline.Recorder(_live_transport(args, rig.address))
            auditor = Auditor(Resolver(transport=recorder), AuditOptions(dnsbl_zones=zones))
            with asyncio.Runner(loop_factory=loop_factory()) as runner:  # uvloop when installed, as the CLI
                runner.get_loop()
                rig.reset()
                gc.collect()  # else the workload generator's garbage is collected during the first audit (~20 ms)
                start = time.perf_counter()
                runner.run(auditor.audit(domain))
                wall = time.perf_counter() - start
            trips = 1000 * wall / args.delay_ms
            count = len(timeline.rounds(recorder.log))
            print(f"| {domain} | {kind} | {1000 * wall:.0f} | {trips:.1f} | {count} | {rig.stats().total} |")
            details.append(timeline.format_rounds(recorder.log, domain, args.delay_ms, (start, start + wall)))
    if args.timeline:
        print("\n" + "\n".join(details), end="")


def _live_transport(args: argparse.Namespace, address: str) -> object:
    """The transport the resolver would build for ``--nameserver address`` (lean, or dnspython's)."""
    if args.prototype:
        from mailaudit.dnscore.dnspython_transport import LiveSource

        return LiveSource([address], 53, 3.0, 1)
    from mailaudit.dnscore.transport import Do53Source

    return Do53Source([address], 53, 3.0, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, default=240)
    parser.add_argument("--delay-ms", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--serial-sample", type=int, default=24,
                        help="domains for serial checkdmarc (its time is extrapolated; 0 skips it)")
    parser.add_argument("--no-checkdmarc", action="store_true")
    parser.add_argument("--prototype", action="store_true",
                        help="also run mailaudit with dnspython's asyncresolver transport (the old default)")
    parser.add_argument("--both-loops", action="store_true",
                        help="also run mailaudit on asyncio's own event loop (the default is uvloop when installed)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--memory", action="store_true", help="peak RSS at 5,000 vs 50,000 domains instead")
    parser.add_argument("--latency", action="store_true",
                        help="instead: one domain per provider kind, alone, cold cache (critical path)")
    parser.add_argument("--timeline", action="store_true",
                        help="with --latency: print each domain's questions grouped by round of delay")
    parser.add_argument("--memory-domains", type=int, default=50_000)
    parser.add_argument("--mailaudit-arg", action="append", default=[], metavar="ARG",
                        help="extra argument for mailaudit batch (repeatable), e.g. --mailaudit-arg=--concurrency=256")
    parser.add_argument("--keep", type=pathlib.Path, default=None, help="keep the workload and outputs here")
    args = parser.parse_args(argv)
    if knotrig.find_knotd() is None:
        raise SystemExit("knotd not found: apt-get install -y --no-install-recommends knot")
    resource.setrlimit(resource.RLIMIT_NOFILE, _nofile())
    # bytecode for the package, as a regular install has (an editable one under
    # PYTHONDONTWRITEBYTECODE would compile ~200 modules at every start: 0.2 s per run)
    compileall.compile_dir(str(HERE.parent / "mailaudit"), quiet=1)
    with tempfile.TemporaryDirectory(prefix="mailaudit-bench-") as name:
        tmp = args.keep or pathlib.Path(name)
        tmp.mkdir(parents=True, exist_ok=True)
        mode = main_memory if args.memory else main_latency if args.latency else main_compare
        mode(args, tmp)
    return 0


def _nofile() -> tuple[int, int]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return (min(max(soft, 8192), hard), hard)


if __name__ == "__main__":
    sys.exit(main())
