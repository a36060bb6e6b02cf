"""Shared DMARC facts: the policy in force for the domain, found by the RFC 9989 DNS tree walk:
the record at ``_dmarc.<domain>``, else the one the walk selects among the parents (at most 8
names asked, RFC 9989 section 4.10). Other checks use ``.enforced``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import dns.name
import dns.rdatatype

from mailaudit.context import AuditContext
from mailaudit.dmarc.record import DmarcRecord, is_dmarc, parse_dmarc
from mailaudit.dnscore.answer import Answer, Outcome
from mailaudit.dnscore.resolver import NOT_VERIFIABLE

TXT = dns.rdatatype.TXT
MAX_WALK = 8  # RFC 9989 section 4.10: at most eight DNS queries for one policy discovery


@dataclass(frozen=True, slots=True)
class Level:
    """One ``_dmarc`` name asked during discovery and the DMARC records it holds."""

    domain: str  # the domain whose _dmarc name was asked, no trailing dot
    answer: Answer
    records: tuple[str, ...] = ()  # TXT strings starting with v=DMARC1
    single: DmarcRecord | None = None  # the record, parsed, when there is exactly one

    @property
    def owner(self) -> str:
        return f"_dmarc.{self.domain}"


@dataclass(frozen=True, slots=True)
class DmarcFacts:
    """What other checks need to know about the domain's DMARC policy."""

    record: str | None = None  # the DMARC record text in force, if any
    # the policy that applies to the domain (p, or the parent's sp; RFC 9989 section 4.10.1
    # fallback for invalid policies: none with a usable rua, else None = no DMARC processing)
    policy: str | None = None
    found_at: str | None = None  # owner name where the record was found (_dmarc.<policy domain>)
    complete: bool = False  # False when discovery could not complete (lookup failures)
    parsed: DmarcRecord | None = None
    policy_domain: str | None = None  # the domain whose record applies
    levels: tuple[Level, ...] = ()  # every _dmarc name asked, the domain's own first
    failures: tuple[Answer, ...] = ()
    # parents outside the --zone files in offline mode: noted, not failures (the domain's own
    # _dmarc name was verified; only a policy published higher up could not be seen)
    unverified: tuple[Answer, ...] = ()
    effective: str | None = None  # what a receiver applies: ``policy`` lowered one step by t=y

    @property
    def enforced(self) -> bool | None:
        """True for quarantine/reject in force (not t=y testing, not the legacy pct=0), False
        otherwise, None when unknown."""
        if not self.complete:
            return None
        record = self.parsed
        if record is None or record.testing or record.pct == 0:
            return False
        return self.effective in ("quarantine", "reject")

    @property
    def inherited(self) -> bool:
        return self.parsed is not None and bool(self.levels) and self.policy_domain != self.levels[0].domain


async def dmarc_facts(ctx: AuditContext) -> DmarcFacts:
    return await ctx.fact("dmarc", lambda: _discover(ctx))


def walk_targets(name: dns.name.Name) -> list[dns.name.Name]:
    """The parents the tree walk asks after the domain itself: from the parent (or, for a name
    of more than 8 labels, from its last 7 labels) up to the top-level domain."""
    labels = len(name) - 1  # without the root label
    start = 1 if labels <= MAX_WALK else labels - (MAX_WALK - 1)
    return [dns.name.Name(name.labels[i:]) for i in range(start, labels)]


async def _level(ctx: AuditContext, domain: dns.name.Name) -> Level:
    try:
        owner = dns.name.Name((b"_dmarc", *domain.labels))
    except dns.name.NameTooLong:  # no such name can exist, so it holds no record
        return Level(domain.to_text(omit_final_dot=True), Answer(domain, TXT, Outcome.NXDOMAIN))
    answer = await ctx.query(owner, "TXT")
    records = tuple(t for t in answer.texts() if is_dmarc(t))
    single = parse_dmarc(records[0]) if len(records) == 1 else None
    return Level(domain.to_text(omit_final_dot=True), answer, records, single)


async def _discover(ctx: AuditContext) -> DmarcFacts:
    own = await _level(ctx, ctx.name)
    if not own.answer.ok:
        return DmarcFacts(levels=(own,), failures=(own.answer,))
    if own.single is not None:
        return _facts((own,), own, inherited=False)
    parents = await asyncio.gather(*(_level(ctx, n) for n in walk_targets(ctx.name)))
    walked = _until_psd(parents)
    unverified = tuple(level.answer for level in walked if level.answer.error == NOT_VERIFIABLE)
    failures = tuple(level.answer for level in walked if not level.answer.ok and level.answer not in unverified)
    chosen = _choose(walked)
    levels = (own, *walked)
    if chosen is None:
        return DmarcFacts(levels=levels, complete=not failures, failures=failures, unverified=unverified)
    return _facts(levels, chosen, inherited=True, failures=failures)


def _until_psd(parents: list[Level]) -> list[Level]:
    """The walk stops at the first record carrying psd=y or psd=n (RFC 9989 section 4.10)."""
    out: list[Level] = []
    for level in parents:
        out.append(level)
        record = level.single
        if record is not None and record.psd in ("y", "n"):
            break
    return out


def _choose(walked: list[Level]) -> Level | None:
    """psd=n: that record; psd=y: the record one label below it, if any, else its own;
    otherwise the record with the fewest labels (the organizational domain's)."""
    found = [(i, level) for i, level in enumerate(walked) if level.single is not None]
    if not found:
        return None
    index, last = found[-1]
    record = last.single
    if record is not None and record.psd == "y" and len(found) > 1 and found[-2][0] == index - 1:
        return found[-2][1]
    return last


def _facts(
    levels: tuple[Level, ...], chosen: Level, *, inherited: bool, failures: tuple[Answer, ...] = ()
) -> DmarcFacts:
    record = chosen.single
    assert record is not None
    policy = record.subdomain_policy if inherited else record.policy
    return DmarcFacts(
        record=record.text,
        policy=policy,
        effective=record.effective(policy),
        found_at=chosen.owner,
        complete=not failures,
        parsed=record,
        policy_domain=chosen.domain,
        levels=levels,
        failures=failures,
    )
