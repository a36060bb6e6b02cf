"""Is DMARC at enforcement for BIMI? (BIMI draft, "DMARC policy" requirements.)

Both the author domain and its organizational domain must be at ``p=quarantine`` with
``pct=100`` (or no ``pct``) or ``p=reject``, and a published ``sp=`` must not be ``none``.
RFC 9989's ``t=y`` (testing) is treated as not enforced (an assumption: the draft predates it).
Pure: takes the records' tags as published (``{"p": "reject", ...}``) or None when no record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

_ENFORCING = ("quarantine", "reject")


@dataclass(frozen=True)
class GateResult:
    """``blockers``: (where, reason) pairs; where is ``domain`` or ``organizational_domain``."""

    blockers: tuple[tuple[str, str], ...]

    @property
    def enforced(self) -> bool:
        return not self.blockers


def reasons(tags: Mapping[str, str] | None) -> list[str]:
    """Why one DMARC record does not meet the BIMI bar (empty when it does)."""
    if tags is None:
        return ["no_record"]
    found = []
    policy = tags.get("p", "").strip().lower()
    if policy not in _ENFORCING:
        found.append(f"p={policy or 'missing'}")
    sp = tags.get("sp")
    if sp is not None and sp.strip().lower() not in _ENFORCING:
        found.append(f"sp={sp.strip().lower()}")
    pct = tags.get("pct", "100").strip()
    if policy == "quarantine" and pct != "100":
        found.append(f"pct={pct}")
    if tags.get("t", "n").strip().lower() == "y":
        found.append("t=y")
    return found


def gate(own_tags: Mapping[str, str] | None, org_tags: Mapping[str, str] | None, same: bool) -> GateResult:
    """``own_tags``: the record at the domain itself (None when it has none and inherits);
    ``org_tags``: the record at its organizational domain; ``same``: the domain is its own
    organizational domain (then only ``own_tags`` counts).
    """
    if same:
        return GateResult(tuple(("domain", r) for r in reasons(own_tags)))
    blockers = [] if own_tags is None and org_tags is not None else [("domain", r) for r in reasons(own_tags)]
    blockers += [("organizational_domain", r) for r in reasons(org_tags)]
    return GateResult(tuple(blockers))
