"""The async DNS core: one resolver per run with a shared cache and in-flight de-duplication.

``Resolver`` answers every question a check asks. Answers come from ``--zone`` files when a
loaded zone covers the name, else from live DNS through a ``Transport`` (the lean transport of
``transport.py`` by default, dnspython's asyncresolver in ``dnspython_transport.py``, or any
object implementing the protocol: the seam tests and other transports plug into), else, with
``offline=True``, a failure that says the name is not verifiable. Positive, negative and failed
answers are cached for the run; two concurrent asks of one question send one query.
"""

from __future__ import annotations

import asyncio
import collections
import math
import pathlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import dns.asyncresolver
import dns.exception
import dns.flags
import dns.name
import dns.nameserver
import dns.rcode
import dns.rdatatype
import dns.resolver

from mailaudit.dnscore.answer import Answer, Outcome, failure
from mailaudit.dnscore.dnspython_transport import LiveSource
from mailaudit.dnscore.nameservers import parse_nameserver as parse_nameserver
from mailaudit.dnscore.transport import Do53Source, SignedTransport, Transport
from mailaudit.dnscore.zonefile import ZoneSet
from mailaudit.dnssec.model import Fetched, fetch_failure
from mailaudit.errors import InputError

T = TypeVar("T")
R = TypeVar("R")
NOT_VERIFIABLE = "not verifiable offline (outside the --zone files)"
DEFAULT_TIMEOUT = 3.0
QuestionKey = tuple[dns.name.Name, int]


@dataclass(slots=True)
class ResolverStats:
    """Counters for one resolver: questions sent to DNS (or zones) and answered from cache."""

    sent: int = 0
    zone_answers: int = 0
    cache_hits: int = 0
    joined: int = 0  # asks that waited on an identical question already in flight
    failures: int = 0

    def summary(self) -> str:
        return (f"dns: {self.sent} questions sent, {self.zone_answers} answered from zone files, "
                f"{self.cache_hits} from cache, {self.joined} joined in flight, {self.failures} failed")


