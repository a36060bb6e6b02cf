"""The typed result of ``mailaudit reports``: what the renderers show and the history database stores.

``ReportsRun`` is frozen and complete: per domain the counted stats, the classified sources,
readiness and findings; the TLS-RPT totals and their findings; every unreadable file; every
lookup that could not complete. ``analyse`` builds it from what was read and the live facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mailaudit.catalogue import Catalogue
from mailaudit.model import Finding, Severity
from mailaudit.reports import findings as make
from mailaudit.reports.aggregate import DomainStats, Ingested, TlsStats
from mailaudit.reports.classify import NO_FACTS, Source, classify_domain
from mailaudit.reports.live import DomainLive
from mailaudit.reports.model import Category, InputError
from mailaudit.reports.readiness import Policy, Readiness, readiness


@dataclass(frozen=True, slots=True)
class DomainResult:
    stats: DomainStats
    sources: tuple[Source, ...]
    readiness: Readiness
    detail: str  # readiness.detail, in the report's language
    findings: tuple[Finding, ...]  # worst first
    live: bool  # False when the live DNS join was not done (offline without a zone for it)

    @property
    def domain(self) -> str:
        return self.stats.domain


@dataclass(frozen=True, slots=True)
class TlsResult:
    stats: TlsStats
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class ReportsRun:
    domains: tuple[DomainResult, ...]
    tls: tuple[TlsResult, ...]
    errors: tuple[InputError, ...]
    lookup_failures: tuple[str, ...]
    duplicates: int

    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for d in self.domains for f in d.findings) + tuple(f for t in self.tls for f in t.findings)

    def exit_code(self, fail_on: Severity | None) -> int:
        """Contract: 1 for a finding at or above ``fail_on``, else 3 when a file or lookup failed, else 0."""
        if fail_on is not None and any(f.severity.at_least(fail_on) for f in self.findings()):
            return 1
        return 3 if self.errors or self.lookup_failures else 0


def analyse(ingested: Ingested, live: Mapping[str, DomainLive], catalogue: Catalogue) -> ReportsRun:
    domains = tuple(_domain(stats, live.get(stats.domain), catalogue) for stats in ingested.domains)
    tls = tuple(TlsResult(t, tuple(f for f in [make.tls_finding(catalogue, t)] if f is not None))
                for t in ingested.tls)
    failures = tuple(f for d in live.values() for f in d.failures)
    return ReportsRun(domains, tls, ingested.errors, failures, ingested.duplicates)


def _domain(stats: DomainStats, live: DomainLive | None, catalogue: Catalogue) -> DomainResult:
    sources = classify_domain(stats, live.facts if live else NO_FACTS)
    policy = live.policy if live and live.policy else Policy(stats.policy.p or "none", stats.policy.pct,
                                                             stats.policy.sp)
    ready = readiness(policy, sources, stats.reports)
    found = _findings(catalogue, stats.domain, sources, ready, live)
    found.sort(key=lambda f: (-f.severity.rank, f.id, f.subject))
    detail = make.readiness_detail(catalogue, stats.domain, ready)
    return DomainResult(stats, sources, ready, detail, tuple(found), live is not None)


def _findings(catalogue: Catalogue, domain: str, sources: tuple[Source, ...], ready: Readiness,
              live: DomainLive | None) -> list[Finding]:
    out: list[Finding] = []
    for source in sources:
        if source.category is Category.SUSPICIOUS:
            out.append(make.suspicious(catalogue, domain, source, sources, live))
        elif source.category is Category.AUTHORIZED_FAILING:
            out.append(make.failing(catalogue, domain, source, live))
    if any(s.category is Category.UNAUTHORIZED for s in sources):
        out.append(make.unauthorized(catalogue, domain, sources, ready))
    if any(s.category is Category.FORWARDED for s in sources):
        out.append(make.forwarded(catalogue, domain, sources))
    if ready.next_policy is not None:
        out.append(make.readiness_finding(catalogue, domain, ready, live))
    return out
