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
import enum
import functools
import math
import pathlib
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol, TypeVar, runtime_checkable

import dns.exception
import dns.flags
import dns.name
import dns.rcode
import dns.rdatatype

from mailaudit.dnscore.answer import Answer, Outcome, failure
from mailaudit.dnscore.chain import NameKey, name_key, plain_labels
from mailaudit.dnscore.loop import loop_factory
from mailaudit.dnscore.nameservers import parse_nameserver as parse_nameserver
from mailaudit.dnscore.shared import Shared
from mailaudit.dnscore.transport import CLOSED, Do53Source, SignedTransport, Transport, probe_refused
from mailaudit.dnscore.zonefile import ZoneSet
from mailaudit.dnssec.model import Fetched, fetch_failure
from mailaudit.errors import InputError

T = TypeVar("T")
NOT_VERIFIABLE = "not verifiable offline (outside the --zone files)"
_MUST_NOT_EXIST = dns.name.from_text("mailaudit-self-check.invalid.")  # RFC 6761: .invalid never exists
DEFAULT_TIMEOUT = 3.0
PROBATION = 32  # questions sent alongside the self-check, before its verdict (one domain's first round)
# A question's key: the name's key (chain.name_key: its labels in lower case, hashed in C) and the
# type. Names given as plain ASCII text get their key without a Name object (``_text_key``): a
# Name is made only when the question is really sent.
QuestionKey = tuple[NameKey, int]
_TYPES = MappingProxyType({t.name: t for t in dns.rdatatype.RdataType})  # "TXT" -> TXT without enum parsing


@runtime_checkable
class _Sender(Protocol):
    """A transport that hands each answer to a callback (``Do53Source.send``)."""

    def send(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType,
             deliver: Callable[[Answer], None]) -> None: ...


@dataclass(slots=True)
class ResolverStats:
    """Counters for one resolver: questions sent to DNS (or zones) and answered from cache."""

    sent: int = 0
    zone_answers: int = 0
    cache_hits: int = 0
    joined: int = 0  # asks that waited on an identical question already in flight
    failures: int = 0
    self_check: int = 0  # questions of the resolver self-check

    def summary(self) -> str:
        return (f"dns: {self.sent} questions sent, {self.zone_answers} answered from zone files, "
                f"{self.cache_hits} from cache, {self.joined} joined in flight, {self.failures} failed, "
                f"{self.self_check} for the resolver self-check")


class TrustStatus(enum.StrEnum):
    TRUSTED = "trusted"  # the root zone answered: absences can be believed
    INCONCLUSIVE = "inconclusive"  # no verdict (e.g. an authoritative-only server refusing the root)
    LYING = "lying"  # denies a name that must exist: no absence in this run can be believed
    UNREACHABLE = "unreachable"  # no answer at all: every question fails fast
    HIJACKING = "hijacking"  # answers a name that cannot exist (NXDOMAIN rewriting)


@dataclass(frozen=True, slots=True)
class Trust:
    """The resolver self-check's verdict, once per run (``Resolver.trust``)."""

    status: TrustStatus
    reason: str = ""

    @property
    def headline(self) -> str | None:
        """What a report must say at the top about this run's DNS, or None."""
        return None if self.status in (TrustStatus.TRUSTED, TrustStatus.INCONCLUSIVE) else self.reason


