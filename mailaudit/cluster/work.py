"""The worker's side of a cluster batch: one chunk of domains, audited as a local batch would.

A chunk gets its own Resolver (so its own cache and in-flight de-duplication) and Auditor, built
from a picklable ``ChunkJob``; questions shared by domains of one chunk are asked once per chunk.
Zone files travel parsed, inside the job, so workers on other machines need no copy of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mailaudit.catalogue import Catalogue
from mailaudit.dnscore.loop import tuned_collector
from mailaudit.dnscore.resolver import Resolver
from mailaudit.dnscore.zonefile import ZoneSet
from mailaudit.domains import DomainInput
from mailaudit.engine import Auditor
from mailaudit.model import DomainReport
from mailaudit.options import AuditOptions


@dataclass(frozen=True, slots=True)
class ChunkJob:
    """Everything a worker needs besides the domains: the resolver's settings and the options."""

    nameservers: tuple[str, ...]  # empty: the worker machine's system resolver
    timeout: float
    zones: ZoneSet
    offline: bool
    options: AuditOptions
    lang: str
    concurrency: int  # domains in progress at once inside one chunk


def audit_chunk(job: ChunkJob, domains: Sequence[DomainInput]) -> list[DomainReport]:
    """Audit ``domains`` on this worker: the same engine and checks as ``mailaudit batch``."""
    resolver = Resolver(list(job.nameservers) or None, timeout=job.timeout, zones=job.zones, offline=job.offline)
    auditor = Auditor(resolver, job.options, Catalogue.load(job.lang))

    async def collect() -> list[DomainReport]:
        return [report async for report in auditor.audit_many(domains, job.concurrency)]

    with tuned_collector():  # a chunk is a batch: the collector tuned as the CLI tunes it
        return resolver.run_sync(collect)
