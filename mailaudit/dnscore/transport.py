"""The lean live-DNS transport (the default): plain DNS over UDP, TCP when truncated.

dnspython's asyncresolver costs about 600-800 us of CPU per question (a socket and endpoint per
question, a full message parse, Resolution and Answer objects); in a batch that is most of the
run's CPU (docs/performance.md). This transport keeps dnspython for what it is good at (names,
rdata parsing) and does the rest directly:

* a pool of long-lived UDP sockets per event loop and server, connected to it; each question goes
  out on a random one with a random 16-bit id (both from the OS's CSPRNG), and an answer is
  accepted only from the server asked (addresses compared in canonical form), with that id and
  the same question;
* the query built as wire bytes (header, question, EDNS0 OPT with a 1232-byte payload);
* no task, future or timer per question: an answer is parsed where its datagram arrives and handed
  to a callback (``send``: the resolver's fast path; ``lookup`` wraps it in a future), and one
  timer per event loop sweeps the deadlines, kept in send order since every question has the same
  timeout;
* only the answer section parsed; CNAME chains followed there (``lookup_signed``, for the
  DNSSEC validator, asks with DO and CD and parses the whole response);
* TCP when the answer is truncated, its answer checked like a UDP one (id, response bit, question);
  the next server (or the same again) on timeout, SERVFAIL, REFUSED, FORMERR or NOTIMP;
* CNAME chains walked by ``chain.follow``: a loop or an over-long chain is a failure;
* ``aclose()`` closes the sockets of the running loop (``Resolver.aclose`` calls it).

ICMP errors do not reach the pooled (unconnected) sockets; ``probe_refused`` asks once over a
connected socket, where the platform reports a closed port (the resolver's self-check uses it).
"""

from __future__ import annotations

import asyncio
import collections
import ipaddress
import os
import secrets
import socket
import struct
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdatatype
import dns.wire

from mailaudit.dnscore.answer import Answer, Outcome, failure
from mailaudit.dnscore.chain import ChainEnd, NameKey, follow, name_key
from mailaudit.dnscore.nameservers import address_of, parse_nameserver
from mailaudit.dnssec.model import Fetched, fetch_failure, fetched_from_message
from mailaudit.errors import InputError

SOCKETS = 16  # source ports per family: with the 16-bit id, about 20 bits against spoofed answers
OPT = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)  # root owner, OPT, payload 1232, no options
OPT_DO = b"\x00" + struct.pack("!HHIH", 41, 1232, 0x8000, 0)  # the same with the DO bit (RFC 3225)
RETRY_RCODES = frozenset({dns.rcode.SERVFAIL, dns.rcode.REFUSED, dns.rcode.FORMERR, dns.rcode.NOTIMP})
Server = tuple[str, int]
CLOSED = "the resolver was closed"  # a question's failure when aclose() ends it: not a DNS outcome, never cached
T = TypeVar("T")


Deliver = Callable[[T], None]


class _Query:
    """One question on its way: where it was sent, what went wrong so far, whom to tell."""

    __slots__ = (
        "attempt",
        "deliver",
        "done",
        "endpoint",
        "fail",
        "final",
        "finish",
        "match",
        "name",
        "problems",
        "qid",
        "question",
        "rdtype",
        "server",
        "tail",
    )

    def __init__(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType, dnssec: bool,
                 deliver: Deliver[Any]) -> None:
        self.name, self.rdtype, self.deliver = name, rdtype, deliver
        self.question = b"".join(bytes((len(label),)) + label for label in name.labels) + struct.pack("!HH", rdtype, 1)
        header = struct.pack("!HHHHH", 0x0110 if dnssec else 0x0100, 1, 0, 0, 1)  # RD (+CD), 1 question, 1 OPT
        self.tail = header + self.question + (OPT_DO if dnssec else OPT)
        self.match = self.question.lower()  # what the answer's question section must be (0x20-blind)
        self.finish: Callable[[dns.name.Name, dns.rdatatype.RdataType, bytes], Any] = (
            to_fetched if dnssec else to_answer)
        self.fail: Callable[[dns.name.Name, dns.rdatatype.RdataType, str], Any] = (
            fetch_failure if dnssec else failure)
        self.attempt = 0
        self.problems: list[str] = []
        self.final: set[Server] = set()  # servers whose answer will not change if asked again
        self.qid: int | None = None  # the id of the datagram in flight (None: none is)
        self.endpoint: _Endpoint | None = None
        self.server: Server = ("", 0)
        self.done = False


