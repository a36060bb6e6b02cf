"""Fixtures: the signed test tree (made once per module) and a SignedServer serving it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from .signedserver import SignedServer
from .signing import World, build_world


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@pytest.fixture
def signed_server(world: World) -> Iterator[Callable[..., SignedServer]]:
    started: list[SignedServer] = []

    def serve(delay: float = 0.0) -> SignedServer:
        server = SignedServer(world.zones, delay=delay)
        started.append(server.start())
        return server

    yield serve
    for server in started:
        server.stop()
