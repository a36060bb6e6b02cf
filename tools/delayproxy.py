"""A DNS proxy (UDP and TCP) that adds a round-trip delay to every answer, and counts questions.

Stdlib only. It sits in front of an authoritative server on loopback (knotd) to simulate network
latency where the kernel has no netem: each answer is held for ``delay`` seconds on a timer, so
answers are delayed independently and never serialised. A TCP connection also pays one delay
for its handshake.

It counts every question it receives as (qname, qtype, transport), so a benchmark can ask how
many questions a tool sent and how many it repeated. Control questions (TXT, never counted,
answered by the proxy itself without delay):

* ``stats.delayproxy.invalid``  -> TXT ``total=N unique=N repeated=N tcp=N dropped=N`` and the
  most repeated questions, one string each (``3 example.com/TXT/udp``)
* ``reset.delayproxy.invalid``  -> clears the counters, TXT ``ok``

``--drop SUFFIX`` (repeatable): questions at or under that name are counted but never
forwarded, so the client times out (a reliable 'timeout domain' for tests).

Run: ``python tools/delayproxy.py --upstream 127.0.0.1:5300 [--listen 127.0.0.1:0]
[--delay-ms 20] [--drop slow.test]``; it prints ``listening HOST PORT`` once ready.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import signal
import socket
import struct
import sys
from collections.abc import Iterable

CONTROL = "delayproxy.invalid"
Key = tuple[str, int, str]


def parse_question(wire: bytes) -> tuple[str, int, int] | None:
    """(lower-case qname with trailing dot, qtype, offset after the question) or None."""
    if len(wire) < 12 or struct.unpack_from("!H", wire, 4)[0] < 1:
        return None
    labels: list[str] = []
    pos = 12
    while pos < len(wire):
        size = wire[pos]
        if size == 0:
            pos += 1
            break
        if size > 63 or pos + 1 + size > len(wire):
            return None
        labels.append(wire[pos + 1 : pos + 1 + size].decode("latin-1").lower())
        pos += 1 + size
    else:
        return None
    if pos + 4 > len(wire):
        return None
    qtype = struct.unpack_from("!H", wire, pos)[0]
    return ".".join(labels) + ".", qtype, pos + 4


def txt_response(query: bytes, end: int, texts: Iterable[str]) -> bytes:
    """A minimal authoritative answer to ``query`` holding one TXT record per text."""
    answers = b""
    count = 0
    for text in texts:
        raw = text.encode("utf-8")[:255]
        rdata = bytes([len(raw)]) + raw
        answers += struct.pack("!HHHIH", 0xC00C, 16, 1, 0, len(rdata)) + rdata
        count += 1
    flags = 0x8400 | (struct.unpack_from("!H", query, 2)[0] & 0x0100)  # QR, AA, copy RD
    header = query[:2] + struct.pack("!HHHHH", flags, 1, count, 0, 0)
    return header + query[12:end] + answers


class Counter:
    """Questions seen, keyed by (qname, qtype, transport)."""

    def __init__(self) -> None:
        self.seen: collections.Counter[Key] = collections.Counter()
        self.dropped = 0

    def report(self, top: int = 10) -> list[str]:
        total = sum(self.seen.values())
        repeated = sum(n - 1 for n in self.seen.values() if n > 1)
        tcp = sum(n for (_, _, proto), n in self.seen.items() if proto == "tcp")
        head = f"total={total} unique={len(self.seen)} repeated={repeated} tcp={tcp} dropped={self.dropped}"
        worst = [(n, k) for k, n in self.seen.items() if n > 1]
        worst.sort(reverse=True)
        return [head] + [f"{n} {name}/{qtype}/{proto}" for n, (name, qtype, proto) in worst[:top]]


class DelayProxy:
    def __init__(
        self,
        upstream: tuple[str, int],
        delay: float = 0.02,
        drop: Iterable[str] = (),
        max_inflight: int = 256,
    ) -> None:
        self.upstream = upstream
        self.delay = delay
        self.drop = tuple(d.lower().rstrip(".") + "." for d in drop)
        self.max_inflight = max_inflight
        self.counter = Counter()
        self._pending: dict[int, tuple[tuple[str, int], bytes, float]] = {}
        self._waiting: collections.deque[tuple[bytes, tuple[str, int]]] = collections.deque()
        self._next_id = 0
        self._front: asyncio.DatagramTransport | None = None
        self._up: asyncio.DatagramTransport | None = None
        self._server: asyncio.Server | None = None

    # -- shared -------------------------------------------------------------------------
    def _classify(self, wire: bytes, proto: str) -> tuple[str, bytes | None]:
        """'forward', 'drop', 'bad' or 'control' (with the control answer)."""
        question = parse_question(wire)
        if question is None:
            return "bad", None
        name, qtype, end = question
        if name.endswith(CONTROL + "."):
            return "control", self._control(wire, end, name)
        if any(name == d or name.endswith("." + d) for d in self.drop):
            self.counter.seen[(name, qtype, proto)] += 1
            self.counter.dropped += 1
            return "drop", None
        self.counter.seen[(name, qtype, proto)] += 1
        return "forward", None

    def _control(self, wire: bytes, end: int, name: str) -> bytes:
        if name.startswith("reset."):
            self.counter = Counter()
            return txt_response(wire, end, ["ok"])
        return txt_response(wire, end, self.counter.report())

    # -- UDP ----------------------------------------------------------------------------
    def _from_client(self, data: bytes, addr: tuple[str, int]) -> None:
        kind, answer = self._classify(data, "udp")
        if kind == "control" and answer is not None and self._front is not None:
            self._front.sendto(answer, addr)
        elif kind == "forward":
            self._forward(data, addr)

    def _forward(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(self._pending) >= self.max_inflight or self._up is None:
            self._waiting.append((data, addr))
            return
        for _ in range(65536):
            self._next_id = (self._next_id + 1) & 0xFFFF
            if self._next_id not in self._pending:
                break
        now = asyncio.get_running_loop().time()
        self._pending[self._next_id] = (addr, data[:2], now)
        self._up.sendto(struct.pack("!H", self._next_id) + data[2:])

    def _from_server(self, data: bytes, _addr: tuple[str, int]) -> None:
        if len(data) < 12:
            return
        entry = self._pending.pop(struct.unpack_from("!H", data)[0], None)
        if entry is not None and self._front is not None:
            addr, original_id, _ = entry
            asyncio.get_running_loop().call_later(self.delay, self._front.sendto, original_id + data[2:], addr)
        self._drain_waiting()

    def _drain_waiting(self) -> None:
        while self._waiting and len(self._pending) < self.max_inflight:
            self._forward(*self._waiting.popleft())

    def expire(self, older_than: float = 10.0) -> None:
        """Forget upstream queries that never got an answer (the client has given up)."""
        now = asyncio.get_running_loop().time()
        for key in [k for k, v in self._pending.items() if now - v[2] > older_than]:
            del self._pending[key]
        self._drain_waiting()

    # -- TCP ----------------------------------------------------------------------------
    async def _tcp_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(self.delay)  # the handshake's round trip
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        relay: asyncio.Task[None] | None = None
        try:
            while True:
                size = struct.unpack("!H", await reader.readexactly(2))[0]
                wire = await reader.readexactly(size)
                kind, answer = self._classify(wire, "tcp")
                if kind == "control" and answer is not None:
                    writer.write(struct.pack("!H", len(answer)) + answer)
                elif kind == "forward":
                    if upstream is None:
                        upstream = await asyncio.open_connection(*self.upstream)
                        relay = loop.create_task(self._tcp_relay(upstream[0], writer))
                    upstream[1].write(struct.pack("!H", size) + wire)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            if upstream is not None:
                upstream[1].close()
            if relay is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(relay, self.delay + 5)
            loop.call_later(self.delay + 0.01, writer.close)

    async def _tcp_relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError, OSError):
            while True:
                head = await reader.readexactly(2)
                body = await reader.readexactly(struct.unpack("!H", head)[0])
                loop.call_later(self.delay, _write_if_open, writer, head + body)

    # -- life cycle ---------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on host:port (0: a free port, same number for UDP and TCP); returns the port."""
        loop = asyncio.get_running_loop()
        udp_sock, tcp_sock = _bind_pair(host, port)
        up_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for sock in (udp_sock, up_sock):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        up_sock.connect(self.upstream)
        self._front, _ = await loop.create_datagram_endpoint(lambda: _Datagrams(self._from_client), sock=udp_sock)
        self._up, _ = await loop.create_datagram_endpoint(lambda: _Datagrams(self._from_server), sock=up_sock)
        self._server = await asyncio.start_server(self._tcp_client, sock=tcp_sock)
        return int(udp_sock.getsockname()[1])

    def close(self) -> None:
        for transport in (self._front, self._up):
            if transport is not None:
                transport.close()
        if self._server is not None:
            self._server.close()


