"""CPU cost per DNS question of different asyncio transports (the resolver's hot path).

    .venv/bin/python benchmarks/transports.py [--questions 6000] [--delay-ms 0]

Serves a benchmark workload with knotd (optionally behind the delay proxy) and asks the same
realistic question mix (TXT, MX, A, PTR of the workload's names) through:

* ``asyncresolver``: dnspython's ``dns.asyncresolver.Resolver.resolve`` (a socket and an
  endpoint per question, then Resolution/Answer objects, CNAME chaining);
* ``asyncquery.udp``: ``dns.asyncquery.udp`` with a ready-made message (still a socket each);
* ``shared-socket``: one long-lived asyncio datagram endpoint for every question; the query
  wire is built by hand, answers matched by id and question, parsed with
  ``dns.message.from_wire`` and the CNAME chain walked directly in the answer section;
* ``mailaudit Do53Source``: the shipped lean transport (callbacks, one deadline sweep, sockets
  connected to the server, answer-section parse), through its ``lookup`` (one future each).

All run at the same concurrency (256 in flight); CPU seconds are this process's own.
"""

from __future__ import annotations

import argparse
import asyncio
import pathlib
import random
import socket
import struct
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable

import dns.asyncquery
import dns.asyncresolver
import dns.flags
import dns.message
import dns.name
import dns.nameserver
import dns.rcode
import dns.rdata
import dns.rdatatype
import dns.wire

from mailaudit.dnscore.transport import Do53Source, to_answer

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tools"))

import knotrig  # noqa: E402
import workload  # noqa: E402

Question = tuple[dns.name.Name, dns.rdatatype.RdataType]
Lookup = Callable[[dns.name.Name, dns.rdatatype.RdataType], Awaitable[object]]


def question_mix(wl: workload.Workload, count: int) -> list[tuple[dns.name.Name, dns.rdatatype.RdataType]]:
    rng = random.Random(1)
    out: list[tuple[dns.name.Name, dns.rdatatype.RdataType]] = []
    while len(out) < count:
        domain = dns.name.from_text(rng.choice(wl.domains))
        kind = rng.random()
        if kind < 0.7:  # DKIM probes dominate a full audit
            out.append((dns.name.from_text(f"s{rng.randrange(40)}._domainkey", origin=domain), dns.rdatatype.TXT))
        elif kind < 0.85:
            out.append((domain, dns.rdatatype.TXT))
        else:
            out.append((domain, dns.rdatatype.MX))
    return out


def via_asyncresolver(host: str, port: int) -> Lookup:
    res = dns.asyncresolver.Resolver(configure=False)
    res.nameservers = [dns.nameserver.Do53Nameserver(host, port)]
    res.use_edns(0, 0, 1232)
    res.cache = None

    async def lookup(name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> object:
        try:
            return await res.resolve(name, rdtype, raise_on_no_answer=False, search=False)
        except dns.resolver.NXDOMAIN:
            return None

    return lookup


def via_asyncquery(host: str, port: int) -> Lookup:
    async def lookup(name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> object:
        query = dns.message.make_query(name, rdtype, use_edns=0, payload=1232)
        return await dns.asyncquery.udp(query, host, timeout=5, port=port)

    return lookup


class SharedSocket(asyncio.DatagramProtocol):
    """One datagram endpoint; questions matched to answers by (id, wire question)."""

    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None
        self.waiting: dict[int, tuple[bytes, asyncio.Future[bytes]]] = {}
        self.rng = random.Random()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) < 12:
            return
        entry = self.waiting.get(struct.unpack_from("!H", data)[0])
        if entry is not None and data[12 : 12 + len(entry[0])] == entry[0] and not entry[1].done():
            entry[1].set_result(data)

    async def ask(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> bytes:
        question = bytes(name.to_wire() or b"") + struct.pack("!HH", rdtype, 1)
        qid = self.rng.getrandbits(16)
        while qid in self.waiting:
            qid = self.rng.getrandbits(16)
        future = asyncio.get_running_loop().create_future()
        self.waiting[qid] = (question, future)
        opt = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)  # EDNS0, 1232-byte payload
        assert self.transport is not None
        self.transport.sendto(struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 1) + question + opt)
        try:
            return await asyncio.wait_for(future, 5)
        finally:
            del self.waiting[qid]


def chase(message: dns.message.Message, name: dns.name.Name, rdtype: int) -> tuple[object, ...]:
    """The rdatas of ``rdtype`` at the end of the CNAME chain from ``name`` in the answer."""
    by_owner = {(rrset.name, int(rrset.rdtype)): rrset for rrset in message.answer}
    for _ in range(16):
        found = by_owner.get((name, rdtype))
        if found is not None:
            return tuple(found)
        alias = by_owner.get((name, dns.rdatatype.CNAME))
        if alias is None:
            return ()
        name = alias[0].target
    return ()


def lean_parse(wire: bytes, name: dns.name.Name, rdtype: int) -> tuple[int, tuple[object, ...]]:
    """rcode and the answer's rdatas, parsing only the answer section: the package's own parse."""
    answer = to_answer(name, dns.rdatatype.RdataType.make(rdtype), wire)
    return wire[3] & 15, answer.rdatas


async def via_shared_socket(host: str, port: int) -> tuple[Lookup, SharedSocket]:
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)  # bursts of answers must not drop
    sock.connect((host, port))
    sock.setblocking(False)
    _, proto = await loop.create_datagram_endpoint(SharedSocket, sock=sock)

    async def lookup(name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> object:
        wire = await proto.ask(name, rdtype)
        message = dns.message.from_wire(wire)
        return message.rcode(), chase(message, name, rdtype)

    return lookup, proto


def lean(proto: SharedSocket) -> Lookup:
    async def lookup(name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> object:
        return lean_parse(await proto.ask(name, rdtype), name, rdtype)

    return lookup


async def timed(lookup: Lookup, questions: list[Question], limit: int) -> tuple[float, float]:
    gate = asyncio.Semaphore(limit)

    async def one(name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> None:
        async with gate:
            await lookup(name, rdtype)

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one(n, t) for n, t in questions))
    return time.perf_counter() - wall, time.process_time() - cpu


async def compare(address: tuple[str, int], questions: list[Question], limit: int) -> None:
    host, port = address
    shared, proto = await via_shared_socket(host, port)
    shipped = Do53Source([f"{host}:{port}"], port, 3.0, 1)  # mailaudit's lean transport, as shipped
    candidates = {"asyncresolver": via_asyncresolver(host, port), "asyncquery.udp": via_asyncquery(host, port),
                  "shared-socket": shared, "shared-socket, answer-only parse": lean(proto),
                  "mailaudit Do53Source (callback, connected sockets)": shipped.lookup}
    print("| transport | questions | wall s | CPU s | CPU us/question |\n|---|---|---|---|---|")
    for label, lookup in candidates.items():
        await timed(lookup, questions[:200], limit)  # warm up
        wall, cpu = await timed(lookup, questions, limit)
        print(f"| {label} | {len(questions)} | {wall:.2f} | {cpu:.2f} | {1e6 * cpu / len(questions):.0f} |")
    if proto.transport is not None:
        proto.transport.close()
    await shipped.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=6000)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--in-flight", type=int, default=256)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mailaudit-transports-") as tmp:
        wl = workload.generate(pathlib.Path(tmp) / "zones", 500)
        with knotrig.KnotRig(wl.zone_dir, delay_ms=args.delay_ms) as rig:
            asyncio.run(compare((rig.host, rig.port), question_mix(wl, args.questions), args.in_flight))
    return 0


if __name__ == "__main__":
    sys.exit(main())
