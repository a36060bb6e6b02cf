"""Findings of the reports, through the catalogue (ids + parameters; the catalogue writes the text).

Fixes never harm: an SPF term is proposed for removal only when no other legitimate source
relies on it, and an address is added to SPF only when the reporters saw it fail SPF for the
domain itself (adding it could not fix a foreign bounce domain).
"""

from __future__ import annotations

from collections.abc import Mapping

from mailaudit.catalogue import Catalogue, fill
from mailaudit.model import DnsRecord, Finding, Severity
from mailaudit.reports.aggregate import TlsStats
from mailaudit.reports.classify import Source
from mailaudit.reports.live import DomainLive
from mailaudit.reports.model import Category
from mailaudit.reports.readiness import Readiness
from mailaudit.spf.record import parse_record, with_term, without_term

EVIDENCE_SOURCES = 10


def words(catalogue: Catalogue) -> Mapping[str, str]:
    return catalogue.words("reports")


def _name(domain: str) -> str:
    return domain.rstrip(".") + "."


def _signals(catalogue: Catalogue, source: Source) -> str:
    table = words(catalogue)
    return ", ".join(table.get(f"signal_{s}", s) for s in source.signals)


def _evidence(source: Source) -> list[str]:
    stats = source.stats
    return [
        f"{stats.ip} ({source.ptr or '-'}): {stats.messages} messages, SPF aligned {stats.spf_aligned}, "
        f"DKIM aligned {stats.dkim_aligned}, DKIM verified {stats.dkim_pass}, DMARC pass {stats.dmarc_pass}",
        "reporters: " + ", ".join(stats.reporters),
    ]


def suspicious(catalogue: Catalogue, domain: str, source: Source, sources: tuple[Source, ...],
               live: DomainLive | None) -> Finding:
    """The founding story: an SPF-authorised host that looks abused. Fix: close it, drop its term."""
    term = source.authorized_by or ""
    terms = source.terms or ((term,) if term else ())
    sharing = [s.ip for s in sources if s is not source and set(s.terms or (s.authorized_by,)) & set(terms)
               and s.category not in (Category.SUSPICIOUS, Category.UNAUTHORIZED)]
    spf = live.spf if live else None
    records: list[DnsRecord] = []
    variant = "reported" if not term else "shared" if sharing else "remove"
    removable = spf is not None and all(t in spf.term_texts and not t.startswith("redirect=") for t in terms)
    if variant == "remove" and spf is not None and removable:
        text = spf.text
        for each in terms:
            text = without_term(parse_record(text), each)
        records.append(DnsRecord(_name(domain), "TXT", text))
    elif variant == "remove":
        variant = "remove_manual"
    evidence = _evidence(source) + [f"listed on {zone}" for zone in source.listed]
    return catalogue.make(
        "reports.source.suspicious", source.ip, variant=variant, evidence=evidence, records=records,
        params={"domain": domain, "ip": source.ip, "ptr": source.ptr or "-", "messages": source.stats.messages,
                "term": ", ".join(terms) or "-", "signals": _signals(catalogue, source),
                "sharing": ", ".join(sharing[:5])},
    )


def failing(catalogue: Catalogue, domain: str, source: Source, live: DomainLive | None) -> Finding:
    """A legitimate service whose mail fails DMARC: which alignment is missing, and the record when one helps."""
    stats = source.stats
    missing = set(source.signals)
    variant = ("both" if {"spf_unaligned", "dkim_unaligned"} <= missing else "spf" if "spf_unaligned" in missing
               else "dkim" if "dkim_unaligned" in missing else "partly")
    records: list[DnsRecord] = []
    fix = "dkim"
    spf = live.spf if live else None
    if "spf_unaligned" in missing and source.authorized_by is None and domain in stats.envelope_domains:
        if spf is not None:
            term = ("ip6:" if ":" in stats.ip else "ip4:") + stats.ip
            records.append(DnsRecord(_name(domain), "TXT", with_term(spf, term)))
            fix = "add_ip"
    elif "spf_unaligned" in missing:
        fix = "return_path"
    share = f"{stats.dmarc_pass / stats.messages:.1%}" if stats.messages else "-"
    return catalogue.make(
        "reports.source.failing", stats.ip, variant=fix, evidence=_evidence(source), records=records,
        params={"domain": domain, "ip": stats.ip, "ptr": source.ptr or "-", "messages": stats.messages,
                "missing": words(catalogue).get(f"missing_{variant}", variant),
                "failing": stats.dmarc_fail, "share": share, "term": source.authorized_by or "-",
                "bounce": ", ".join(stats.envelope_domains[:3]) or "-"},
    )


