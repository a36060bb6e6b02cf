"""spf check (being built). Exposes ``spf_facts`` for other checks."""

from __future__ import annotations

from dataclasses import dataclass

from .base import AuditContext, Check, Collector


@dataclass(frozen=True, slots=True)
class SpfFacts:
    """What other checks need to know about the domain's SPF record."""

    record: str | None = None  # the domain's SPF record, if exactly one
    complete: bool = False  # False when the lookups could not complete
    sends_no_mail: bool = False  # the record is exactly "v=spf1 -all" (nothing authorised)
    single_hosts: tuple[str, ...] = ()  # single addresses (ip4 /32, ip6 /128, a/mx hosts) it authorises


async def spf_facts(ctx: AuditContext) -> SpfFacts:
    return SpfFacts()


async def run(ctx: AuditContext, out: Collector) -> None:
    out.skip("not implemented yet")


CHECK = Check("spf", "SPF record", run)
