"""Is the domain ready for its next DMARC step (none -> quarantine -> reject, pct to 100)?

``aligned_share`` is the contract's: of the messages from every source not ``unauthorized``,
the share that passed DMARC. The step is "ready" when that share is at least
:data:`READY_SHARE` and no legitimate source would lose most of its mail.
"""

from __future__ import annotations

from dataclasses import dataclass

from .classify import Source
from .model import Category

READY_SHARE = 0.98
HURT_MIN = 10  # a legitimate source failing on at least this many messages...
HURT_SHARE = 0.5  # ... and on more than this share of its mail blocks readiness


@dataclass(frozen=True, slots=True)
class Policy:
    """The DMARC policy in force (live DNS when known, else as the latest report published it)."""

    p: str
    pct: int = 100
    sp: str = ""


@dataclass(frozen=True, slots=True)
class Readiness:
    current: Policy
    next_policy: str | None
    next_pct: int
    ready: bool
    aligned_share: float | None  # None: no legitimate messages in the period
    considered: int  # messages from sources not unauthorized
    failing: int  # of those, messages that failed DMARC
    hurt: tuple[tuple[str, int], ...]  # (address, failing messages) of legitimate sources, most first
    reason: str  # enforced | no_reports | no_legitimate_mail | ready | share_low | source_hurt
    subdomain_weaker: bool


def next_step(policy: Policy) -> tuple[str | None, int]:
    """The next policy and pct: raise pct first, then none -> quarantine -> reject; None at reject 100 %."""
    p = policy.p if policy.p in {"none", "quarantine", "reject"} else "none"
    if p != "none" and policy.pct < 100:
        return p, 100
    return {"none": ("quarantine", 100), "quarantine": ("reject", 100)}.get(p, (None, 100))


def readiness(policy: Policy, sources: tuple[Source, ...], reports: int) -> Readiness:
    legitimate = [s for s in sources if s.category is not Category.UNAUTHORIZED]
    considered = sum(s.stats.messages for s in legitimate)
    passed = sum(s.stats.dmarc_pass for s in legitimate)
    share = round(passed / considered, 4) if considered else None
    hurt = tuple(
        sorted(((s.ip, s.stats.dmarc_fail) for s in legitimate if s.stats.dmarc_fail), key=lambda h: (-h[1], h[0]))
    )
    blocking = [s for s in legitimate if s.stats.dmarc_fail >= HURT_MIN
                and s.stats.dmarc_fail > HURT_SHARE * s.stats.messages]
    target, pct = next_step(policy)
    reason = _reason(target, reports, share, bool(blocking))
    weaker = bool(policy.sp) and _rank(policy.sp) < _rank(target or policy.p)
    return Readiness(policy, target, pct, reason == "ready", share, considered, considered - passed, hurt, reason,
                     weaker)


def _reason(target: str | None, reports: int, share: float | None, blocking: bool) -> str:
    if target is None:
        return "enforced"
    if not reports:
        return "no_reports"
    if share is None:
        return "no_legitimate_mail"
    if share < READY_SHARE:
        return "share_low"
    return "source_hurt" if blocking else "ready"


def _rank(p: str) -> int:
    return {"none": 0, "quarantine": 1, "reject": 2}.get(p, 0)
