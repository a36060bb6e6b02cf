"""The project's authoritative test DNS server: real UDP and TCP on 127.0.0.1, in-process.

Independent of the code under test (it does not use mailaudit's zone code). It serves zone
files and records added in code, and can misbehave on purpose:

* NXDOMAIN / NODATA (empty non-terminals exist), CNAME chains and wildcards inside its data;
* names outside every zone it serves get REFUSED, as from a real authoritative server;
* ``timeout(name, type=None)``: never answer (one type, or every type the name lacks);
* ``servfail(name)``: answer SERVFAIL;
* UDP answers larger than the client's EDNS payload (512 without EDNS) go out truncated,
  ``truncate(name)`` truncates every UDP answer for a name, so clients must retry over TCP;
* ``delay``: seconds added to every answer, without serialising answers;
* ``fail_for(name, seconds)``: never answer the name until that many seconds have passed;
* ``hold(name)``: answer the name (every type) only after ``release()``: a question that must
  go out while another is unanswered (scheduling tests), without any timing;
* ``lie()``: NXDOMAIN (without an SOA) for every name, as a filtering or captive resolver;
* ``silence()``: never answer anything (a dead server that still holds the port);
* ``deny_outside()``: NXDOMAIN with AA for names outside its zones (a sloppy authoritative rig);
* ``tcp_mismatch(name)``: TCP answers for the name carry another question (a broken middlebox);
* ``host``: the address to listen on (``127.0.0.1`` by default, ``::1`` works too);
* ``queries``: a Counter of (name, TYPE) asked, for 'asked once' tests; ``reset()`` clears it.
"""

from __future__ import annotations

import asyncio
import collections
import pathlib
import socket
import struct
import threading
import time
from collections.abc import Iterable

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

Key = tuple[dns.name.Name, int]


class ZoneData:
    def __init__(self) -> None:
        self.records: dict[dns.name.Name, dict[int, list[dns.rdata.Rdata]]] = {}
        self.origins: set[dns.name.Name] = set()
        self.existing: set[dns.name.Name] = set()
        self.ttls: dict[tuple[dns.name.Name, int], int] = {}  # TTLs from zone files (default 300)

    def add_origin(self, origin: str | dns.name.Name) -> None:
        self.origins.add(_name(origin))

    def add(self, name: str | dns.name.Name, rdtype: str, text: str, ttl: int = 300) -> None:
        rdata = dns.rdata.from_text(dns.rdataclass.IN, rdtype, text, origin=dns.name.root, relativize=False)
        self.add_rdata(_name(name), rdata)

    def add_rdata(self, name: dns.name.Name, rdata: dns.rdata.Rdata) -> None:
        self.records.setdefault(name, {}).setdefault(rdata.rdtype, []).append(rdata)
        while len(name) > 1 and name not in self.existing:
            self.existing.add(name)
            name = name.parent()

    def load(self, path: pathlib.Path) -> None:
        """A zone file NAME.zone (origin NAME unless it declares $ORIGIN) or a folder of them."""
        if path.is_dir():
            for child in sorted(path.glob("*.zone")):
                self.load(child)
            return
        text = path.read_text()
        origin = path.name.removesuffix(".zone")
        for line in text.splitlines():
            if line.upper().startswith("$ORIGIN"):
                origin = line.split()[1]
                break
        zone = dns.zone.from_text(text, origin=origin, relativize=False, check_origin=False)
        self.add_origin(zone.origin)  # type: ignore[arg-type]
        for name, node in zone.nodes.items():
            for rdataset in node.rdatasets:
                self.ttls[(name, rdataset.rdtype)] = rdataset.ttl
                for rdata in rdataset:
                    self.add_rdata(name, rdata)

    def covered(self, name: dns.name.Name) -> bool:
        return any(name.is_subdomain(o) for o in self.origins) or name in self.existing

    def node(self, name: dns.name.Name) -> dict[int, list[dns.rdata.Rdata]] | None:
        found = self.records.get(name)
        if found is not None or name in self.existing:
            return found or {}
        parent = name
        while len(parent) > 1:  # wildcard at the closest encloser
            parent = parent.parent()
            if parent in self.existing:
                return self.records.get(dns.name.Name((b"*", *parent.labels)))
        return None