class _Endpoint(asyncio.DatagramProtocol):
    """One UDP socket shared by many questions in flight; an answer is handed over where it
    arrives (no task, no future per question)."""

    def __init__(self, on_answer: Callable[[_Query, bytes], None]) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.waiting: dict[int, _Query] = {}
        self._on_answer = on_answer

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) < 12 or not data[2] & 0x80:  # not a response
            return
        qid = (data[0] << 8) | data[1]
        query = self.waiting.get(qid)
        if query is None or (addr[0], addr[1]) != query.server:
            return
        match = query.match
        if data[12 : 12 + len(match)].lower() != match:
            return  # an answer to another question: spoofed or a late duplicate
        del self.waiting[qid]
        query.qid = None
        self._on_answer(query, data)

    def error_received(self, exc: Exception) -> None:
        pass  # ICMP errors: the question times out and is retried


class _Flight:
    """What one event loop's questions share: the socket pools, the deadlines in send order
    (every question has the same timeout, so the queue stays sorted) and one timer for them."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pools: dict[Server, asyncio.Future[list[_Endpoint]]] = {}  # connected sockets per server
        self.deadlines: collections.deque[tuple[float, _Query, int]] = collections.deque()
        self.timer: asyncio.TimerHandle | None = None
        self.tasks: set[asyncio.Task[None]] = set()  # TCP retries and sends waiting for a pool
        self.entropy = _Entropy()
        self.closed = False

    def ready(self, server: Server) -> list[_Endpoint] | None:
        pool = self.pools.get(server)
        return pool.result() if pool is not None and pool.done() and pool.exception() is None else None


class Transport(Protocol):
    """What the resolver needs from a live DNS source: one question in, one typed Answer out.
    A transport never raises for DNS trouble: timeouts, refusals and bad answers are failures."""

    async def lookup(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Answer: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class SignedTransport(Protocol):
    """A transport that can also return whole responses with DNSSEC records (``--trust-anchor``
    validation); the lean and dnspython transports both are."""

    async def lookup_signed(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Fetched: ...


class Do53Source:
    """Live DNS with a lean parse; the same interface as ``dns.LiveSource``, plus ``send``
    (an answer handed to a callback: what the resolver's fast path uses)."""

    def __init__(self, nameservers: Sequence[str] | None, port: int, timeout: float, retries: int) -> None:
        if nameservers:
            pairs = [parse_nameserver(text, port) for text in nameservers]
            self._servers = [(canonical(address_of(host, f"{host}:{p}")), p) for host, p in pairs]
        else:
            import dns.resolver  # only for the system's configuration: it loads the DoH stack (0.1 s)

            try:
                system = dns.resolver.Resolver()
            except dns.exception.DNSException as err:
                raise InputError(f"no system resolver configuration: {err}") from None
            self._servers = [(canonical(str(ns)), port) for ns in system.nameservers]
        if not self._servers:
            raise InputError("no nameserver configured")
        self._timeout = timeout
        self._tries = (retries + 1) * len(self._servers)
        self._flight: _Flight | None = None
        self._closed_loop: asyncio.AbstractEventLoop | None = None  # aclose() ran in this loop

    @property
    def servers(self) -> tuple[Server, ...]:
        return tuple(self._servers)

    async def lookup(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Answer:
        answer: Answer = await self._future(name, rdtype, dnssec=False)
        return answer

    async def lookup_signed(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Fetched:
        """The whole response with DNSSEC records (DO and CD set), for the DNSSEC validator."""
        fetched: Fetched = await self._future(name, rdtype, dnssec=True)
        return fetched

    def send(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType, deliver: Deliver[Answer]) -> None:
        """Ask, and call ``deliver`` with the Answer once (from the event loop, never inside this
        call). Timeouts, refusals and bad answers are delivered as failures, after every server."""
        self._next(_Query(name, rdtype, False, deliver), self._flight_of(asyncio.get_running_loop()))

    def _future(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType, *, dnssec: bool) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()

        def deliver(result: Any) -> None:
            if not future.done():
                future.set_result(result)

        self._next(_Query(name, rdtype, dnssec, deliver), self._flight_of(loop))
        return future

    def _flight_of(self, loop: asyncio.AbstractEventLoop) -> _Flight:
        if self._flight is None or self._flight.loop is not loop:
            self._flight = _Flight(loop)  # a new loop (the sync facade): the old one's sockets died with it
            self._flight.closed = self._closed_loop is loop
        return self._flight

    # -- one question's life: send, answer or timeout, next server ---------------------------------

    def _next(self, query: _Query, flight: _Flight) -> None:
        """Send the question to the next server that may still answer, or deliver why none did."""
        if flight.closed:  # asked after aclose() in this loop (a task still finishing): no new sockets
            flight.loop.call_soon(self._deliver, query, query.fail(query.name, query.rdtype, CLOSED))
            return
        while query.attempt < self._tries and not query.done:
            server = self._servers[query.attempt % len(self._servers)]
            query.attempt += 1
            if server in query.final:
                continue
            endpoints = flight.ready(server)
            if endpoints is None:
                self._spawn(flight, self._send_when_open(query, server, flight), query)
            else:
                self._send(query, server, endpoints, flight)
            return
        self._deliver(query, query.fail(query.name, query.rdtype,
                                        "/".join(sorted(set(query.problems))) or "no nameserver answered"))

    def _send(self, query: _Query, server: Server, endpoints: list[_Endpoint], flight: _Flight) -> None:
        entropy = flight.entropy
        endpoint = endpoints[entropy.byte() % len(endpoints)]  # SOCKETS divides 256: no bias
        qid = entropy.bits16()
        while qid in endpoint.waiting:
            qid = entropy.bits16()
        query.qid, query.endpoint, query.server = qid, endpoint, server
        endpoint.waiting[qid] = query
        deadline = flight.loop.time() + self._timeout
        flight.deadlines.append((deadline, query, qid))
        if flight.timer is None:
            flight.timer = flight.loop.call_at(deadline, self._sweep, flight)
        try:
            assert endpoint.transport is not None
            endpoint.transport.sendto(struct.pack("!H", qid) + query.tail)  # a connected socket: no address
        except OSError as err:
            del endpoint.waiting[qid]
            query.qid = None
            query.problems.append(" ".join(str(err).split()) or type(err).__name__)
            self._next(query, flight)

    def _sweep(self, flight: _Flight) -> None:
        """The one timer: every question past its deadline times out and goes to the next server."""
        flight.timer = None
        now = flight.loop.time()
        deadlines = flight.deadlines
        while deadlines:
            deadline, query, qid = deadlines[0]
            if query.qid != qid or query.done:  # answered, or sent again since: a stale entry
                deadlines.popleft()
                continue
            if deadline > now:
                flight.timer = flight.loop.call_at(deadline, self._sweep, flight)
                return
            deadlines.popleft()
            assert query.endpoint is not None
            query.endpoint.waiting.pop(qid, None)
            query.qid = None
            query.problems.append("timeout")
            self._next(query, flight)

    def _answered(self, query: _Query, wire: bytes) -> None:
        """A matching datagram arrived (``_Endpoint`` checked id, server and question)."""
        flight = self._flight
        if query.done or flight is None:
            return
        if wire[2] & 0x02:  # truncated: ask again over TCP
            self._spawn(flight, self._over_tcp(query, flight), query)
            return
        self._settle(query, wire, flight)

    def _settle(self, query: _Query, wire: bytes, flight: _Flight) -> None:
        rcode = wire[3] & 0x0F
        if rcode in RETRY_RCODES:
            query.problems.append(dns.rcode.to_text(dns.rcode.Rcode(rcode)))
            if rcode != dns.rcode.SERVFAIL:  # REFUSED, FORMERR, NOTIMP: a policy, not a hiccup
                query.final.add(query.server)
            self._next(query, flight)
            return
        try:
            result = query.finish(query.name, query.rdtype, wire)
        except Exception as err:  # a parser bug must not leave the question hanging
            result = query.fail(query.name, query.rdtype, f"malformed answer: {type(err).__name__}")
        self._deliver(query, result)

    def _deliver(self, query: _Query, result: Any) -> None:
        if not query.done:
            query.done = True
            query.deliver(result)

    async def _over_tcp(self, query: _Query, flight: _Flight) -> None:
        try:
            wire = await asyncio.wait_for(_tcp(query.server, query.tail, query.match), self._timeout)
        except TimeoutError:
            query.problems.append("timeout")
        except (OSError, asyncio.IncompleteReadError) as err:
            query.problems.append(" ".join(str(err).split()) or type(err).__name__)
        else:
            self._settle(query, wire, flight)
            return
        self._next(query, flight)

    async def _send_when_open(self, query: _Query, server: Server, flight: _Flight) -> None:
        pool = flight.pools.get(server)
        if pool is None:
            pool = flight.pools[server] = asyncio.ensure_future(_open_pool(server, self._answered))
        try:
            endpoints = await asyncio.shield(pool)
        except OSError as err:
            flight.pools.pop(server, None)  # e.g. no IPv6 here: the next question tries again
            query.problems.append(" ".join(str(err).split()) or type(err).__name__)
            self._next(query, flight)
            return
        self._send(query, server, endpoints, flight)

    def _spawn(self, flight: _Flight, work: Coroutine[Any, Any, None], query: _Query) -> None:
        """Run ``work`` (a TCP retry, a send waiting for its sockets) for ``query``; if the task is
        cancelled (the loop is ending, ``aclose``), the question is told so: it never hangs."""
        task = flight.loop.create_task(work)

        def cancelled(done: asyncio.Task[None]) -> None:
            if done.cancelled():
                self._deliver(query, query.fail(query.name, query.rdtype, CLOSED))

        task.add_done_callback(cancelled)
        flight.tasks.add(task)
        task.add_done_callback(flight.tasks.discard)

    async def aclose(self) -> None:
        """Close the sockets opened in the running loop and tell every question still in flight
        that it failed (pools of other loops died with them)."""
        self._closed_loop = asyncio.get_running_loop()
        flight = self._flight
        if flight is None or flight.loop is not self._closed_loop:
            return
        flight.closed = True
        if flight.timer is not None:
            flight.timer.cancel()
        for task in list(flight.tasks):
            task.cancel()
        for server in flight.pools:
            for endpoint in flight.ready(server) or ():
                for query in list(endpoint.waiting.values()):
                    self._deliver(query, query.fail(query.name, query.rdtype, CLOSED))
                endpoint.waiting.clear()
                if endpoint.transport is not None:
                    endpoint.transport.close()
        await asyncio.sleep(0)  # let the transports finish closing


async def _open_pool(server: Server, on_answer: Callable[[_Query, bytes], None]) -> list[_Endpoint]:
    """SOCKETS UDP sockets connected to ``server``: the kernel delivers only its datagrams, and a
    send needs no route lookup of its own."""
    loop = asyncio.get_running_loop()
    family = socket.AF_INET6 if ":" in server[0] else socket.AF_INET
    pool: list[_Endpoint] = []
    for _ in range(SOCKETS):
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            sock.setblocking(False)
            sock.connect(server)
            _, proto = await loop.create_datagram_endpoint(lambda: _Endpoint(on_answer), sock=sock)
        except BaseException:
            sock.close()
            for endpoint in pool:
                if endpoint.transport is not None:
                    endpoint.transport.close()
            raise
        pool.append(proto)
    return pool


class _Entropy:
    """Random bytes for ids and socket choices from the OS's CSPRNG, drawn 4 KiB at a time (a
    ``secrets`` call per id was one ``getrandom`` system call each: three per question)."""

    __slots__ = ("_at", "_buffer")

    def __init__(self) -> None:
        self._buffer = b""
        self._at = 0

    def _take(self, count: int) -> bytes:
        if self._at + count > len(self._buffer):
            self._buffer, self._at = os.urandom(4096), 0
        chunk = self._buffer[self._at : self._at + count]
        self._at += count
        return chunk

    def byte(self) -> int:
        return self._take(1)[0]

    def bits16(self) -> int:
        high, low = self._take(2)
        return (high << 8) | low


async def _tcp(server: Server, tail: bytes, match: bytes) -> bytes:
    """The TCP answer to the query ``tail``; ``match``: its question section in lower case."""
    reader, writer = await asyncio.open_connection(*server)
    try:
        qid = secrets.randbits(16)
        wire = struct.pack("!H", qid) + tail
        writer.write(struct.pack("!H", len(wire)) + wire)
        size = struct.unpack("!H", await reader.readexactly(2))[0]
        answer = await reader.readexactly(size)
        if (len(answer) < 12 or struct.unpack_from("!H", answer)[0] != qid or not answer[2] & 0x80
                or answer[12 : 12 + len(match)].lower() != match):
            raise OSError("TCP answer does not match the question")
        return answer
    finally:
        writer.close()


def canonical(address: str) -> str:
    """An address in the form the kernel reports a datagram's source in (``0::1`` -> ``::1``)."""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address


async def probe_refused(server: Server, name: dns.name.Name, timeout: float) -> bool:
    """True when the platform says nothing listens on the server's UDP port (ICMP port
    unreachable, seen only on a connected socket); False when it answers or stays silent."""
    loop = asyncio.get_running_loop()
    refused: asyncio.Future[bool] = loop.create_future()

    class _Probe(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            if not refused.done():
                refused.set_result(False)

        def error_received(self, exc: Exception) -> None:
            if not refused.done():
                refused.set_result(isinstance(exc, ConnectionRefusedError))

    try:
        transport, _ = await loop.create_datagram_endpoint(_Probe, remote_addr=server)
    except OSError:
        return False
    try:
        query = struct.pack("!HHHHHH", secrets.randbits(16), 0x0100, 1, 0, 0, 0)
        wire_name = name.to_wire()
        assert wire_name is not None
        transport.sendto(query + wire_name + struct.pack("!HH", dns.rdatatype.SOA, 1))
        return bool(await asyncio.wait_for(refused, timeout))
    except (TimeoutError, OSError):
        return False
    finally:
        transport.close()


def to_answer(name: dns.name.Name, rdtype: dns.rdatatype.RdataType, wire: bytes) -> Answer:
    """An Answer from a response, parsing only its answer section and following CNAMEs there;
    a looping or over-long chain is a failure, never an absence."""
    try:
        ttls: dict[tuple[NameKey, int], int] = {}
        records = _answer_section(wire, ttls)
    except (dns.exception.DNSException, ValueError, struct.error, IndexError) as err:
        return failure(name, rdtype, f"malformed answer: {type(err).__name__}")
    chain = follow(records, name, rdtype)
    if chain.problem is not None:
        return Answer(name, rdtype, Outcome.ERROR, cnames=chain.cnames, error=chain.problem)
    if chain.end is ChainEnd.FOUND:
        end = chain.cnames[-1] if chain.cnames else name
        return Answer(name, rdtype, Outcome.ANSWER, chain.rdatas, chain.cnames, ttl=ttls.get((name_key(end), rdtype)))
    rcode = wire[3] & 0x0F
    if rcode == dns.rcode.NXDOMAIN:
        return Answer(name, rdtype, Outcome.NXDOMAIN, cnames=chain.cnames, authoritative=bool(wire[2] & 0x04))
    if rcode == dns.rcode.YXDOMAIN:
        return failure(name, rdtype, "YXDOMAIN")
    if rcode != dns.rcode.NOERROR:
        return failure(name, rdtype, dns.rcode.to_text(dns.rcode.Rcode(rcode)))
    return Answer(name, rdtype, Outcome.NODATA, cnames=chain.cnames, authoritative=bool(wire[2] & 0x04))


def to_fetched(name: dns.name.Name, rdtype: dns.rdatatype.RdataType, wire: bytes) -> Fetched:
    """A full parse (answer and authority sections, RRSIGs kept with their RRsets) for DNSSEC."""
    try:
        message = dns.message.from_wire(wire)
    except (dns.exception.DNSException, ValueError, struct.error, IndexError) as err:
        return fetch_failure(name, rdtype, f"malformed answer: {type(err).__name__}")
    return fetched_from_message(name, rdtype, message)


def _answer_section(wire: bytes, ttls: dict[tuple[NameKey, int], int] | None = None
                    ) -> dict[tuple[NameKey, int], list[dns.rdata.Rdata]]:
    """The answer section's records by (owner key, type); ``ttls`` (if given) gets each RRset's
    TTL. Owners are read as keys (no Name objects); record data is dnspython's."""
    offset = 12
    for _ in range((wire[4] << 8) | wire[5]):  # skip the question section
        offset = _skip_name(wire, offset) + 4
    records: dict[tuple[NameKey, int], list[dns.rdata.Rdata]] = {}
    seen: set[tuple[NameKey, int, bytes]] = set()
    for _ in range((wire[6] << 8) | wire[7]):
        owner, offset = _read_key(wire, offset)
        rtype, rclass, ttl, rdlen = _RR.unpack_from(wire, offset)
        offset += 10
        if offset + rdlen > len(wire):
            raise ValueError("record data past the end of the message")
        if ttls is not None:
            ttls[(owner, rtype)] = min(ttl, ttls.get((owner, rtype), ttl))
        raw = wire[offset : offset + rdlen]
        if (owner, rtype, raw) not in seen:  # a record repeated in the section counts once (an RRset is a set)
            seen.add((owner, rtype, raw))
            parser = dns.wire.Parser(wire, offset)
            with parser.restrict_to(rdlen):
                rdata = dns.rdata.from_wire_parser(rclass, rtype, parser)
            records.setdefault((owner, rtype), []).append(rdata)
        offset += rdlen
    return records


_RR = struct.Struct("!HHIH")


def _skip_name(wire: bytes, offset: int) -> int:
    """The offset after a (possibly compressed) name."""
    while True:
        length = wire[offset]
        if length == 0:
            return offset + 1
        if length & 0xC0 == 0xC0:
            return offset + 2
        if length & 0xC0:
            raise ValueError("bad label type")
        offset += length + 1


def _read_key(wire: bytes, offset: int) -> tuple[NameKey, int]:
    """A (possibly compressed) name as its lower-cased labels (``chain.name_key``'s form) and the
    offset after it. Pointers must go backwards (so they cannot loop); at most 255 octets."""
    labels: list[bytes] = []
    end = -1
    size = 0
    while True:
        length = wire[offset]
        if length & 0xC0 == 0xC0:
            target = ((length & 0x3F) << 8) | wire[offset + 1]
            if target >= offset:
                raise ValueError("forward compression pointer")
            if end < 0:
                end = offset + 2
            offset = target
            continue
        if length & 0xC0:
            raise ValueError("bad label type")
        size += length + 1
        if size > 255:
            raise ValueError("name too long")
        if length == 0:
            labels.append(b"")
            return tuple(labels), (end if end >= 0 else offset + 1)
        label = wire[offset + 1 : offset + 1 + length]
        if len(label) < length:
            raise ValueError("label past the end of the message")
        labels.append(label.lower())
        offset += length + 1