def _write_if_open(writer: asyncio.StreamWriter, data: bytes) -> None:
    if not writer.is_closing():
        writer.write(data)


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, handler: object) -> None:
        self.datagram_received = handler  # type: ignore[method-assign,assignment]


def _bind_pair(host: str, port: int) -> tuple[socket.socket, socket.socket]:
    """A UDP and a TCP socket bound to the same port (a free one when ``port`` is 0)."""
    for _ in range(50):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind((host, port))
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind((host, udp.getsockname()[1]))
        except OSError:
            udp.close()
            tcp.close()
            if port:
                raise
            continue
        tcp.listen(1024)
        udp.setblocking(False)
        tcp.setblocking(False)
        return udp, tcp
    raise OSError("no free UDP+TCP port pair on " + host)


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


async def serve(args: argparse.Namespace) -> None:
    proxy = DelayProxy(_address(args.upstream), args.delay_ms / 1000.0, args.drop, args.max_inflight)
    host, port = _address(args.listen)
    bound = await proxy.start(host, port)
    print(f"listening {host} {bound}", flush=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, lambda: print("\n".join(proxy.counter.report()), flush=True))
    while not stop.is_set():
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), 2.0)
        proxy.expire()
    proxy.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, metavar="HOST:PORT")
    parser.add_argument("--listen", default="127.0.0.1:0", metavar="HOST:PORT")
    parser.add_argument("--delay-ms", type=float, default=20.0)
    parser.add_argument("--drop", action="append", default=[], metavar="SUFFIX")
    parser.add_argument("--max-inflight", type=int, default=256)
    asyncio.run(serve(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
