"""De-duplication and per-domain, per-source counting. Memory grows with distinct sources, not records.

A document counts whole or not at all: its rows are counted apart and merged only once it
parsed to the end, so a file broken half-way is an ``errors[]`` line and adds nothing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import idna
from defusedxml import DefusedXmlException

from .dmarcxml import ReportError, parse_aggregate
from .extract import READ_ERRORS, Document, InputError, Item, one_line
from .limits import DEFAULT_LIMITS, Limits
from .model import PolicyPublished, Record, ReportMeta, TlsReport
from .tlsrpt import TlsReportError, parse_tlsrpt

KEEP = 20  # distinct names kept per source (reporters, DKIM domains, envelope domains)
PARSE_ERRORS = (*READ_ERRORS, ET.ParseError, DefusedXmlException, ReportError, TlsReportError, UnicodeError,
                LookupError)  # LookupError: an XML declaration naming an unknown encoding


@dataclass(frozen=True, slots=True)
class SourceStats:
    """What the reports say about one sending address for one domain, over the period."""

    ip: str
    messages: int
    spf_aligned: int
    dkim_aligned: int
    dmarc_pass: int
    spf_pass: int  # SPF passed for some domain (aligned or not)
    dkim_pass: int  # some DKIM signature verified (aligned or not)
    forward_hints: int  # reporter said forwarded / mailing list, or ARC passed
    dispositions: tuple[tuple[str, int], ...]
    reporters: tuple[str, ...]
    dkim_domains: tuple[str, ...]
    envelope_domains: tuple[str, ...]  # MAIL FROM domains (identifiers and SPF results)

    @property
    def dmarc_fail(self) -> int:
        return self.messages - self.dmarc_pass


@dataclass(frozen=True, slots=True)
class DomainStats:
    domain: str  # A-label
    begin: int
    end: int
    reports: int
    messages: int
    policy: PolicyPublished  # as published in the most recent report
    reporters: tuple[str, ...]
    sources: tuple[SourceStats, ...]  # most messages first

    @property
    def period(self) -> tuple[str, str]:
        return (iso(self.begin), iso(self.end))


@dataclass(frozen=True, slots=True)
class TlsStats:
    domain: str
    policy_type: str
    successful: int
    failed: int
    failures: tuple[tuple[str, int], ...]  # result type, sessions; most first
    details: tuple[tuple[str, str, str, int], ...]  # result type, receiving MX, reason, sessions
    reporters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Ingested:
    """Everything read from the inputs, before any DNS is consulted."""

    domains: tuple[DomainStats, ...]
    tls: tuple[TlsStats, ...]
    errors: tuple[InputError, ...]
    duplicates: int


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def a_label(domain: str) -> str:
    try:
        return idna.encode(domain.rstrip("."), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return domain.lower().rstrip(".")


@dataclass
class _Source:
    messages: int = 0
    spf_aligned: int = 0
    dkim_aligned: int = 0
    dmarc_pass: int = 0
    spf_pass: int = 0
    dkim_pass: int = 0
    forward_hints: int = 0
    dispositions: Counter[str] = field(default_factory=Counter)
    reporters: set[str] = field(default_factory=set)
    dkim_domains: set[str] = field(default_factory=set)
    envelope_domains: set[str] = field(default_factory=set)

    def add(self, record: Record, reporter: str) -> None:
        n = record.count
        self.messages += n
        self.spf_aligned += n if record.spf_aligned else 0
        self.dkim_aligned += n if record.dkim_aligned else 0
        self.dmarc_pass += n if record.spf_aligned or record.dkim_aligned else 0
        self.spf_pass += n if record.spf_pass else 0
        self.dkim_pass += n if record.dkim_pass else 0
        self.forward_hints += n if record.forward_hint else 0
        self.dispositions[record.disposition] += n
        _keep(self.reporters, reporter)
        for dkim in record.dkim:
            _keep(self.dkim_domains, dkim.domain)
        _keep(self.envelope_domains, record.envelope_from)
        for spf in record.spf:
            _keep(self.envelope_domains, spf.domain)

    def merge(self, other: _Source) -> None:
        for name in ("messages", "spf_aligned", "dkim_aligned", "dmarc_pass", "spf_pass", "dkim_pass",
                     "forward_hints"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.dispositions.update(other.dispositions)
        for mine, theirs in ((self.reporters, other.reporters), (self.dkim_domains, other.dkim_domains),
                             (self.envelope_domains, other.envelope_domains)):
            for item in theirs:
                _keep(mine, item)

    def freeze(self, ip: str) -> SourceStats:
        return SourceStats(
            ip, self.messages, self.spf_aligned, self.dkim_aligned, self.dmarc_pass, self.spf_pass,
            self.dkim_pass, self.forward_hints, tuple(self.dispositions.most_common()),
            tuple(sorted(self.reporters)), tuple(sorted(self.dkim_domains)), tuple(sorted(self.envelope_domains)),
        )


def _keep(names: set[str], name: str) -> None:
    if name and len(names) < KEEP:
        names.add(name)


@dataclass
class _Domain:
    begin: int = 0
    end: int = 0
    reports: int = 0
    latest: ReportMeta | None = None
    reporters: set[str] = field(default_factory=set)
    sources: dict[str, _Source] = field(default_factory=dict)

    def add_report(self, meta: ReportMeta, rows: dict[str, _Source]) -> None:
        self.begin = min(self.begin, meta.begin) if self.reports else meta.begin
        self.end = max(self.end, meta.end)
        self.reports += 1
        if self.latest is None or meta.end >= self.latest.end:
            self.latest = meta
        _keep(self.reporters, meta.org_name)
        for ip, row in rows.items():
            known = self.sources.get(ip)
            if known is None:
                self.sources[ip] = row  # the document's counters become the domain's
            else:
                known.merge(row)

    def freeze(self, domain: str) -> DomainStats:
        sources = sorted((s.freeze(ip) for ip, s in self.sources.items()), key=lambda s: (-s.messages, s.ip))
        policy = self.latest.policy if self.latest else PolicyPublished(domain)
        return DomainStats(domain, self.begin, self.end, self.reports, sum(s.messages for s in sources),
                           policy, tuple(sorted(self.reporters)), tuple(sources))


@dataclass
class _Tls:
    successful: int = 0
    failed: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    details: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    reporters: set[str] = field(default_factory=set)


class Collector:
    """Reads documents one after the other; ``result()`` freezes what was counted.

    One instance per run (no module state). ``feed`` takes what :mod:`.sources`,
    :mod:`.extract` or :mod:`.imap` yield.
    """

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.seen: set[tuple[str, str]] = set()
        self.seen_tls: set[tuple[str, str]] = set()
        self.domains: dict[str, _Domain] = {}
        self.tls: dict[tuple[str, str], _Tls] = {}
        self.errors: list[InputError] = []
        self.duplicates = 0

    def feed(self, items: Iterable[Item]) -> None:
        for item in items:
            if isinstance(item, InputError):
                self.errors.append(item)
            else:
                self.add(item)

    def add(self, doc: Document) -> bool:
        """Count one document; False when it was a duplicate or could not be read (then in ``errors``)."""
        try:
            return self._add_dmarc(doc) if doc.kind == "dmarc" else self._add_tls(parse_tlsrpt(doc.stream, self.limits))
        except PARSE_ERRORS as exc:
            self.errors.append(InputError(doc.origin, one_line(exc)))
        except RecursionError:
            self.errors.append(InputError(doc.origin, "nested too deep; refused"))
        return False

    def _add_dmarc(self, doc: Document) -> bool:
        rows: dict[str, _Source] = {}
        meta: ReportMeta | None = None
        for item in parse_aggregate(doc.stream, self.limits):
            if isinstance(item, ReportMeta):
                meta = item
                if meta.key in self.seen:
                    self.duplicates += 1
                    return False
            elif meta is not None:
                rows.setdefault(item.source_ip, _Source()).add(item, meta.org_name)
        if meta is None:
            return False
        self.seen.add(meta.key)
        self.domains.setdefault(a_label(meta.policy.domain), _Domain()).add_report(meta, rows)
        return True

    def _add_tls(self, report: TlsReport) -> bool:
        if report.key in self.seen_tls:
            self.duplicates += 1
            return False
        self.seen_tls.add(report.key)
        for policy in report.policies:
            entry = self.tls.setdefault((a_label(policy.policy_domain), policy.policy_type), _Tls())
            entry.successful += policy.successful
            entry.failed += policy.failed
            _keep(entry.reporters, report.organization)
            for failure in policy.failures:
                entry.failures[failure.result_type] += failure.count
                key = (failure.result_type, failure.receiving_mx_hostname, failure.reason[:200])
                if key in entry.details or len(entry.details) < KEEP * 5:
                    entry.details[key] += failure.count
        return True

    def result(self) -> Ingested:
        domains = tuple(d.freeze(name) for name, d in sorted(self.domains.items()))
        tls = tuple(
            TlsStats(domain, ptype, t.successful, t.failed, tuple(t.failures.most_common()),
                     tuple((*k, n) for k, n in t.details.most_common()), tuple(sorted(t.reporters)))
            for (domain, ptype), t in sorted(self.tls.items())
        )
        return Ingested(domains, tls, tuple(self.errors), self.duplicates)


def ingest(items: Iterable[Item], limits: Limits = DEFAULT_LIMITS) -> Ingested:
    collector = Collector(limits)
    collector.feed(items)
    return collector.result()
