"""What every check gets (the audit context) and gives back (through a collector)."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import dns.name

from ..answer import Answer
from ..catalogue import Catalogue
from ..dns import Resolver
from ..errors import LookupFailed
from ..model import CheckResult, DnsRecord, Finding, Severity, Status, status_for
from ..options import AuditOptions

T = TypeVar("T")


@dataclass
class RunState:
    """State shared by every domain of one run (a batch): e.g. blocklist health probes.

    The memo is an LRU bounded by ``limit`` so that a batch of any size runs in bounded memory;
    entries in constant use (per-list gates, health probes, provider SPF trees) stay recent.
    """

    memo: collections.OrderedDict[object, asyncio.Future[Any]] = field(default_factory=collections.OrderedDict)
    limit: int = 10_000


class AuditContext:
    """One domain's audit: its name, the shared resolver, the options, memoised facts."""

    def __init__(
        self,
        domain: str,
        resolver: Resolver,
        options: AuditOptions,
        catalogue: Catalogue,
        run: RunState | None = None,
    ) -> None:
        self.domain = domain  # A-label, no trailing dot
        self.name = dns.name.from_text(domain)
        self.resolver = resolver
        self.options = options
        self.catalogue = catalogue
        self.run = run or RunState()
        self._memo: dict[object, asyncio.Future[Any]] = {}

    async def query(self, name: str | dns.name.Name, rdtype: str | int) -> Answer:
        return await self.resolver.query(name, rdtype)

    async def need(self, name: str | dns.name.Name, rdtype: str | int) -> Answer:
        """Like ``query`` but raises LookupFailed when the question could not be answered."""
        answer = await self.resolver.query(name, rdtype)
        if not answer.ok:
            raise LookupFailed(answer.name.to_text(True), answer.type_text, answer.error or "error")
        return answer

    async def fact(self, key: object, make: Callable[[], Awaitable[T]]) -> T:
        """Compute a per-domain fact once, however many checks ask for it concurrently."""
        return await _memoised(self._memo, key, make)

    async def shared(self, key: object, make: Callable[[], Awaitable[T]]) -> T:
        """Compute a per-run fact once (shared by every domain of a batch)."""
        return await _memoised(self.run.memo, key, make, self.run.limit)


async def _memoised(
    memo: dict[object, asyncio.Future[Any]], key: object, make: Callable[[], Awaitable[T]], limit: int | None = None
) -> T:
    future = memo.get(key)
    if future is None:
        future = asyncio.ensure_future(make())
        memo[key] = future
        if limit is not None and len(memo) > limit and isinstance(memo, collections.OrderedDict):
            memo.popitem(last=False)
    elif isinstance(memo, collections.OrderedDict):
        memo.move_to_end(key)
    result: T = await asyncio.shield(future)
    return result


class Collector:
    """Where a check puts what it found; becomes a CheckResult."""

    def __init__(self, check_id: str, ctx: AuditContext) -> None:
        self.check_id = check_id
        self.ctx = ctx
        self.findings: list[Finding] = []
        self.errors: list[str] = []
        self.data: dict[str, object] = {}
        self.skipped: str | None = None
        self.notes: list[str] = []

    def add(
        self,
        finding_id: str,
        subject: str | None = None,
        *,
        variant: str = "default",
        severity: Severity | None = None,
        evidence: Iterable[str] = (),
        records: Iterable[DnsRecord] = (),
        remove: Iterable[DnsRecord] = (),
        **params: object,
    ) -> Finding:
        finding = self.ctx.catalogue.make(
            finding_id,
            subject or self.ctx.domain,
            variant=variant,
            severity=severity,
            evidence=evidence,
            records=records,
            remove=remove,
            params={"domain": self.ctx.domain, **params},
        )
        self.findings.append(finding)
        return finding

    def failed(self, answer_or_reason: Answer | str) -> None:
        """Record that part of the check could not complete (it is then reported as error)."""
        text = answer_or_reason.describe() if isinstance(answer_or_reason, Answer) else answer_or_reason
        if text not in self.errors:
            self.errors.append(text)

    def note(self, text: str) -> None:
        """Something the check could not verify without it being a failure (shown, not counted)."""
        if text not in self.notes:
            self.notes.append(text)

    def skip(self, reason: str) -> None:
        self.skipped = reason

    def result(self) -> CheckResult:
        data = tuple(self.data.items())
        if self.skipped is not None and not self.findings and not self.errors:
            return CheckResult(self.check_id, Status.SKIPPED, (), self.skipped, data, tuple(self.notes))
        status = Status.ERROR if self.errors else status_for(self.findings)
        error = "; ".join(self.errors[:5]) + (f" (+{len(self.errors) - 5} more)" if len(self.errors) > 5 else "")
        return CheckResult(self.check_id, status, tuple(self.findings), error or None, data, tuple(self.notes))


class CheckFunction(Protocol):
    async def __call__(self, ctx: AuditContext, out: Collector) -> None: ...


@dataclass(frozen=True, slots=True)
class Check:
    """A registered check: its id, a one-line description and the coroutine that runs it."""

    id: str
    title: str
    run: CheckFunction


def dns_record(name: str | dns.name.Name, rtype: str, value: str) -> DnsRecord:
    """A record to publish; owner names always absolute with a trailing dot."""
    text = name.to_text() if isinstance(name, dns.name.Name) else name
    return DnsRecord(text if text.endswith(".") else text + ".", rtype, value)
