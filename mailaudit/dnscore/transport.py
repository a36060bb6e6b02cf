"""The lean live-DNS transport (the default): plain DNS over UDP, TCP when truncated.

dnspython's asyncresolver costs about 600-800 us of CPU per question (a socket and endpoint per
question, a full message parse, Resolution and Answer objects); in a batch that is most of the
run's CPU (docs/performance.md). This transport keeps dnspython for what it is good at (names,
rdata parsing) and does the rest directly:

* a pool of long-lived UDP sockets per event loop and address family; each question goes out on a
  random one (``secrets``) with a random 16-bit id, and an answer is accepted only from the server
  asked (addresses compared in canonical form), with that id and the same question;
* the query built as wire bytes (header, question, EDNS0 OPT with a 1232-byte payload);
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
import ipaddress
import secrets
import socket
import struct
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdatatype
import dns.wire

from mailaudit.dnscore.answer import Answer, Outcome, failure
from mailaudit.dnscore.chain import ChainEnd, follow
from mailaudit.dnscore.nameservers import address_of, parse_nameserver
from mailaudit.dnssec.model import Fetched, fetch_failure, fetched_from_message
from mailaudit.errors import InputError

SOCKETS = 16  # source ports per family: with the 16-bit id, about 20 bits against spoofed answers
OPT = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)  # root owner, OPT, payload 1232, no options
OPT_DO = b"\x00" + struct.pack("!HHIH", 41, 1232, 0x8000, 0)  # the same with the DO bit (RFC 3225)
RETRY_RCODES = frozenset({dns.rcode.SERVFAIL, dns.rcode.REFUSED, dns.rcode.FORMERR, dns.rcode.NOTIMP})
Server = tuple[str, int]


class _Endpoint(asyncio.DatagramProtocol):
    """One UDP socket shared by many questions in flight."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.waiting: dict[int, tuple[Server, bytes, asyncio.Future[bytes]]] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) < 12 or not data[2] & 0x80:  # not a response
            return
        entry = self.waiting.get(struct.unpack_from("!H", data)[0])
        if entry is None or (addr[0], addr[1]) != entry[0] or entry[2].done():
            return
        question = entry[1]
        if data[12 : 12 + len(question)].lower() != question:
            return  # an answer to another question: spoofed or a late duplicate
        entry[2].set_result(data)

    def error_received(self, exc: Exception) -> None:
        pass  # ICMP errors: the question times out and is retried

    async def ask(self, server: Server, question: bytes, tail: bytes, timeout: float) -> bytes:
        qid = secrets.randbits(16)
        while qid in self.waiting:
            qid = secrets.randbits(16)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.waiting[qid] = (server, question.lower(), future)
        try:
            assert self.transport is not None
            self.transport.sendto(struct.pack("!H", qid) + tail, server)
            return await asyncio.wait_for(future, timeout)
        finally:
            del self.waiting[qid]


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
    """Live DNS with a lean parse; the same interface as ``dns.LiveSource``."""

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
        self._attempts = retries + 1
        self._pools: dict[int, asyncio.Future[list[_Endpoint]]] = {}
        self._pool_loop: asyncio.AbstractEventLoop | None = None

    async def _endpoint(self, server: Server) -> _Endpoint:
        loop = asyncio.get_running_loop()
        if self._pool_loop is not loop:
            self._pool_loop, self._pools = loop, {}
        family = socket.AF_INET6 if ":" in server[0] else socket.AF_INET
        pool = self._pools.get(family)
        if pool is None:
            pool = self._pools[family] = asyncio.ensure_future(_open_pool(family))
        if pool.done():  # the usual case: no shield (a future and two callbacks) per question
            return secrets.choice(pool.result())
        return secrets.choice(await asyncio.shield(pool))

    @property
    def servers(self) -> tuple[Server, ...]:
        return tuple(self._servers)

    async def aclose(self) -> None:
        """Close the sockets opened in the running loop (pools of other loops died with them)."""
        if self._pool_loop is not asyncio.get_running_loop():
            return
        pools, self._pools = self._pools, {}
        for pool in pools.values():
            if pool.done() and not pool.cancelled() and pool.exception() is None:
                for endpoint in pool.result():
                    if endpoint.transport is not None:
                        endpoint.transport.close()
        await asyncio.sleep(0)  # let the transports finish closing

    async def lookup(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Answer:
        wire = await self._exchange(name, rdtype, dnssec=False)
        return failure(name, rdtype, wire) if isinstance(wire, str) else to_answer(name, rdtype, wire)

    async def lookup_signed(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Fetched:
        """The whole response with DNSSEC records (DO and CD set), for the DNSSEC validator."""
        wire = await self._exchange(name, rdtype, dnssec=True)
        return fetch_failure(name, rdtype, wire) if isinstance(wire, str) else to_fetched(name, rdtype, wire)

    async def _exchange(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType, *, dnssec: bool) -> bytes | str:
        """The response's wire bytes, or why there is none (timeouts, refusals: tried on every server)."""
        question = name.to_wire() + struct.pack("!HH", rdtype, 1)  # type: ignore[operator]
        header = struct.pack("!HHHHH", 0x0110 if dnssec else 0x0100, 1, 0, 0, 1)  # RD (+CD), 1 question, 1 OPT
        tail = header + question + (OPT_DO if dnssec else OPT)
        problems: list[str] = []
        final: set[Server] = set()  # servers whose answer will not change if asked again
        for attempt in range(self._attempts * len(self._servers)):
            server = self._servers[attempt % len(self._servers)]
            if server in final:
                continue
            try:
                wire = await (await self._endpoint(server)).ask(server, question, tail, self._timeout)
                if wire[2] & 0x02:  # truncated: ask again over TCP
                    wire = await asyncio.wait_for(_tcp(server, tail), self._timeout)
            except TimeoutError:
                problems.append("timeout")
                continue
            except (OSError, asyncio.IncompleteReadError) as err:
                problems.append(" ".join(str(err).split()) or type(err).__name__)
                continue
            if len(wire) < 12:
                problems.append("malformed answer")
                continue
            rcode = wire[3] & 0x0F
            if rcode in RETRY_RCODES:
                problems.append(dns.rcode.to_text(dns.rcode.Rcode(rcode)))
                if rcode != dns.rcode.SERVFAIL:  # REFUSED, FORMERR, NOTIMP: a policy, not a hiccup
                    final.add(server)
                continue
            return wire
        return "/".join(sorted(set(problems))) or "no nameserver answered"


async def _open_pool(family: int) -> list[_Endpoint]:
    loop = asyncio.get_running_loop()
    pool: list[_Endpoint] = []
    for _ in range(SOCKETS):
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.setblocking(False)
        sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", 0))
        _, proto = await loop.create_datagram_endpoint(_Endpoint, sock=sock)
        pool.append(proto)
    return pool


async def _tcp(server: Server, tail: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(*server)
    try:
        qid = secrets.randbits(16)
        wire = struct.pack("!H", qid) + tail
        writer.write(struct.pack("!H", len(wire)) + wire)
        size = struct.unpack("!H", await reader.readexactly(2))[0]
        answer = await reader.readexactly(size)
        question = _question_of(tail)
        if (len(answer) < 12 or struct.unpack_from("!H", answer)[0] != qid or not answer[2] & 0x80
                or answer[12 : 12 + len(question)].lower() != question.lower()):
            raise OSError("TCP answer does not match the question")
        return answer
    finally:
        writer.close()


def _question_of(tail: bytes) -> bytes:
    """The question section of a query built by ``lookup`` (header tail: flags and 4 counts)."""
    return tail[10 : len(tail) - len(OPT)]


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
        ttls: dict[tuple[dns.name.Name, int], int] = {}
        records = _answer_section(wire, ttls)
    except (dns.exception.DNSException, ValueError, struct.error, IndexError) as err:
        return failure(name, rdtype, f"malformed answer: {type(err).__name__}")
    chain = follow(records, name, rdtype)
    if chain.problem is not None:
        return Answer(name, rdtype, Outcome.ERROR, cnames=chain.cnames, error=chain.problem)
    if chain.end is ChainEnd.FOUND:
        end = chain.cnames[-1] if chain.cnames else name
        return Answer(name, rdtype, Outcome.ANSWER, chain.rdatas, chain.cnames, ttl=ttls.get((end, rdtype)))
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


def _answer_section(wire: bytes, ttls: dict[tuple[dns.name.Name, int], int] | None = None
                    ) -> dict[tuple[dns.name.Name, int], list[dns.rdata.Rdata]]:
    """The answer section's records by (owner, type); ``ttls`` (if given) gets each RRset's TTL."""
    parser = dns.wire.Parser(wire, 12)
    for _ in range(struct.unpack_from("!H", wire, 4)[0]):  # skip the question section
        parser.get_name(decompress=True)
        parser.seek(parser.current + 4)
    records: dict[tuple[dns.name.Name, int], list[dns.rdata.Rdata]] = {}
    for _ in range(struct.unpack_from("!H", wire, 6)[0]):
        owner = parser.get_name(decompress=True)
        rtype, rclass, ttl, rdlen = parser.get_struct("!HHIH")
        if ttls is not None:
            ttls[(owner, rtype)] = min(ttl, ttls.get((owner, rtype), ttl))
        with parser.restrict_to(rdlen):
            rdata = dns.rdata.from_wire_parser(rclass, rtype, parser)
        records.setdefault((owner, rtype), []).append(rdata)
    return records
