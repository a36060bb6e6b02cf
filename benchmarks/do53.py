"""Prototype of a leaner live-DNS source for mailaudit's Resolver (a proposal, measured here).

``Do53Source`` has the interface of ``mailaudit.dns.LiveSource`` (same constructor, ``async
lookup(name, rdtype) -> Answer``) but replaces dnspython's asyncresolver path, which costs
~600-800 us CPU per question (a socket and endpoint per question, a full Message parse including
authority and additional sections, Resolution/Answer objects), with:

* a few long-lived UDP sockets per event loop (random one per question: source-port entropy on
  top of the random 16-bit id), answers matched by id, server address and question;
* the query wire built directly (header, question, EDNS0 OPT with a 1232-byte payload);
* parsing only the answer section (``dns.rdata.from_wire_parser`` per record) and walking the
  CNAME chain there; the authority and additional sections are never parsed;
* TCP for truncated answers; retries over the servers on timeout, SERVFAIL or REFUSED.

benchmarks/transports.py measures the difference per question; ``run.py --prototype`` runs the
full batch with it (benchmarks/prototype_cli.py swaps it in).
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
from collections.abc import Sequence

import dns.exception
import dns.name
import dns.rcode
import dns.rdata
import dns.rdatatype
import dns.resolver
import dns.wire

from mailaudit.answer import Answer, Outcome, failure
from mailaudit.dns import parse_nameserver
from mailaudit.errors import InputError

SOCKETS = 4
OPT = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)  # root owner, OPT, payload 1232, no options
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
            return  # an answer to some other question: ignore it (spoofing, late duplicates)
        entry[2].set_result(data)

    def error_received(self, exc: Exception) -> None:
        pass  # ICMP errors: the question times out and is retried

    async def ask(self, server: Server, question: bytes, wire_tail: bytes, timeout: float) -> bytes:
        qid = random.getrandbits(16)
        while qid in self.waiting:
            qid = random.getrandbits(16)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.waiting[qid] = (server, question.lower(), future)
        try:
            assert self.transport is not None
            self.transport.sendto(struct.pack("!H", qid) + wire_tail, server)
            return await asyncio.wait_for(future, timeout)
        finally:
            del self.waiting[qid]


class Do53Source:
    """Live DNS over UDP (TCP when truncated) with a lean parse; see the module docstring."""

    def __init__(self, nameservers: Sequence[str] | None, port: int, timeout: float, retries: int) -> None:
        if nameservers:
            self._servers = [parse_nameserver(text, port) for text in nameservers]
        else:
            try:
                system = dns.resolver.Resolver()
            except dns.exception.DNSException as err:
                raise InputError(f"no system resolver configuration: {err}") from None
            self._servers = [(str(ns), port) for ns in system.nameservers]
        self._timeout = timeout
        self._attempts = retries + 1
        self._pool: asyncio.Future[list[_Endpoint]] | None = None
        self._pool_loop: asyncio.AbstractEventLoop | None = None

    async def _endpoint(self) -> _Endpoint:
        loop = asyncio.get_running_loop()
        if self._pool_loop is not loop or self._pool is None:
            self._pool_loop = loop
            self._pool = asyncio.ensure_future(self._open_pool())
        return random.choice(await asyncio.shield(self._pool))

    async def _open_pool(self) -> list[_Endpoint]:
        loop = asyncio.get_running_loop()
        pool: list[_Endpoint] = []
        family = socket.AF_INET6 if ":" in self._servers[0][0] else socket.AF_INET
        for _ in range(SOCKETS):
            sock = socket.socket(family, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            sock.setblocking(False)
            sock.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", 0))
            _, proto = await loop.create_datagram_endpoint(_Endpoint, sock=sock)
            pool.append(proto)
        return pool

    async def lookup(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Answer:
        question = name.to_wire() + struct.pack("!HH", rdtype, 1)  # type: ignore[operator]
        tail = struct.pack("!HHHHH", 0x0100, 1, 0, 0, 1) + question + OPT  # RD, 1 question, 1 OPT
        problems: list[str] = []
        for attempt in range(self._attempts):
            server = self._servers[attempt % len(self._servers)]
            try:
                wire = await (await self._endpoint()).ask(server, question, tail, self._timeout)
                if wire[2] & 0x02:  # truncated: ask again over TCP
                    wire = await asyncio.wait_for(_tcp(server, tail), self._timeout)
            except TimeoutError:
                problems.append("timeout")
                continue
            except OSError as err:
                problems.append(" ".join(str(err).split()) or type(err).__name__)
                continue
            rcode = wire[3] & 0x0F
            if rcode in (dns.rcode.SERVFAIL, dns.rcode.REFUSED, dns.rcode.FORMERR, dns.rcode.NOTIMP):
                problems.append(dns.rcode.to_text(dns.rcode.Rcode(rcode)))
                continue
            return to_answer(name, rdtype, wire)
        return failure(name, rdtype, "/".join(sorted(set(problems))) or "no nameserver answered")


async def _tcp(server: Server, tail: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(*server)
    try:
        wire = struct.pack("!H", random.getrandbits(16)) + tail
        writer.write(struct.pack("!H", len(wire)) + wire)
        size = struct.unpack("!H", await reader.readexactly(2))[0]
        return await reader.readexactly(size)
    finally:
        writer.close()


def to_answer(name: dns.name.Name, rdtype: dns.rdatatype.RdataType, wire: bytes) -> Answer:
    """An Answer from a response, parsing only its answer section and following CNAMEs there."""
    try:
        records = _answer_section(wire)
    except (dns.exception.DNSException, ValueError, struct.error) as err:
        return failure(name, rdtype, f"malformed answer: {type(err).__name__}")
    cnames: list[dns.name.Name] = []
    current = name
    for _ in range(16):
        found = records.get((current, rdtype))
        if found:
            return Answer(name, rdtype, Outcome.ANSWER, tuple(dict.fromkeys(found)), tuple(cnames))
        alias = records.get((current, dns.rdatatype.CNAME))
        if not alias or rdtype == dns.rdatatype.CNAME:
            break
        current = alias[0].target  # type: ignore[attr-defined]
        if current in cnames:
            break
        cnames.append(current)
    rcode = wire[3] & 0x0F
    if rcode == dns.rcode.NXDOMAIN:
        return Answer(name, rdtype, Outcome.NXDOMAIN, cnames=tuple(cnames))
    if rcode == dns.rcode.YXDOMAIN:
        return failure(name, rdtype, "YXDOMAIN")
    if rcode != dns.rcode.NOERROR:
        return failure(name, rdtype, dns.rcode.to_text(dns.rcode.Rcode(rcode)))
    return Answer(name, rdtype, Outcome.NODATA, cnames=tuple(cnames))


def _answer_section(wire: bytes) -> dict[tuple[dns.name.Name, int], list[dns.rdata.Rdata]]:
    parser = dns.wire.Parser(wire, 12)
    for _ in range(struct.unpack_from("!H", wire, 4)[0]):
        parser.get_name(decompress=True)
        parser.seek(parser.current + 4)
    records: dict[tuple[dns.name.Name, int], list[dns.rdata.Rdata]] = {}
    for _ in range(struct.unpack_from("!H", wire, 6)[0]):
        owner = parser.get_name(decompress=True)
        rtype, rclass, _ttl, rdlen = parser.get_struct("!HHIH")
        with parser.restrict_to(rdlen):
            rdata = dns.rdata.from_wire_parser(rclass, rtype, parser)
        records.setdefault((owner, rtype), []).append(rdata)
    return records
