"""The run-wide SMTP prober: politeness, de-duplication, safety, and the port-25 headline.

One ``Prober`` per run (like the DNS ``Resolver``), shared by every domain of a batch:

* each address gets at most one connection at a time (a lock per address), and the whole run
  at most ``cap`` connections at once;
* each address is TLS-probed once per run, however many domains name it (a result cache with
  in-flight de-duplication: concurrent askers share one probe); each (address, domain) pair is
  RCPT-probed once;
* loopback/private/link-local targets are refused unless ``allow_private`` (``targets``);
* when ``blocked_after`` addresses were unreachable (refused, timed out, silent), none has
  answered, and the probes that were in flight have finished without an answer either, outbound
  port 25 looks blocked from here: every later probe returns ``BLOCKED_HERE`` at once instead of
  waiting out its own timeout.

Time bound: one probe takes at most ``Timeouts.session`` (30 s by default); a domain's
addresses are probed concurrently, so a domain costs one session bound while fewer than ``cap``
probes are queued; with port 25 blocked the run costs about one connect (or banner) timeout.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from mailaudit.net.targets import admissible_with_option, refusal

from .outcomes import Failure, FailureKind, RcptProbe, TlsProbe
from .probe import Endpoint, probe_rcpt, probe_tls
from .session import Timeouts

T = TypeVar("T", TlsProbe, RcptProbe)

DEFAULT_EHLO = "mailaudit-probe.invalid"


def valid_ehlo_name(name: str) -> bool:
    """A host name of LDH labels (or an address literal in brackets): nothing that could end the
    command line or smuggle a second command."""
    if not 0 < len(name) <= 253:
        return False
    if name.startswith("[") and name.endswith("]"):
        return all(c.isascii() and (c.isalnum() or c in ".:") for c in name[1:-1])
    labels = name.rstrip(".").split(".")
    return all(
        0 < len(label) <= 63
        and label[0] != "-"
        and label[-1] != "-"
        and all(c.isascii() and (c.isalnum() or c == "-") for c in label)
        for label in labels
    )


@dataclass(frozen=True, slots=True)
class ProbeSettings:
    port: int = 25  # a test rig or relay may listen elsewhere
    ehlo_name: str = DEFAULT_EHLO  # identifies the tool; set your own FQDN where servers insist
    allow_private: bool = False
    cap: int = 20  # connections in flight across the run
    blocked_after: int = 3  # unreachable addresses, with none reached, that mean "port 25 blocked"
    timeouts: Timeouts = field(default_factory=Timeouts)
    memo_limit: int = 100_000  # results kept per kind: bounded memory over any batch


K = TypeVar("K")


class _Memo(Generic[K, T]):
    """Probe tasks by key: in-flight de-duplication, finished results kept for the run, the
    oldest finished ones dropped beyond ``limit`` (so a huge batch runs in bounded memory)."""

    def __init__(self, limit: int) -> None:
        self._tasks: collections.OrderedDict[K, asyncio.Task[T]] = collections.OrderedDict()
        self._limit = max(1, limit)

    async def get(self, key: K, make: Callable[[], Awaitable[T]]) -> T:
        task = self._tasks.get(key)
        if task is None:
            task = asyncio.ensure_future(make())
            self._tasks[key] = task
            self._trim()
        else:
            self._tasks.move_to_end(key)
        return await asyncio.shield(task)

    def _trim(self) -> None:
        while len(self._tasks) > self._limit:
            oldest = next(iter(self._tasks))
            if not self._tasks[oldest].done():
                return  # never forget a probe in flight
            del self._tasks[oldest]

    def __len__(self) -> int:
        return len(self._tasks)


@dataclass(slots=True)
class ProbeStats:
    """Counters for tests and the report: connections opened per address, etc."""

    connections: collections.Counter[str] = field(default_factory=collections.Counter)
    reached: int = 0
    unreached: int = 0
    short_circuited: int = 0


class Prober:
    def __init__(self, settings: ProbeSettings | None = None) -> None:
        settings = settings or ProbeSettings()
        if not valid_ehlo_name(settings.ehlo_name):
            settings = dataclasses.replace(settings, ehlo_name=DEFAULT_EHLO)
        self.settings = settings
        self.stats = ProbeStats()
        self._slots = asyncio.Semaphore(max(1, self.settings.cap))
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}  # address -> (lock, users); dropped when unused
        self._tls: _Memo[str, TlsProbe] = _Memo(settings.memo_limit)
        self._rcpt: _Memo[tuple[str, str], RcptProbe] = _Memo(settings.memo_limit)
        self._in_flight = 0
        self._change = asyncio.Event()  # replaced at each change: waiters wake once per change

    @property
    def port25_blocked(self) -> bool:
        """No address has answered in this run, and enough of them failed to say so."""
        return self.stats.reached == 0 and self.stats.unreached >= self.settings.blocked_after

    async def tls(self, address: str, host: str | None) -> TlsProbe:
        """The TLS probe of ``address`` (once per run; the first asker's host name is used for SNI)."""
        endpoint = Endpoint(address, self.settings.port, host)
        return await self._tls.get(address, lambda: self._guarded(endpoint, self._run_tls, _tls_failure))

    async def rcpt(self, address: str, host: str | None, domain: str) -> RcptProbe:
        """The RCPT probe of ``address`` for ``postmaster@domain`` (once per pair per run)."""
        key = (address, domain.lower())
        endpoint = Endpoint(address, self.settings.port, host)

        def run(ep: Endpoint) -> Awaitable[RcptProbe]:
            return probe_rcpt(ep, key[1], self.settings.ehlo_name, self.settings.timeouts)

        def failed(ep: Endpoint, failure: Failure) -> RcptProbe:
            return RcptProbe(ep.address, ep.host, key[1], failure)

        return await self._rcpt.get(key, lambda: self._guarded(endpoint, run, failed))

    def _run_tls(self, endpoint: Endpoint) -> Awaitable[TlsProbe]:
        return probe_tls(endpoint, self.settings.ehlo_name, self.settings.timeouts)

    async def _guarded(
        self,
        endpoint: Endpoint,
        run: Callable[[Endpoint], Awaitable[T]],
        failed: Callable[[Endpoint, Failure], T],
    ) -> T:
        """Safety rule, per-address lock, global cap, the port-25 short cut, then the probe."""
        why = refusal(endpoint.address, self.settings.allow_private)
        if why is not None:
            return failed(endpoint, Failure(FailureKind.NOT_ALLOWED, _not_allowed(why)))
        lock = self._enter(endpoint.address)
        try:
            async with lock, self._slots:
                await self._settle()
                if self.port25_blocked:
                    self.stats.short_circuited += 1
                    return failed(endpoint, _blocked_failure(self.stats.unreached))
                self.stats.connections[endpoint.address] += 1
                self._in_flight += 1
                try:
                    result = await run(endpoint)
                    self._account(result.failure)
                finally:
                    self._in_flight -= 1
                    self._changed()
        finally:
            self._leave(endpoint.address)
        return result

    async def _settle(self) -> None:
        """Before declaring port 25 blocked, let the probes already in flight finish: one of them
        answering proves the way out is open (fast refusals from dead hosts must not decide alone).
        The wait is bounded by those probes' own session bound."""
        while self.stats.reached == 0 and self.stats.unreached >= self.settings.blocked_after and self._in_flight:
            await self._change.wait()

    def _changed(self) -> None:
        self._change.set()
        self._change = asyncio.Event()

    def _enter(self, address: str) -> asyncio.Lock:
        lock, users = self._locks.get(address, (asyncio.Lock(), 0))
        self._locks[address] = (lock, users + 1)
        return lock

    def _leave(self, address: str) -> None:
        lock, users = self._locks[address]
        if users <= 1:
            del self._locks[address]
        else:
            self._locks[address] = (lock, users - 1)

    def _account(self, failure: Failure | None) -> None:
        if failure is None or failure.heard or not failure.kind.unreached:
            self.stats.reached += 1
        else:
            self.stats.unreached += 1


def _tls_failure(endpoint: Endpoint, failure: Failure) -> TlsProbe:
    return TlsProbe(endpoint.address, endpoint.host, failure)


def _blocked_failure(unreached: int) -> Failure:
    return Failure(
        FailureKind.BLOCKED_HERE,
        f"not attempted: the first {unreached} addresses tried in this run did not answer on port 25, "
        "so outbound port 25 looks blocked from here",
    )


def _not_allowed(reason: str) -> str:
    if admissible_with_option(reason):
        return f"not contacted: {reason} address (allowed only with --allow-private-targets)"
    return f"not contacted: {reason} address (no mail server can live there)"
