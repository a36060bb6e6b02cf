"""Shared fixtures: the in-process authoritative DNS server and resolvers pointed at it."""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Iterator

import pytest

from mailaudit.dns import Resolver

from .dnsserver import DNSServer

ZONES = pathlib.Path(__file__).resolve().parent / "zones"


@pytest.fixture
def dns_server() -> Iterator[Callable[..., DNSServer]]:
    """Factory: ``dns_server("common", "mx")`` serves tests/zones/common and tests/zones/mx
    (folders of NAME.zone files, or single files); returns the started DNSServer."""
    started: list[DNSServer] = []

    def serve(*zone_dirs: str, delay: float = 0.0) -> DNSServer:
        server = DNSServer(delay=delay)
        server.load(ZONES / "root")
        for item in zone_dirs:
            server.load(ZONES / item)
        started.append(server.start())
        return server

    yield serve
    for server in started:
        server.stop()


def resolver_for(server: DNSServer, timeout: float = 0.5, **kw: object) -> Resolver:
    return Resolver(nameservers=[server.address], timeout=timeout, retries=0, **kw)  # type: ignore[arg-type]


@pytest.fixture
def resolver() -> Callable[..., Resolver]:
    return resolver_for