def unauthorized(catalogue: Catalogue, domain: str, sources: tuple[Source, ...], readiness: Readiness) -> Finding:
    """Spoofing: nothing to fix in DNS but enforcing DMARC. One finding per domain, the biggest senders shown."""
    spoofers = [s for s in sources if s.category is Category.UNAUTHORIZED]
    messages = sum(s.stats.messages for s in spoofers)
    enforced = readiness.current.p in ("quarantine", "reject")
    evidence = [f"{s.ip} ({s.ptr or '-'}): {s.stats.messages} messages, dispositions "
                + ", ".join(f"{d} {n}" for d, n in s.stats.dispositions) for s in spoofers[:EVIDENCE_SOURCES]]
    return catalogue.make(
        "reports.source.unauthorized", domain, variant="enforced" if enforced else "default",
        severity=Severity.INFO if readiness.current.p == "reject" and readiness.current.pct == 100 else None,
        evidence=evidence, params={"domain": domain, "sources": len(spoofers), "messages": messages,
                                   "policy": readiness.current.p},
    )


def forwarded(catalogue: Catalogue, domain: str, sources: tuple[Source, ...]) -> Finding:
    fwd = [s for s in sources if s.category is Category.FORWARDED]
    failing_messages = sum(s.stats.dmarc_fail for s in fwd)
    evidence = [f"{s.ip} ({s.ptr or '-'}): {s.stats.messages} messages, DMARC pass {s.stats.dmarc_pass}"
                for s in fwd[:EVIDENCE_SOURCES]]
    return catalogue.make(
        "reports.source.forwarded", domain, evidence=evidence,
        params={"domain": domain, "sources": len(fwd), "messages": sum(s.stats.messages for s in fwd),
                "failing": failing_messages},
    )


def readiness_detail(catalogue: Catalogue, domain: str, readiness: Readiness) -> str:
    """The contract's ``readiness.detail``: one sentence in the report's language."""
    template = words(catalogue).get(f"readiness_{readiness.reason}", readiness.reason)
    return fill(template, _readiness_params(domain, readiness))


def _readiness_params(domain: str, readiness: Readiness) -> dict[str, str]:
    hurt = ", ".join(f"{ip} ({n})" for ip, n in readiness.hurt[:5]) or "-"
    share = f"{readiness.aligned_share:.1%}" if readiness.aligned_share is not None else "-"
    return {"domain": domain, "current": readiness.current.p, "next": readiness.next_policy or "-",
            "pct": str(readiness.next_pct), "share": share, "considered": str(readiness.considered),
            "failing": str(readiness.failing), "hurt": hurt}


def readiness_finding(catalogue: Catalogue, domain: str, readiness: Readiness, live: DomainLive | None) -> Finding:
    """Ready for the next DMARC step (info, with the record), or not yet and why (low)."""
    params = _readiness_params(domain, readiness)
    evidence = [f"{ip}: {n} messages failing DMARC" for ip, n in readiness.hurt[:EVIDENCE_SOURCES]]
    if readiness.ready and readiness.next_policy:
        records = _next_dmarc(domain, readiness, live)
        return catalogue.make("reports.readiness.ready", domain, evidence=evidence, records=records, params=params)
    return catalogue.make("reports.readiness.not_ready", domain, variant=readiness.reason, evidence=evidence,
                          params=params)


def _next_dmarc(domain: str, readiness: Readiness, live: DomainLive | None) -> list[DnsRecord]:
    """The live DMARC record with ``p`` (and ``pct``) moved to the next step, other tags kept."""
    if live is None or live.dmarc is None or readiness.next_policy is None:
        return []
    tags = [(k, v) for k, v in live.dmarc.tags if k not in ("p", "pct")]
    index = 1 if tags and tags[0][0] == "v" else 0
    tags.insert(index, ("p", readiness.next_policy))
    text = "; ".join(f"{k}={v}" for k, v in tags)
    return [DnsRecord(_name(live.dmarc_at or f"_dmarc.{domain}"), "TXT", text)]


def tls_finding(catalogue: Catalogue, tls: TlsStats) -> Finding | None:
    if not tls.failed and not tls.failures:
        return None
    evidence = [f"{kind} on {mx or '-'}: {n} sessions" + (f" ({reason})" if reason else "")
                for kind, mx, reason, n in tls.details[:EVIDENCE_SOURCES]]
    total = tls.successful + tls.failed
    return catalogue.make(
        "reports.tls.failures", tls.domain, variant=tls.policy_type.replace("-", "_"), evidence=evidence,
        params={"domain": tls.domain, "failed": tls.failed, "sessions": total,
                "types": ", ".join(f"{k} {n}" for k, n in tls.failures[:5]) or "-",
                "reporters": ", ".join(tls.reporters[:5])},
    )
