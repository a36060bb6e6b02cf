"""One domain's audit context: its name, the shared resolver, the options and the memo of
per-domain facts (computed once however many checks ask) and per-run facts (shared by a batch)."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import dns.name

from mailaudit.catalogue import Catalogue
from mailaudit.dnscore.answer import Answer
from mailaudit.dnscore.resolver import Resolver
from mailaudit.options import AuditOptions

T = TypeVar("T")


@dataclass
class RunState:
    """State shared by every domain of one run (a batch): e.g. blocklist health probes.

    The memo is an LRU bounded by ``limit`` so that a batch of any size runs in bounded memory;
    entries in constant use (per-list gates, health probes, provider SPF trees) stay recent.
    """

    memo: collections.OrderedDict[object, asyncio.Future[Any]] = field(default_factory=collections.OrderedDict)
    limit: int = 10_000


class RunContext:
    """What one run shares: the resolver, the options, the catalogue and run-wide facts
    (``shared``). Lookups that are about no particular domain (``mailaudit blocklist IP``) run
    in a RunContext; a domain's audit in an ``AuditContext``."""

    def __init__(
        self, resolver: Resolver, options: AuditOptions, catalogue: Catalogue, run: RunState | None = None
    ) -> None:
        self.resolver = resolver
        self.options = options
        self.catalogue = catalogue
        self.run = run or RunState()

    @property
    def subject_default(self) -> str | None:
        """The subject of a finding that names none (the audited domain), if any."""
        return None

    def query(self, name: str | dns.name.Name, rdtype: str | int) -> Awaitable[Answer]:
        """The resolver's answer as a shared future: ``await`` it, or gather many (no task each)."""
        return self.resolver.ask(name, rdtype)

    async def shared(
        self, key: object, make: Callable[[], Awaitable[T]], keep: Callable[[T], bool] | None = None
    ) -> T:
        """Compute a per-run fact once (shared by every domain of a batch). With ``keep``, a result
        it rejects (a failure) is shared only by those already waiting, then forgotten."""
        return await _memoised(self.run.memo, key, make, self.run.limit, keep)


class AuditContext(RunContext):
    """One domain's audit: its name, the shared resolver, the options, memoised facts."""

    def __init__(
        self,
        domain: str,
        resolver: Resolver,
        options: AuditOptions,
        catalogue: Catalogue,
        run: RunState | None = None,
    ) -> None:
        super().__init__(resolver, options, catalogue, run)
        self.domain = domain  # A-label, no trailing dot
        self.name = dns.name.from_text(domain)
        self._memo: dict[object, asyncio.Future[Any]] = {}

    @property
    def subject_default(self) -> str | None:
        return self.domain

    async def fact(self, key: object, make: Callable[[], Awaitable[T]]) -> T:
        """Compute a per-domain fact once, however many checks ask for it concurrently."""
        return await _memoised(self._memo, key, make)


async def _memoised(
    memo: dict[object, asyncio.Future[Any]],
    key: object,
    make: Callable[[], Awaitable[T]],
    limit: int | None = None,
    keep: Callable[[T], bool] | None = None,
) -> T:
    future = memo.get(key)
    if future is None:
        future = asyncio.ensure_future(make())
        memo[key] = future
        if limit is not None and len(memo) > limit and isinstance(memo, collections.OrderedDict):
            memo.popitem(last=False)
    elif isinstance(memo, collections.OrderedDict):
        memo.move_to_end(key)
    if future.done() and keep is None:  # read again after it was made: no shield, no waiting
        done: T = future.result()
        return done
    result: T = await asyncio.shield(future)
    if keep is not None and memo.get(key) is future and not keep(result):
        del memo[key]  # e.g. a failure: the next domain asks again (the resolver bounds how often)
    return result
