"""Probing resolved origin candidates with the run's prober, and the contract's data shape."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..smtp.outcomes import RcptProbe
from ..smtp.prober import Prober
from .candidates import Candidate
from .interpret import Reading, read


@dataclass(frozen=True, slots=True)
class Probed:
    candidate: Candidate
    host: str | None
    address: str
    probe: RcptProbe
    reading: Reading


async def assess(
    domain: str, targets: Iterable[tuple[Candidate, str]], prober: Prober, skip: Sequence[str] = ()
) -> list[Probed]:
    """RCPT-probe each (candidate, address) once, concurrently; addresses in ``skip`` (the
    filter's own MX addresses) and repeats are left out."""
    seen: set[str] = set(skip)
    chosen: list[tuple[Candidate, str]] = []
    for candidate, address in targets:
        if address not in seen:
            seen.add(address)
            chosen.append((candidate, address))
    probes = await asyncio.gather(*(prober.rcpt(address, c.host, domain) for c, address in chosen))
    return [Probed(c, c.host, address, p, read(p)) for (c, address), p in zip(chosen, probes, strict=True)]


def candidate_data(item: Probed) -> dict[str, object]:
    """One ``bypass.candidates[]`` element: ``host``, ``address``, ``accepts`` (and what decided it)."""
    return {
        "host": item.host,
        "address": item.address,
        "accepts": item.reading.accepts,
        "reason": item.candidate.reason.value,
        "verdict": item.reading.verdict.value,
        "reply": item.reading.text,
    }
