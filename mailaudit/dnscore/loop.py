"""How a run uses the process: the event loop mailaudit's synchronous entry points run on (uvloop
when it is installed, the ``fast`` extra, and the standard descriptors are open, else asyncio's
own; ``MAILAUDIT_EVENT_LOOP=asyncio`` or ``uvloop`` chooses) and the garbage collector's
thresholds for a batch (``GC_THRESHOLDS``, ``tuned_collector``).

Both give the same results: the lean transport uses only what both loops offer (datagram
endpoints, timers, TCP streams); the test suite runs the batch on each and compares.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
from collections.abc import Callable, Iterator

from mailaudit.errors import InputError

CHOICES = ("auto", "asyncio", "uvloop")
# The cyclic collector, tuned for a batch: most objects are freed by reference counting, yet with
# the default thresholds (700, 10, 10) it ran ~600 times over 240 domains, scanning the resolver's
# cache and every module's objects each time (20 % of the CPU; 30 % over 5,000 domains).
GC_THRESHOLDS = (100_000, 50, 100)


@contextlib.contextmanager
def tuned_collector() -> Iterator[None]:
    """``GC_THRESHOLDS`` for the duration (a cluster worker's chunk); the process's own settings
    after. Already tuned (the CLI tunes its whole process): left as it is."""
    before = gc.get_threshold()
    if before == GC_THRESHOLDS:
        yield
        return
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def loop_factory(choice: str | None = None) -> Callable[[], asyncio.AbstractEventLoop]:
    """What makes a new event loop: ``choice`` (default ``$MAILAUDIT_EVENT_LOOP``, else ``auto``)."""
    wanted = (choice or os.environ.get("MAILAUDIT_EVENT_LOOP") or "auto").strip().lower()
    if wanted not in CHOICES:
        raise InputError(f"MAILAUDIT_EVENT_LOOP must be one of {', '.join(CHOICES)}, not {wanted!r}")
    if wanted == "asyncio" or (wanted == "auto" and not _stdio_open()):
        return asyncio.new_event_loop
    try:
        import uvloop
    except ImportError:
        if wanted == "uvloop":
            raise InputError("MAILAUDIT_EVENT_LOOP=uvloop, but uvloop is not installed "
                             "(pip install 'mailaudit[fast]')") from None
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def _stdio_open() -> bool:
    """Whether descriptors 0-2 are open: libuv aborts when a socket it opened lands on one of them
    (a closed stdout, ``mailaudit ... >&-``), so then asyncio's loop is used."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            return False
    return True


def loop_name(loop: asyncio.AbstractEventLoop) -> str:
    """``uvloop`` or ``asyncio``: which loop a run used (for ``--verbose`` and the benchmarks)."""
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
