"""Auditing one domain or many: runs the checks concurrently over one shared resolver."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncGenerator, Iterable, Iterator
from typing import Any

from mailaudit.catalogue import BASE_LANGUAGE, Catalogue
from mailaudit.checks import Check, Collector
from mailaudit.context import AuditContext, RunContext, RunState
from mailaudit.dnscore.loop import loop_factory
from mailaudit.dnscore.resolver import Resolver
from mailaudit.domains import DomainInput, normalize
from mailaudit.errors import InputError, LookupFailed
from mailaudit.model import CheckResult, DomainReport, Status
from mailaudit.options import AuditOptions
from mailaudit.registry import CHECKS


class Auditor:
    """One run: a resolver, a catalogue and run-wide state shared by every domain audited."""

    def __init__(
        self,
        resolver: Resolver | None = None,
        options: AuditOptions | None = None,
        catalogue: Catalogue | None = None,
        checks: Iterable[Check] = CHECKS,
    ) -> None:
        self.resolver = resolver or Resolver()
        self.options = options or AuditOptions()
        self.catalogue = catalogue or Catalogue.load()
        self.checks = tuple(c for c in checks if self.options.runs(c.id))
        self.run_state = RunState()

    async def audit(self, domain: str | DomainInput) -> DomainReport:
        report, _ = await self.audit_in_context(domain)
        return report

    async def audit_in_context(self, domain: str | DomainInput) -> tuple[DomainReport, AuditContext]:
        """The report and the context it was made in: its memoised facts (the SPF tree, the MX
        hosts) can be read afterwards without asking DNS again."""
        given = domain if isinstance(domain, DomainInput) else normalize(domain)
        ctx = AuditContext(given.domain, self.resolver, self.options, self.catalogue, self.run_state)
        results = await asyncio.gather(*(_run_check(check, ctx) for check in self.checks))
        trust = self.resolver.trust_verdict
        headline = trust.headline if trust is not None else None
        notes = tuple(n for n in (headline, given.note(self.catalogue.words("ui"))) if n)
        run_notes = (headline,) if headline else ()
        return DomainReport(given.domain, tuple(results), given.given, notes, run_notes=run_notes), ctx

    def run_context(self) -> RunContext:
        """A context for lookups about no particular domain, sharing this run's caches."""
        return RunContext(self.resolver, self.options, self.catalogue, self.run_state)

    async def audit_many(
        self, domains: Iterable[str | DomainInput], concurrency: int = 64
    ) -> AsyncGenerator[DomainReport, None]:
        """Yield each report as it finishes; at most ``concurrency`` domains in progress."""
        source = iter(domains)
        pending: set[asyncio.Task[DomainReport]] = set()

        def refill() -> None:
            while len(pending) < concurrency:
                item = next(source, None)
                if item is None:
                    return
                pending.add(asyncio.ensure_future(self.audit(item)))

        refill()
        try:
            while pending:
                done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    pending.discard(task)
                refill()
                for task in done:
                    yield task.result()
        finally:  # the consumer stopped early: do not leave audits running
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)


async def _run_check(check: Check, ctx: AuditContext) -> CheckResult:
    out = Collector(check.id, ctx)
    try:
        await check.run(ctx, out)
    except LookupFailed as err:
        out.failed(str(err))
    except Exception as err:  # a bug must not take the whole batch down; say so plainly
        out.failed(f"internal error in the {check.id} check: {type(err).__name__}: {err}")
    result = out.result()
    if result.status is Status.ERROR and not result.error:
        result = dataclasses.replace(result, error="could not complete")
    return result if check.graded else dataclasses.replace(result, graded=False)


_RESOLVER_KEYWORDS = ("nameservers", "port", "timeout", "retries", "zones", "offline")


def _auditor(resolver: Resolver | None, options: AuditOptions | None, **kw: Any) -> Auditor:
    """An Auditor from the keyword form of the API: the CLI's options by their names.

    ``nameservers``, ``port``, ``timeout``, ``retries``, ``zones`` and ``offline`` build the resolver
    (not with ``resolver=``), ``lang`` picks the catalogue, everything else is an AuditOptions field.
    """
    dns_kw = {k: kw.pop(k) for k in _RESOLVER_KEYWORDS if k in kw}
    lang = kw.pop("lang", BASE_LANGUAGE)
    if dns_kw:
        if resolver is not None:
            raise InputError(f"give either resolver= or {', '.join(dns_kw)}, not both")
        resolver = Resolver(dns_kw.pop("nameservers", None), **dns_kw)
    unknown = sorted(set(kw) - set(AuditOptions.__slots__))
    if unknown:
        raise InputError(f"unknown audit option(s): {', '.join(unknown)}")
    if kw:
        options = AuditOptions(**{**_fields(options or AuditOptions()), **_tuples(kw)})
    return Auditor(resolver, options, Catalogue.load(lang))


def _tuples(kw: dict[str, Any]) -> dict[str, Any]:
    """Lists given for tuple fields (``dkim_selectors=["s1"]``) become tuples; a bare string is one item."""
    out = dict(kw)
    for key in ("dkim_selectors", "sending_ips", "dnsbl_zones", "checks"):
        value = out.get(key)
        if isinstance(value, str):
            out[key] = (value,)
        elif value is not None and not isinstance(value, tuple):
            out[key] = tuple(value)
    return out


def _fields(options: AuditOptions) -> dict[str, Any]:
    return {name: getattr(options, name) for name in AuditOptions.__slots__}


async def audit_async(
    domain: str, *, resolver: Resolver | None = None, options: AuditOptions | None = None, **kw: Any
) -> DomainReport:
    """Audit one domain. Keyword options are AuditOptions fields (e.g. ``dkim_selectors=``)."""
    return await _auditor(resolver, options, **kw).audit(domain)


def audit(
    domain: str, *, resolver: Resolver | None = None, options: AuditOptions | None = None, **kw: Any
) -> DomainReport:
    """Synchronous ``audit_async``: for scripts. Returns a typed report; prints nothing."""
    auditor = _auditor(resolver, options, **kw)
    return auditor.resolver.run_sync(lambda: auditor.audit(domain))


def audit_many(
    domains: Iterable[str],
    *,
    resolver: Resolver | None = None,
    options: AuditOptions | None = None,
    concurrency: int = 64,
    **kw: Any,
) -> Iterator[DomainReport]:
    """Audit many domains concurrently over one resolver, yielding each report as it finishes.

    A synchronous generator driving its own event loop; from async code use
    ``Auditor.audit_many``.
    """
    auditor = _auditor(resolver, options, **kw)
    stream = auditor.audit_many(domains, concurrency)
    loop = loop_factory()()
    try:
        while True:
            try:
                yield loop.run_until_complete(anext(stream))
            except StopAsyncIteration:
                return
    finally:
        loop.run_until_complete(stream.aclose())
        loop.run_until_complete(auditor.resolver.aclose())
        loop.close()
