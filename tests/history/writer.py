"""A second process for the concurrency and interruption tests (run as ``python -m tests.history.writer``).

    writer DB TAG RUNS GO_FILE     wait for GO_FILE to exist, then store RUNS runs of TAG.example
    writer DB TAG die              store a run but kill this process (SIGKILL) half way through it
"""

from __future__ import annotations

import os
import pathlib
import signal
import sys
import time
from collections.abc import Iterator

from mailaudit.history import StoredReport, open_db

from .helpers import AFTER, BEFORE, SOFTFAIL, meta, report


def reports_then_die(tag: str) -> Iterator[StoredReport]:
    yield report([SOFTFAIL], grade="B", score=92, domain=f"{tag}.example")
    yield report([], grade="A", score=100, domain=f"{tag}-2.example")
    os.kill(os.getpid(), signal.SIGKILL)  # the run is half written: nothing of it may remain
    yield AFTER


def main(db: str, tag: str, *rest: str) -> None:
    if rest == ("die",):
        with open_db(db) as store:
            store.record_run(meta(0), reports_then_die(tag))
        return
    runs, go = int(rest[0]), pathlib.Path(rest[1])
    while not go.exists():
        time.sleep(0.01)
    with open_db(db) as store:
        for n in range(runs):
            store.record_run(meta(n), [report(BEFORE.findings, grade="C", score=64, domain=f"{tag}.example"),
                                       report([], grade="A", score=100, domain=f"{tag}-{n}.example")])


if __name__ == "__main__":
    main(*sys.argv[1:])
