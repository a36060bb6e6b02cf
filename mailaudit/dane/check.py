"""DANE check: TLSA records at ``_25._tcp.<mx>`` for each MX host (RFC 7672).

DANE counts only when the MX RRset, the host's addresses and the TLSA RRset are all
DNSSEC-secure. Records are judged for SMTP (DANE-TA/DANE-EE only, digest sizes, rollover);
with ``--smtp`` they are matched (``mailaudit.dane.match``) against the chain each MX address
presented to the SMTP probe (``facts.smtp.presented_chains``): ``dane.tlsa.mismatch``; without
it this check says the match is unverified.
"""

from __future__ import annotations

from mailaudit.checks.base import Check, Collector
from mailaudit.context import AuditContext
from mailaudit.dane.match import match_detail
from mailaudit.dane.tlsa import TLSAError, TLSARecord, assess, from_text, tlsa_name
from mailaudit.dnssec.anchors import TrustAnchorError
from mailaudit.dnssec.explain import indeterminate_text, refused, refused_text
from mailaudit.dnssec.model import Status, Verdict
from mailaudit.facts.dnssec import DnssecFacts, HostDnssec, dnssec_facts, not_verifiable
from mailaudit.facts.mx import mx_facts
from mailaudit.facts.smtp import presented_chains
from mailaudit.model import Severity


async def run(ctx: AuditContext, out: Collector) -> None:
    if not_verifiable(ctx):
        out.skip(ctx.catalogue.words("dnssec").get("skipped_offline", "no signatures in --zone/--offline answers"))
        return
    mx = await mx_facts(ctx)
    if not mx.answer.ok:
        out.failed(mx.answer)
        return
    out.data["hosts"] = []
    if not mx.hosts:
        return
    try:
        facts = await dnssec_facts(ctx)
    except TrustAnchorError as err:
        out.failed(str(err))
        return
    if refused(facts.mx):
        out.skip(refused_text(ctx.catalogue.words("dnssec"), facts.mx))
        return
    for host in facts.hosts:
        await _host(ctx, out, facts, host)


async def _host(ctx: AuditContext, out: Collector, facts: DnssecFacts, host: HostDnssec) -> None:
    name = tlsa_name(host.host + ".")
    records: list[TLSARecord] = []
    for text in host.tlsa.records:  # fetched with the validation: no second TLSA question
        try:
            records.append(from_text(text))
        except TLSAError:
            continue
    entry: dict[str, object] = {
        "host": host.host,
        "tlsa": [r.to_text() for r in records],
        "status": host.tlsa.status.value,
        "usable": 0,
    }
    hosts = out.data["hosts"]
    assert isinstance(hosts, list)
    hosts.append(entry)
    subject = name.to_text(omit_final_dot=True)
    evidence = [f"{name.to_text()} TLSA {r.to_text()}" for r in records] or [f"{name.to_text()} TLSA: none"]
    if host.tlsa.status is Status.BOGUS:
        if host.address.status is not Status.BOGUS:  # else the host's whole zone fails: the dnssec check says so
            out.add("dane.tlsa.bogus", subject, evidence=[*evidence, *_why(host.tlsa)], host=host.host)
        return
    if host.tlsa.status is Status.INDETERMINATE:  # the records (or their absence) are unknown: never "no DANE"
        out.failed(indeterminate_text(ctx.catalogue.words("dnssec"), subject, host.tlsa))
        return
    if not records:
        return  # no DANE for this host (a proven or an unsigned absence)
    if not _untrusted(ctx, out, facts.mx, host, subject, evidence):
        await _judge_records(ctx, out, subject, host.host, records, entry)


def _untrusted(
    ctx: AuditContext, out: Collector, mx: Verdict, host: HostDnssec, subject: str, evidence: list[str]
) -> bool:
    """Whether DANE senders cannot use the records (a lookup not secure); reported here if so."""
    weak = _weakest(mx, host)
    if weak is None:
        return False
    variant, verdict = weak
    if verdict.status is Status.INDETERMINATE:
        out.failed(indeterminate_text(ctx.catalogue.words("dnssec"), subject, verdict))
    elif verdict.status is Status.INSECURE:  # (a bogus MX or address lookup is the dnssec check's finding)
        out.add(
            "dane.tlsa.unsigned",
            subject,
            variant=variant,
            severity=Severity.LOW if variant == "mx" else None,  # the provider's DANE is fine; the domain is unsigned
            evidence=[*evidence, *_why(verdict)],
            host=host.host,
            insecure_at=(verdict.insecure_at or verdict.name).rstrip("."),
        )
    return True


def _weakest(mx: Verdict, host: HostDnssec) -> tuple[str, Verdict] | None:
    """Which lookup DANE senders could not trust: the TLSA RRset, the MX RRset or the address."""
    for variant, verdict in (("default", host.tlsa), ("mx", mx), ("address", host.address)):
        if verdict.status is not Status.SECURE:
            return variant, verdict
    return None


async def _judge_records(
    ctx: AuditContext, out: Collector, subject: str, host: str, records: list[TLSARecord], entry: dict[str, object]
) -> None:
    judged = assess(records)
    entry["usable"] = len(judged.usable)
    words = ctx.catalogue.words("dane")
    for text, problems in judged.unusable:
        why = "; ".join(words.get(p, p) for p in problems)
        out.add(
            "dane.tlsa.unusable",
            subject,
            variant="default" if judged.any_usable else "none_usable",
            evidence=[f"{subject}. TLSA {text}"],
            host=host,
            record=text,
            problems=why,
        )
    if judged.single_ee:
        out.add("dane.tlsa.rollover", subject, evidence=[f"{subject}. TLSA {judged.usable[0].to_text()}"], host=host)
    if judged.any_usable:
        await _compare(ctx, out, subject, host, judged.usable, entry)


async def _compare(
    ctx: AuditContext, out: Collector, subject: str, host: str, usable: tuple[TLSARecord, ...], entry: dict[str, object]
) -> None:
    """With ``--smtp``: the secure, usable records against each chain the host presented (the SMTP
    probe's facts); without it, or when no address completed a handshake, the match is unverified."""
    chains = await presented_chains(ctx, host + ".")
    evidence = [f"{subject}. TLSA {r.to_text()}" for r in usable]
    if not chains:
        out.add(
            "dane.unverified",
            subject,
            variant="default" if not ctx.options.smtp else "untested",
            evidence=evidence,
            host=host,
        )
        return
    results = {address: match_detail(usable, chain, hostname=host) for address, chain in chains}
    entry["match"] = {address: result.ok for address, result in results.items()}
    failed = [
        f"{host} ({address}): no TLSA record matches the presented chain ({result.reason})"
        for address, result in results.items()
        if not result.ok
    ]
    if failed:
        out.add("dane.tlsa.mismatch", subject, evidence=[*evidence, *failed], host=host)


def _why(verdict: Verdict) -> list[str]:
    return [f"{p.zone} {p.code}" for p in verdict.problems]


CHECK = Check(
    "dane",
    "DANE: TLSA records for the MX hosts (RFC 7672), only meaningful when DNSSEC-secure",
    run,
    needs=("mx", "dnssec"),
    reads=("trust_anchor", "smtp"),
    phase="transport",
)