class Resolver:
    """Every question of a run goes through here: zones, cache, de-duplication, live DNS.

    ``nameservers``: ``HOST`` or ``HOST:PORT`` strings (system resolver when empty);
    ``zones``: zone files or folders answering names they cover; ``offline``: no live DNS.
    """

    def __init__(
        self,
        nameservers: Sequence[str] | None = None,
        port: int = 53,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = 1,
        *,
        zones: Iterable[str | pathlib.Path] | ZoneSet = (),
        offline: bool = False,
        max_in_flight: int = 256,
        cache_size: int = 50_000,
        transport: str | Transport = "lean",
    ) -> None:
        if not (math.isfinite(timeout) and timeout > 0):
            raise InputError("timeout must be a positive number of seconds")
        self.zones = zones if isinstance(zones, ZoneSet) else ZoneSet.from_paths(zones)
        self.offline = offline
        self._live = None if offline else _live_source(transport, nameservers, port, timeout, retries)
        self.stats = ResolverStats()
        self._cache: collections.OrderedDict[QuestionKey, Answer] = collections.OrderedDict()
        self._cache_size = cache_size
        self._inflight: dict[QuestionKey, asyncio.Future[Answer]] = {}
        self._signed: collections.OrderedDict[QuestionKey, Fetched] = collections.OrderedDict()
        self._signed_inflight: dict[QuestionKey, asyncio.Future[Fetched]] = {}
        self._max_in_flight = max_in_flight
        self._gate: asyncio.Semaphore | None = None
        self._gate_loop: asyncio.AbstractEventLoop | None = None

    # -- async core -------------------------------------------------------------------------

    async def query(self, name: str | dns.name.Name, rdtype: str | int) -> Answer:
        """Ask one question; never raises for DNS trouble (the Answer says what happened)."""
        qname = _as_name(name)
        qtype = dns.rdatatype.RdataType.make(rdtype)
        return await self._once(self._cache, self._inflight, (qname, int(qtype)), lambda: self._resolve(qname, qtype))

    async def query_signed(self, name: str | dns.name.Name, rdtype: str | int) -> Fetched:
        """Ask with the DNSSEC OK bit: the whole response, RRSIGs kept with their RRsets (the
        DNSSEC validator's ``fetch``). Cached and de-duplicated like ``query``, in its own cache.
        ``--zone`` files and ``--offline`` cannot prove signatures: their names are failures."""
        qname = _as_name(name)
        qtype = dns.rdatatype.RdataType.make(rdtype)
        key = (qname, int(qtype))
        return await self._once(self._signed, self._signed_inflight, key, lambda: self._resolve_signed(qname, qtype))

    async def _once(
        self,
        cache: collections.OrderedDict[QuestionKey, R],
        inflight: dict[QuestionKey, asyncio.Future[R]],
        key: QuestionKey,
        resolve: Callable[[], Awaitable[R]],
    ) -> R:
        """One question answered once: from the cache, by joining the same question in flight, or asked."""
        cached = cache.get(key)
        if cached is not None:
            cache.move_to_end(key)
            self.stats.cache_hits += 1
            return cached
        pending = inflight.get(key)
        if pending is not None:
            self.stats.joined += 1
            return await asyncio.shield(pending)
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        inflight[key] = future
        try:
            answer = await resolve()
        except BaseException as err:  # cancelled: let joiners retry rather than hang
            inflight.pop(key, None)
            future.set_exception(err if isinstance(err, Exception) else asyncio.CancelledError())
            future.exception()  # mark retrieved
            raise
        inflight.pop(key, None)
        cache[key] = answer
        if len(cache) > self._cache_size:
            cache.popitem(last=False)
        future.set_result(answer)
        return answer

    async def _resolve_signed(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Fetched:
        if self.zones and self.zones.covers(name):
            return fetch_failure(name, rdtype, "answered from a --zone file: signatures not verifiable")
        if self._live is None:
            return fetch_failure(name, rdtype, NOT_VERIFIABLE)
        if not isinstance(self._live, SignedTransport):
            return fetch_failure(name, rdtype, "this DNS transport cannot ask for DNSSEC records")
        async with self._semaphore():
            self.stats.sent += 1
            fetched = await self._live.lookup_signed(name, rdtype)
        if fetched.error is not None:
            self.stats.failures += 1
        return fetched

    async def _resolve(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Answer:
        found = self.zones.lookup(name, rdtype) if self.zones else None
        if found is not None:
            self.stats.zone_answers += 1
            if found.continue_at is None:
                return found.answer
            rest = await self.query(found.continue_at, rdtype)
            cnames = found.answer.cnames + rest.cnames
            return Answer(name, rdtype, rest.outcome, rest.rdatas, cnames, rest.error)
        if self._live is None:
            return failure(name, rdtype, NOT_VERIFIABLE)
        async with self._semaphore():
            self.stats.sent += 1
            answer = await self._live.lookup(name, rdtype)
        if answer.outcome is Outcome.ERROR:
            self.stats.failures += 1
        return answer

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._gate is None or self._gate_loop is not loop:
            self._gate, self._gate_loop = asyncio.Semaphore(self._max_in_flight), loop
        return self._gate

    # -- sync facade ------------------------------------------------------------------------

    def query_sync(self, name: str | dns.name.Name, rdtype: str | int) -> Answer:
        return run_sync(lambda: self.query(name, rdtype))


def _live_source(
    transport: str | Transport, nameservers: Sequence[str] | None, port: int, timeout: float, retries: int
) -> Transport:
    """``lean`` (the default, see transport.py), ``dnspython`` (its asyncresolver), or a
    ``Transport`` object given by the caller."""
    if not isinstance(transport, str):
        return transport
    if transport == "lean":
        return Do53Source(nameservers, port, timeout, retries)
    if transport == "dnspython":
        return LiveSource(nameservers, port, timeout, retries)
    raise InputError(f"unknown DNS transport {transport!r} (lean or dnspython)")


def _as_name(name: str | dns.name.Name) -> dns.name.Name:
    if isinstance(name, dns.name.Name):
        return name if name.is_absolute() else name.concatenate(dns.name.root)
    try:
        return dns.name.from_text(name)
    except dns.exception.DNSException as err:
        raise InputError(f"bad DNS name {name!r}: {err}") from None


def run_sync(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine from synchronous code (the sync facade); refuses inside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("mailaudit's sync API was called inside a running event loop: use the async API")

    async def main() -> T:
        return await make()

    return asyncio.run(main())
