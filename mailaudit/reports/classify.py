"""Who each source is: authorised, authorised but failing alignment, forwarded, unauthorised, suspicious.

Pure: the live facts (which SPF term authorises an address, PTR names, blocklist listings) come
in as mappings, looked up by the caller through the project's resolver and SPF evaluator.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field

from .aggregate import DomainStats, SourceStats
from .model import Category

ALIGNED_SHARE = 0.98  # a source at or above this DMARC pass share is "authorized"
OUTLIER_FACTOR = 3  # "volume unlike the domain's other sources": this many times their median
OUTLIER_MIN = 20  # ... and at least this many messages


@dataclass(frozen=True, slots=True)
class LiveFacts:
    """What live DNS says now. ``authorized_by``: the top-level SPF term that authorises an address
    (absent: not authorised; ``unknown``: the SPF evaluation could not complete)."""

    authorized_by: Mapping[str, str]
    ptr: Mapping[str, str]
    listed: Mapping[str, tuple[str, ...]]
    unknown: frozenset[str] = frozenset()
    terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # every top-level term passing the address


NO_FACTS = LiveFacts({}, {}, {})


@dataclass(frozen=True, slots=True)
class Source:
    stats: SourceStats
    category: Category
    authorized_by: str | None
    ptr: str | None
    listed: tuple[str, ...]
    signals: tuple[str, ...]  # why: "listed", "no_dkim", "volume", "spf_unaligned", "dkim_unaligned", ...
    terms: tuple[str, ...] = ()  # every top-level SPF term that passes the address (authorized_by first)

    @property
    def ip(self) -> str:
        return self.stats.ip


@dataclass(frozen=True, slots=True)
class Peers:
    """The domain's authorised sources, computed once per domain (not once per source)."""

    volumes: tuple[tuple[int, str], ...]  # (messages, ip), sorted
    signing: frozenset[str]  # peers with a verified DKIM signature

    @classmethod
    def of(cls, sources: tuple[SourceStats, ...], facts: LiveFacts) -> Peers:
        peers = [s for s in sources if s.ip in facts.authorized_by or s.dkim_aligned or s.spf_aligned]
        return cls(tuple(sorted((s.messages, s.ip) for s in peers)), frozenset(s.ip for s in peers if s.dkim_pass))

    def median_without(self, ip: str) -> float | None:
        volumes = [n for n, peer in self.volumes if peer != ip]
        return statistics.median(volumes) if volumes else None


def classify_domain(stats: DomainStats, facts: LiveFacts = NO_FACTS) -> tuple[Source, ...]:
    """Every source of one domain, in the order of ``stats.sources`` (most messages first)."""
    peers = Peers.of(stats.sources, facts)
    return tuple(classify(s, peers, facts) for s in stats.sources)


def classify(source: SourceStats, peers: Peers, facts: LiveFacts) -> Source:
    term = facts.authorized_by.get(source.ip)
    listed = facts.listed.get(source.ip, ())
    spf_authorised = term is not None or (source.ip in facts.unknown and source.spf_aligned > 0)
    category, signals = _category(source, peers, spf_authorised, bool(listed))
    terms = facts.terms.get(source.ip, ())
    if term is not None and term not in terms:
        terms = (term, *terms)
    return Source(source, category, term, facts.ptr.get(source.ip), listed, signals, terms)


def _category(
    source: SourceStats, peers: Peers, spf_authorised: bool, listed: bool
) -> tuple[Category, tuple[str, ...]]:
    if spf_authorised:
        abuse = _abuse_signals(source, peers, listed)
        if abuse:
            return Category.SUSPICIOUS, abuse
    share = source.dmarc_pass / source.messages if source.messages else 1.0
    vouched = spf_authorised or (source.dkim_aligned > 0 and source.spf_pass > 0) or source.spf_aligned > 0
    if vouched and share >= ALIGNED_SHARE:
        return Category.AUTHORIZED, ()
    if (source.dkim_aligned > 0 and source.spf_pass == 0) or source.forward_hints > 0:
        return Category.FORWARDED, ("forwarded",)
    if vouched:
        return Category.AUTHORIZED_FAILING, _missing_alignment(source)
    return Category.UNAUTHORIZED, ()


def _abuse_signals(source: SourceStats, peers: Peers, listed: bool) -> tuple[str, ...]:
    """An SPF-authorised address that looks abused: listed now, or unsigned at a volume unlike the rest
    (at least :data:`OUTLIER_FACTOR` times the median of the other authorised sources, which sign)."""
    signals = ["listed"] if listed else []
    if source.dkim_pass == 0 and peers.signing - {source.ip}:
        median = peers.median_without(source.ip)
        if median is not None and source.messages >= max(OUTLIER_MIN, OUTLIER_FACTOR * median):
            signals += ["no_dkim", "volume"]
    return tuple(signals)


def _missing_alignment(source: SourceStats) -> tuple[str, ...]:
    """Which alignment is missing for most of the source's mail: SPF, DKIM, or both."""
    half = source.messages / 2
    missing = []
    if source.spf_aligned < half:
        missing.append("spf_unaligned")
    if source.dkim_aligned < half:
        missing.append("dkim_unaligned")
    return tuple(missing) or ("partly_failing",)
