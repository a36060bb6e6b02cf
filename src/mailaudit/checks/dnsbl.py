"""dnsbl check (not implemented yet: reports skipped)."""

from __future__ import annotations

from .base import AuditContext, Check, Collector


async def run(ctx: AuditContext, out: Collector) -> None:
    out.skip("not implemented yet")


CHECK = Check("dnsbl", "dnsbl", run)