class Resolver:
    """Every question of a run goes through here: zones, cache, de-duplication, live DNS.

    ``nameservers``: ``HOST`` or ``HOST:PORT`` strings (system resolver when empty);
    ``zones``: zone files or folders answering names they cover; ``offline``: no live DNS.

    Trust nothing the network says: before the first live question the resolver checks itself
    (``self_check``, once per run): the root zone's SOA must exist and a name under ``.invalid``
    must not, as must every name in ``must_exist``. A resolver that denies what must exist makes
    every absence of the run a failure ("cannot be trusted"); one that answers nothing makes every
    live question fail at once ("unreachable"), so a dead server costs one self-check, not a
    timeout per question. A failed answer is cached ``failure_ttl`` seconds, not the whole run, and
    an rcode failure (SERVFAIL, REFUSED) is asked once more after a short backoff.
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
        signed_cache_size: int = 10_000,
        transport: str | Transport = "lean",
        self_check: bool = True,
        must_exist: Sequence[str] = (),
        failure_ttl: float = 5.0,
        backoff: float = 0.2,
    ) -> None:
        if not (math.isfinite(timeout) and timeout > 0):
            raise InputError("timeout must be a positive number of seconds")
        self.zones = zones if isinstance(zones, ZoneSet) else ZoneSet.from_paths(zones)
        self.offline = offline
        self._live = None if offline else _live_source(transport, nameservers, port, timeout, retries)
        # a transport that calls back (the lean one): questions need no task of their own
        self._sender: _Sender | None = self._live if isinstance(self._live, _Sender) else None
        self._flying = 0  # questions the fast path has in flight (at most max_in_flight)
        self._queued: collections.deque[tuple[dns.name.Name, dns.rdatatype.RdataType, QuestionKey | None,
                                              asyncio.Future[Answer], bool]] = collections.deque()
        self._probation = PROBATION
        self.stats = ResolverStats()
        self._cache: collections.OrderedDict[QuestionKey, Answer] = collections.OrderedDict()
        self._cache_size = cache_size
        # whole signed responses are large (RRSIGs, NSEC proofs) and, past the zones near the root,
        # asked for one domain only: a smaller LRU keeps a long run's memory flat
        self._signed_size = signed_cache_size
        self._inflight: dict[QuestionKey, asyncio.Future[Answer]] = {}
        self._signed: collections.OrderedDict[QuestionKey, Fetched] = collections.OrderedDict()
        self._signed_inflight: dict[QuestionKey, asyncio.Future[Fetched]] = {}
        self._max_in_flight = max_in_flight
        self._gate: asyncio.Semaphore | None = None
        self._gate_loop: asyncio.AbstractEventLoop | None = None
        self._self_check = self_check
        self._must_exist = tuple(_as_name(n) for n in must_exist)
        self._failure_ttl = failure_ttl
        self._backoff = backoff
        self._expires: dict[QuestionKey, float] = {}  # cached failures: when they stop counting
        self._signed_expires: dict[QuestionKey, float] = {}
        self._trust: Trust | None = None
        self._trust_future: asyncio.Future[Trust] | None = None
        self._timeout = timeout

    # -- async core -------------------------------------------------------------------------

    async def query(self, name: str | dns.name.Name, rdtype: str | int) -> Answer:
        """Ask one question; never raises for DNS trouble (the Answer says what happened)."""
        return await self.ask(name, rdtype)

    def ask(self, name: str | dns.name.Name, rdtype: str | int) -> asyncio.Future[Answer]:
        """``query`` as a future (inside a running loop): what the checks gather, without a task
        per question. The future is shared by everyone asking the same question and is not
        cancelled by one of them (a cancelled waiter stops waiting when the answer comes). A bad
        name or type raises when the future is awaited, as ``query`` does, never in this call (a
        caller gathering it with coroutines would leave them unawaited)."""
        loop = asyncio.get_running_loop()
        try:
            qtype = _TYPES.get(rdtype) if isinstance(rdtype, str) else None
            qtype = qtype or dns.rdatatype.RdataType.make(rdtype)
            labels = _text_key(name) if isinstance(name, str) else None
            qname = None if labels is not None else _as_name(name)
        except (InputError, dns.exception.DNSException, ValueError) as err:
            refused: asyncio.Future[Answer] = loop.create_future()
            refused.set_exception(err)
            return refused
        key = (labels, int(qtype)) if labels is not None else _key(qname, int(qtype))  # type: ignore[arg-type]
        cached = self._cache.get(key)
        if cached is not None and not self._expired(key):
            self._cache.move_to_end(key)
            self.stats.cache_hits += 1
            done: asyncio.Future[Answer] = loop.create_future()
            done.set_result(cached)
            return done
        pending = self._inflight.get(key)
        if pending is not None:
            self.stats.joined += 1
            return pending
        out: Shared[Answer] = Shared(loop=loop)
        self._inflight[key] = out
        qname = qname or _as_name(name)
        if self._fast(qname):
            self._launch(qname, qtype, key, out, again=True)
        else:
            task = loop.create_task(self._resolve(qname, qtype))
            task.add_done_callback(functools.partial(self._from_task, key, out))
        return out

    # -- the fast path: a lean transport that calls back, no task per question -------------------

    def _fast(self, name: dns.name.Name) -> bool:
        """Whether a question can go straight to the live transport: no zone covers it, and the
        self-check has passed (or is running and this is one of the first PROBATION questions:
        one domain's first round goes out with the self-check, not after it)."""
        if self._sender is None or (self.zones and self.zones.covers(name)):
            return False
        if self._trust is None and self._self_check:
            self._start_self_check()
            if self._probation <= 0:
                return False
            self._probation -= 1
            return True
        return self._trust is None or self._trust.status is not TrustStatus.UNREACHABLE

    def _launch(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType, key: QuestionKey | None,
                out: asyncio.Future[Answer], *, again: bool) -> None:
        if self._flying >= self._max_in_flight:
            self._queued.append((name, rdtype, key, out, again))
            return
        assert self._sender is not None
        self._flying += 1
        self.stats.sent += 1
        self._sender.send(name, rdtype, functools.partial(self._delivered, name, rdtype, key, out, again))

    def _delivered(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType, key: QuestionKey | None,
                   out: asyncio.Future[Answer], again: bool, answer: Answer) -> None:
        self._flying -= 1
        while self._queued and self._flying < self._max_in_flight:
            queued_name, queued_type, queued_key, queued_out, queued_again = self._queued.popleft()
            self._launch(queued_name, queued_type, queued_key, queued_out, again=queued_again)
        if again and self._retry_later(answer):
            asyncio.get_running_loop().call_later(self._backoff, functools.partial(
                self._launch, name, rdtype, key, out, again=False))
            return
        if self._trust is None and self._trust_future is not None and not self._trust_future.done():
            self._trust_future.add_done_callback(lambda _: self._settle(key, out, self._judged(answer)))
            return
        self._settle(key, out, self._judged(answer))

    def _retry_later(self, answer: Answer) -> bool:
        """A brief SERVFAIL or REFUSED from every server: asked once more after the backoff."""
        return answer.outcome is Outcome.ERROR and _rcode_failure(answer) and self._backoff > 0

    def _judged(self, answer: Answer) -> Answer:
        """A live answer with the self-check's verdict applied (failures counted)."""
        trust = self._trust or Trust(TrustStatus.INCONCLUSIVE)
        if answer.outcome is Outcome.ERROR:
            self.stats.failures += 1
            if trust.status is TrustStatus.UNREACHABLE:
                return failure(answer.name, answer.rdtype, trust.reason)
        elif trust.status is TrustStatus.LYING and answer.absent:
            return failure(answer.name, answer.rdtype, trust.reason)
        return answer

    def _settle(self, key: QuestionKey | None, out: asyncio.Future[Answer], answer: Answer) -> None:
        if key is not None:
            if self._inflight.get(key) is out:
                del self._inflight[key]
            self._remember(key, answer)
        if not out.done():
            out.set_result(answer)

    def _from_task(self, key: QuestionKey, out: Shared[Answer], task: asyncio.Task[Answer]) -> None:
        if task.cancelled() or task.exception() is not None:  # the loop is ending: let joiners retry, not hang
            if self._inflight.get(key) is out:
                del self._inflight[key]
            out.abandon(None if task.cancelled() else task.exception())
            return
        self._settle(key, out, task.result())

    async def query_signed(self, name: str | dns.name.Name, rdtype: str | int) -> Fetched:
        """Ask with the DNSSEC OK (and CD) bits: the whole response, RRSIGs kept with their RRsets
        (the DNSSEC validator's ``fetch``). Cached and de-duplicated like ``query``, in a cache of
        its own (failures for ``failure_ttl`` seconds). ``--zone`` files and ``--offline`` carry no
        signatures: their names are failures, never absences."""
        qname = _as_name(name)
        key = _key(qname, int(dns.rdatatype.RdataType.make(rdtype)))
        cached = self._signed.get(key)
        if cached is not None and not (cached.error is not None and self._expired_signed(key)):
            self._signed.move_to_end(key)
            self.stats.cache_hits += 1
            return cached
        pending = self._signed_inflight.get(key)
        if pending is not None:
            self.stats.joined += 1
            return await asyncio.shield(pending)
        future: asyncio.Future[Fetched] = asyncio.get_running_loop().create_future()
        self._signed_inflight[key] = future
        try:
            fetched = await self._resolve_signed(qname, dns.rdatatype.RdataType.make(rdtype))
        except BaseException as err:  # cancelled: let joiners retry rather than hang
            self._signed_inflight.pop(key, None)
            future.set_exception(err if isinstance(err, Exception) else asyncio.CancelledError())
            future.exception()  # mark retrieved
            raise
        self._signed_inflight.pop(key, None)
        self._remember_signed(key, fetched)
        future.set_result(fetched)
        return fetched

    async def _resolve_signed(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Fetched:
        if self.zones and self.zones.covers(name):
            return fetch_failure(name, rdtype, "answered from a --zone file: signatures not verifiable")
        if self._live is None:
            return fetch_failure(name, rdtype, NOT_VERIFIABLE)
        if not isinstance(self._live, SignedTransport):
            return fetch_failure(name, rdtype, "this DNS transport cannot ask for DNSSEC records")
        trust = await self.trust()
        if trust.status is TrustStatus.UNREACHABLE:
            self.stats.failures += 1
            return fetch_failure(name, rdtype, trust.reason)
        async with self._semaphore():
            self.stats.sent += 1
            fetched = await self._live.lookup_signed(name, rdtype)
        if fetched.error is not None:
            self.stats.failures += 1
        return fetched

    def _remember_signed(self, key: QuestionKey, fetched: Fetched) -> None:
        self._signed[key] = fetched
        if fetched.error is not None:
            self._signed_expires[key] = time.monotonic() + self._failure_ttl
        if len(self._signed) > self._signed_size:
            old, _ = self._signed.popitem(last=False)
            self._signed_expires.pop(old, None)

    def _expired_signed(self, key: QuestionKey) -> bool:
        until = self._signed_expires.get(key)
        if until is None or time.monotonic() < until:
            return False
        del self._signed[key]
        del self._signed_expires[key]
        return True

    async def _resolve(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Answer:
        found = self.zones.lookup(name, rdtype) if self.zones else None
        if found is not None:
            self.stats.zone_answers += 1
            if found.continue_at is None:
                return found.answer
            rest = await self.query(found.continue_at, rdtype)
            cnames = found.answer.cnames + rest.cnames
            return Answer(name, rdtype, rest.outcome, rest.rdatas, cnames, rest.error, rest.ttl)
        if self._live is None:
            return failure(name, rdtype, NOT_VERIFIABLE)
        trust = await self.trust()
        if trust.status is TrustStatus.UNREACHABLE:
            self.stats.failures += 1
            return failure(name, rdtype, trust.reason)
        if self._sender is not None:  # after the self-check: the fast path (the caller caches)
            out: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
            self._launch(name, rdtype, None, out, again=True)
            return await out
        answer = await self._ask_live(name, rdtype)
        if self._retry_later(answer):
            await asyncio.sleep(self._backoff)
            answer = await self._ask_live(name, rdtype)
        return self._judged(answer)

    async def _ask_live(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Answer:
        assert self._live is not None
        async with self._semaphore():
            self.stats.sent += 1
            return await self._live.lookup(name, rdtype)

    # -- self-check ---------------------------------------------------------------------------

    @property
    def trust_verdict(self) -> Trust | None:
        """The self-check's verdict once it has run (None before, or when it never needed to)."""
        return self._trust

    async def trust(self) -> Trust:
        """Run the self-check once per run (concurrent callers share it); see the class doc."""
        if self._trust is not None:
            return self._trust
        if self._live is None or not self._self_check:
            self._trust = Trust(TrustStatus.INCONCLUSIVE)
            return self._trust
        self._start_self_check()
        assert self._trust_future is not None
        return await asyncio.shield(self._trust_future)

    def _start_self_check(self) -> None:
        loop = asyncio.get_running_loop()
        if self._trust_future is None or self._trust_future.get_loop() is not loop:
            self._trust_future = loop.create_task(self._check_self())

    async def _check_self(self) -> Trust:
        assert self._live is not None
        root, void, *musts = await asyncio.gather(
            self._live.lookup(dns.name.root, dns.rdatatype.SOA),
            self._live.lookup(_MUST_NOT_EXIST, dns.rdatatype.A),
            *(self._live.lookup(n, dns.rdatatype.SOA) for n in self._must_exist),
        )
        self.stats.self_check += 2 + len(musts)
        self._trust = await judge_self_check(self._live, root, void, musts, self._timeout)
        return self._trust

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._gate is None or self._gate_loop is not loop:
            self._gate, self._gate_loop = asyncio.Semaphore(self._max_in_flight), loop
        return self._gate

    def _remember(self, key: QuestionKey, answer: Answer) -> None:
        if answer.error == CLOSED:  # the run ended, DNS said nothing: the next run asks again
            return
        self._cache[key] = answer
        if answer.outcome is Outcome.ERROR and answer.error != NOT_VERIFIABLE:
            self._expires[key] = time.monotonic() + self._failure_ttl
        else:
            self._expires.pop(key, None)
        if len(self._cache) > self._cache_size:
            old, _ = self._cache.popitem(last=False)
            self._expires.pop(old, None)

    def _expired(self, key: QuestionKey) -> bool:
        """A cached failure past its time: ask again (an absence or an answer stays for the run)."""
        until = self._expires.get(key)
        if until is None or time.monotonic() < until:
            return False
        del self._cache[key]
        del self._expires[key]
        return True

    # -- closing -------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the live transport's sockets of the running loop."""
        if self._live is not None:
            await self._live.aclose()

    def run_sync(self, make: Callable[[], Awaitable[T]]) -> T:
        """``run_sync`` that closes this resolver's sockets before its event loop ends."""

        async def main() -> T:
            try:
                return await make()
            finally:
                await self.aclose()

        return run_sync(main)

    # -- sync facade ------------------------------------------------------------------------

    def query_sync(self, name: str | dns.name.Name, rdtype: str | int) -> Answer:
        return self.run_sync(lambda: self.query(name, rdtype))


def _live_source(
    transport: str | Transport, nameservers: Sequence[str] | None, port: int, timeout: float, retries: int
) -> Transport:
    """``lean`` (the default, see transport.py), ``dnspython`` (its asyncresolver), or a
    ``Transport`` object given by the caller."""
    if not isinstance(transport, str):
        return transport
    if transport == "lean":
        return Do53Source(nameservers, port, timeout, retries)
    if transport == "dnspython":  # imported here: dnspython's resolver stack (and its DoH) costs 0.1 s to load
        from mailaudit.dnscore.dnspython_transport import LiveSource

        return LiveSource(nameservers, port, timeout, retries)
    raise InputError(f"unknown DNS transport {transport!r} (lean or dnspython)")


def _key(name: dns.name.Name, rdtype: int) -> QuestionKey:
    """The cache key of a question: see QuestionKey."""
    return (name_key(name), rdtype)


def _text_key(text: str) -> NameKey | None:
    """``name_key(dns.name.from_text(text))`` for the plain case (ASCII, no escapes, every label
    1-63 octets, at most 255 in all), without making a Name; None for anything else."""
    if not text.isascii():  # before lowering: str.lower() maps some non-ASCII letters to ASCII
        return None
    labels = plain_labels(text.lower())
    return None if labels is None else (*labels, b"")


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

    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main())


def _rcode_failure(answer: Answer) -> bool:
    """SERVFAIL or REFUSED from every server (worth one more try); not a timeout."""
    return bool(answer.error) and "timeout" not in (answer.error or "") and any(
        code in (answer.error or "") for code in ("SERVFAIL", "REFUSED"))


async def judge_self_check(live: Transport, root: Answer, void: Answer, musts: Sequence[Answer],
                           timeout: float) -> Trust:
    """The verdict from the self-check's answers; a silent server is probed once for ICMP refusal."""
    if root.absent and root.authoritative and not any(a.absent for a in musts):
        # an authoritative-only server (a test rig) that answers for its zones and denies the rest:
        # not a recursive resolver, so no verdict; its absences inside its zones are real
        return Trust(TrustStatus.INCONCLUSIVE, "the nameserver is authoritative-only (it denies the root zone)")
    denied = [a for a in (root, *musts) if a.absent]
    if denied:
        what = "the root zone" if denied[0] is root else denied[0].name.to_text(omit_final_dot=True)
        return Trust(TrustStatus.LYING, f"the resolver's answers cannot be trusted (it denies {what}, which exists)")
    if root.outcome is Outcome.ERROR and all("timeout" in p for p in (root.error or "").split("/")):
        return Trust(TrustStatus.UNREACHABLE, await _unreachable_reason(live, timeout))
    if void.outcome is Outcome.ANSWER:
        return Trust(TrustStatus.HIJACKING, "the resolver answers names that cannot exist (NXDOMAIN rewriting): "
                                            "a host that does not exist may look as if it does")
    if root.outcome is Outcome.ANSWER:
        return Trust(TrustStatus.TRUSTED)
    return Trust(TrustStatus.INCONCLUSIVE, root.error or "")


async def _unreachable_reason(live: Transport, timeout: float) -> str:
    servers = getattr(live, "servers", ())
    shown = ", ".join(f"{h}:{p}" if p != 53 else h for h, p in servers) or "the system resolver"
    if servers and await probe_refused(servers[0], dns.name.root, min(timeout, 1.0)):
        return f"DNS server {shown} unreachable: connection refused (nothing listens there)"
    return f"DNS server {shown} unreachable: no answer to the resolver self-check within the timeout"
