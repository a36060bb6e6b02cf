"""dmarc check (being built). Exposes ``dmarc_facts`` for other checks."""

from __future__ import annotations

from dataclasses import dataclass

from .base import AuditContext, Check, Collector


@dataclass(frozen=True, slots=True)
class DmarcFacts:
    """What other checks need to know about the domain's DMARC policy."""

    record: str | None = None  # the DMARC record text in force, if any
    policy: str | None = None  # "none" | "quarantine" | "reject" (the policy that applies to the domain)
    found_at: str | None = None  # owner name where the record was found
    complete: bool = False  # False when discovery could not complete (lookup failures)

    @property
    def enforced(self) -> bool | None:
        """True for quarantine/reject, False for none/absent, None when unknown."""
        if not self.complete:
            return None
        return self.policy in ("quarantine", "reject")


async def dmarc_facts(ctx: AuditContext) -> DmarcFacts:
    return DmarcFacts()


async def run(ctx: AuditContext, out: Collector) -> None:
    out.skip("not implemented yet")


CHECK = Check("dmarc", "DMARC policy", run)