def _name(name: str | dns.name.Name) -> dns.name.Name:
    return name if isinstance(name, dns.name.Name) else dns.name.from_text(name)


class DNSServer:
    def __init__(self, data: ZoneData | None = None, delay: float = 0.0, host: str = "127.0.0.1") -> None:
        self.data = data or ZoneData()
        self.delay = delay
        self.failing_until: dict[dns.name.Name, float] = {}
        self.lying = False
        self.silent = False
        self.denying_outside = False
        self.tcp_mismatched: set[dns.name.Name] = set()
        self.timeouts: set[tuple[dns.name.Name, int | None]] = set()
        self.servfails: set[dns.name.Name] = set()
        self.truncated: set[dns.name.Name] = set()
        self.held: set[dns.name.Name] = set()
        self._released: asyncio.Event | None = None  # made in the server's loop
        self.queries: collections.Counter[tuple[str, str]] = collections.Counter()
        self.host = host
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- configuration ---------------------------------------------------------------
    def load(self, *paths: str | pathlib.Path) -> DNSServer:
        for path in paths:
            self.data.load(pathlib.Path(path))
        return self

    def add(self, name: str, rdtype: str, text: str) -> DNSServer:
        self.data.add(name, rdtype, text)
        return self

    def timeout(self, name: str, rdtype: str | None = None) -> DNSServer:
        self.timeouts.add((_name(name), dns.rdatatype.from_text(rdtype) if rdtype else None))
        return self

    def servfail(self, name: str) -> DNSServer:
        self.servfails.add(_name(name))
        return self

    def fail_for(self, name: str, seconds: float) -> DNSServer:
        self.failing_until[_name(name)] = time.monotonic() + seconds
        return self

    def hold(self, name: str) -> DNSServer:
        self.held.add(_name(name))
        return self

    def release(self) -> None:
        """Answer every held question now, and later ones at once."""
        self.held.clear()
        if self._loop is not None and self._released is not None:
            self._loop.call_soon_threadsafe(self._released.set)

    def lie(self) -> DNSServer:
        self.lying = True
        return self

    def deny_outside(self) -> DNSServer:
        self.denying_outside = True
        return self

    def silence(self) -> DNSServer:
        self.silent = True
        return self

    def tcp_mismatch(self, name: str) -> DNSServer:
        self.tcp_mismatched.add(_name(name))
        self.truncated.add(_name(name))
        return self

    def truncate(self, name: str) -> DNSServer:
        self.truncated.add(_name(name))
        return self

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def count(self, name: str, rdtype: str) -> int:
        return self.queries[(_name(name).to_text().lower(), rdtype.upper())]

    @property
    def total(self) -> int:
        return sum(self.queries.values())

    def repeated(self) -> dict[tuple[str, str], int]:
        return {k: v for k, v in self.queries.items() if v > 1}

    def reset(self) -> None:
        with self._lock:
            self.queries.clear()

    # -- answering -------------------------------------------------------------------
    def answer(self, query: dns.message.Message) -> dns.message.Message | None:
        question = query.question[0]
        qname, qtype = question.name, question.rdtype
        with self._lock:
            self.queries[(qname.to_text().lower(), dns.rdatatype.to_text(qtype))] += 1
        if self.silent or time.monotonic() < self.failing_until.get(qname, 0.0):
            return None
        response = dns.message.make_response(query)
        if self.lying:
            response.set_rcode(dns.rcode.NXDOMAIN)
            return response
        response.flags |= dns.flags.AA
        chain: list[dns.name.Name] = []
        current = qname
        for _ in range(20):
            if (current, qtype) in self.timeouts:
                return None
            if current in self.servfails:
                response.set_rcode(dns.rcode.SERVFAIL)
                return response
            if not self.data.covered(current):
                if chain:
                    return response  # CNAME out of our data: the client follows it
                if self.denying_outside:
                    response.set_rcode(dns.rcode.NXDOMAIN)
                    return response
                response.flags &= ~dns.flags.AA
                response.set_rcode(dns.rcode.REFUSED)
                return response
            node = self.data.node(current)
            if node is None:
                if (current, None) in self.timeouts:
                    return None
                response.set_rcode(dns.rcode.NXDOMAIN)
                return response
            rdatas = node.get(qtype)
            if rdatas:
                response.answer.append(_rrset(current, rdatas, self.data.ttls.get((current, qtype), 300)))
                return response
            alias = node.get(dns.rdatatype.CNAME)
            if alias and qtype != dns.rdatatype.CNAME:
                response.answer.append(_rrset(current, alias, self.data.ttls.get((current, dns.rdatatype.CNAME), 300)))
                current = alias[0].target  # type: ignore[attr-defined]
                if current in chain:
                    return response
                chain.append(current)
                continue
            if (current, None) in self.timeouts:
                return None
            return response  # NODATA
        return response

    # -- running ---------------------------------------------------------------------
    def start(self) -> DNSServer:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("test DNS server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> DNSServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        udp_sock, tcp_sock = _bind_pair(self.host)
        self.port = udp_sock.getsockname()[1]
        server = self

        class UDP(asyncio.DatagramProtocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                self.transport = transport

            def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
                task = loop.create_task(server._udp(self.transport, data, addr))  # type: ignore[arg-type]
                server._tasks.add(task)
                task.add_done_callback(server._tasks.discard)

        async def setup() -> None:
            self._released = asyncio.Event()
            await loop.create_datagram_endpoint(UDP, sock=udp_sock)
            await asyncio.start_server(self._tcp, sock=tcp_sock)

        loop.run_until_complete(setup())
        ready.set()
        try:
            loop.run_forever()
        finally:  # end open TCP connections and pending answers before closing the loop
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.wait(pending))
            loop.close()

    async def _respond(self, wire: bytes) -> dns.message.Message | None:
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        if not query.question:
            return None
        response = self.answer(query)
        if query.question[0].name in self.held and self._released is not None:
            await self._released.wait()
        if response is not None and self.delay:
            await asyncio.sleep(self.delay)
        return response

    async def _udp(self, transport: asyncio.DatagramTransport, data: bytes, addr: tuple[str, int]) -> None:
        response = await self._respond(data)
        if response is None:
            return
        limit = max(response.request_payload, 512) if response.edns >= 0 else 512
        wire = response.to_wire(max_size=65535)
        if len(wire) > limit or response.question[0].name in self.truncated:
            response.answer.clear()
            response.flags |= dns.flags.TC
            wire = response.to_wire()
        transport.sendto(wire, addr)

    async def _tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                size = struct.unpack("!H", await reader.readexactly(2))[0]
                response = await self._respond(await reader.readexactly(size))
                if response is None:
                    continue
                if response.question and response.question[0].name in self.tcp_mismatched:
                    response.question[0].name = dns.name.from_text("elsewhere.invalid.")
                wire = response.to_wire(max_size=65535)
                writer.write(struct.pack("!H", len(wire)) + wire)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def _rrset(name: dns.name.Name, rdatas: Iterable[dns.rdata.Rdata], ttl: int = 300) -> dns.rrset.RRset:
    rdatas = list(rdatas)
    rrset = dns.rrset.RRset(name, dns.rdataclass.IN, rdatas[0].rdtype)
    for rd in rdatas:
        rrset.add(rd, ttl)
    return rrset


def _bind_pair(host: str) -> tuple[socket.socket, socket.socket]:
    """A UDP and a TCP socket on the same free port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(50):
        udp = socket.socket(family, socket.SOCK_DGRAM)
        udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)  # bursts queue, not drop
        udp.bind((host, 0))
        port = udp.getsockname()[1]
        tcp = socket.socket(family, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind((host, port))
        except OSError:
            udp.close()
            tcp.close()
            continue
        tcp.listen(128)
        udp.setblocking(False)
        tcp.setblocking(False)
        return udp, tcp
    raise RuntimeError("no free port pair on loopback")
