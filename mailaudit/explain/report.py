"""The explain report: the diagnosis as catalogue findings, and the message summary of the contract."""

from __future__ import annotations

from dataclasses import dataclass

from mailaudit.catalogue import Catalogue
from mailaudit.explain.clues import Clue, Now, diagnose, dmarc_result
from mailaudit.explain.evidence import Evidence
from mailaudit.model import DnsRecord, Finding, Severity

# the cause is gone now (the address is no longer listed, its reverse DNS works, SPF passes now
# where SPF alone was the cause): the finding stays, it explains the bounce, but weighs less
SPF_SETTLES = frozenset({"explain.spf.rejected", "explain.auth.rejected"})


@dataclass(frozen=True, slots=True)
class DkimSummary:
    domain: str
    selector: str
    result: str


@dataclass(frozen=True, slots=True)
class MessageSummary:
    from_domain: str
    connecting_ip: str
    spf: str
    dkim: tuple[DkimSummary, ...]
    dmarc: str


@dataclass(frozen=True, slots=True)
class HopSummary:
    """One ``Received`` hop as the table and Markdown show it (newest first); not in the JSON."""

    sender: str  # the from host (reverse DNS name, else HELO)
    address: str
    by: str
    protocol: str
    tls: bool
    date: str


@dataclass(frozen=True, slots=True)
class ExplainReport:
    kind: str
    findings: tuple[Finding, ...]  # worst first
    message: MessageSummary | None
    errors: tuple[str, ...] = ()  # lookups that could not complete
    hops: tuple[HopSummary, ...] = ()

    def at_least(self, severity: Severity) -> bool:
        return any(f.severity.at_least(severity) for f in self.findings)


def _safe(text: str, limit: int = 500) -> str:
    """Untrusted text from the input, clipped; renderers make control characters visible."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def finding_of(clue: Clue, catalogue: Catalogue) -> Finding:
    """The catalogue's finding for a clue; "?" (not known) and a receiver nobody named get words."""
    words = catalogue.words("explain")
    unknown = words.get("unknown", "unknown")
    params = {k: unknown if v == "?" else _safe(v) for k, v in clue.params}
    if "receiver" in params and not params["receiver"]:
        params["receiver"] = words.get("receiver_unknown", "The receiving server")
    settled = clue.variant in ("cleared", "ptr_ok") or (clue.variant == "spf_pass" and clue.id in SPF_SETTLES)
    severity = Severity.LOW if settled else None
    return catalogue.make(
        clue.id, _safe(clue.subject, 200), variant=clue.variant, severity=severity,
        evidence=[_safe(e) for e in clue.evidence],
        records=[DnsRecord(n, t, v) for n, t, v in clue.records],
        remove=[DnsRecord(n, t, v) for n, t, v in clue.remove],
        params=params)


def summary(evidence: Evidence, now: Now) -> MessageSummary | None:
    """The contract's ``message`` object, for a raw message only (null for replies and bounces)."""
    facts = evidence.message
    if evidence.kind != "message" or facts is None:
        return None
    spf = now.spf_for(facts.connecting_ip, facts.mail_from or facts.from_domain) if facts.connecting_ip else None
    dkim = tuple(DkimSummary(_safe(v.signature.domain, 253), _safe(v.signature.selector, 63), v.result)
                 for v in now.dkim)
    if not now.dkim:
        dkim = tuple(DkimSummary(_safe(s.domain, 253), _safe(s.selector, 63), "none") for s in facts.signatures)
    return MessageSummary(_safe(facts.from_domain, 253), facts.connecting_ip,
                          spf.result if spf is not None else "none", dkim, dmarc_result(facts, now))


def build_report(evidence: Evidence, now: Now, catalogue: Catalogue) -> ExplainReport:
    findings = [finding_of(c, catalogue) for c in diagnose(evidence, now)]
    findings.sort(key=lambda f: -f.severity.rank)
    hops: tuple[HopSummary, ...] = ()
    if evidence.kind == "message" and evidence.message is not None:
        hops = tuple(HopSummary(_safe(h.rdns or h.helo, 253), h.address, _safe(h.by, 253), _safe(h.protocol, 40),
                                h.tls, _safe(h.date, 80)) for h in evidence.message.hops)
    return ExplainReport(evidence.kind, tuple(findings), summary(evidence, now),
                         tuple(_safe(n) for n in now.notes), hops)
