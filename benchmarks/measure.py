"""Run a command and report its own wall time, CPU time and peak RSS (like /usr/bin/time).

    python benchmarks/measure.py REPORT.json -- CMD [ARG ...]

Why a separate small process: on Linux, a child's ru_maxrss also counts the memory of the
process it was forked from, up to its exec (the parent's high-water mark is inherited). Started
from this small launcher, the measured command's peak RSS is its own, not the benchmark
runner's. stdin, stdout and stderr pass through; the exit code is the command's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main() -> int:
    report, sep, *cmd = sys.argv[1:]
    if sep != "--" or not cmd:
        raise SystemExit("usage: measure.py REPORT.json -- CMD [ARG ...]")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    with open(report, "w", encoding="utf-8") as out:
        json.dump({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "user": usage.ru_utime,
                   "system": usage.ru_stime, "maxrss_kb": usage.ru_maxrss, "exit": code}, out)
    return code


if __name__ == "__main__":
    sys.exit(main())
