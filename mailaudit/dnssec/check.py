"""DNSSEC check: the chain of trust of the domain's MX RRset and of its MX hosts' addresses,
validated from the trust anchors (never from a resolver's AD bit).

``checks[].data.status`` is the domain's status (secure / insecure / bogus / indeterminate).
Indeterminate (a timeout, a resolver that drops signatures) is a check ``error``, never
``insecure``. Bogus names the reason (expired signatures, a DS matching no key, ...).
"""

from __future__ import annotations

from mailaudit.checks.base import Check, Collector, dns_record
from mailaudit.context import AuditContext
from mailaudit.dnssec.anchors import TrustAnchorError
from mailaudit.dnssec.explain import finding_params, indeterminate_text, refused, refused_text
from mailaudit.dnssec.model import Problem, Status, Verdict
from mailaudit.facts.dnssec import dnssec_facts, not_verifiable

BOGUS_VARIANTS = {
    "rrsig.expired": "expired",
    "rrsig.not_yet_valid": "not_yet_valid",
    "rrsig.invalid": "invalid",
    "rrsig.missing": "missing",
    "rrsig.algorithm": "algorithm",
    "ds.mismatch": "ds_mismatch",
    "dnskey.missing": "dnskey_missing",
    "denial.missing": "denial",
    "denial.unproven": "denial",
}
INSECURE_VARIANTS = {"algorithm.unsupported": "algorithm", "nsec3.opt_out": "opt_out", "anchor.none": "anchor"}
NOTE_FINDINGS = {
    "algorithm.deprecated": "dnssec.algorithm.deprecated",
    "rrsig.expiring": "dnssec.signature.expiring",
    "ds.digest.sha1": "dnssec.ds.sha1",
}


async def run(ctx: AuditContext, out: Collector) -> None:
    words = ctx.catalogue.words("dnssec")
    out.data["status"] = "indeterminate"  # the contract's stable field, present even when not judged
    if not_verifiable(ctx):
        out.skip(words.get("skipped_offline", "answers from --zone files or --offline carry no signatures"))
        return
    try:
        facts = await dnssec_facts(ctx)
    except TrustAnchorError as err:
        out.failed(str(err))
        return
    out.data["status"] = facts.mx.status.value
    if refused(facts.mx):
        out.skip(refused_text(ctx.catalogue.words("dnssec"), facts.mx))
        return
    out.data["chain"] = list(facts.mx.chain)
    out.data["problems"] = [p.code for p in facts.mx.problems]
    out.data["hosts"] = [{"host": h.host, "status": h.address.status.value} for h in facts.hosts]
    seen: set[tuple[str, str]] = set()
    report(ctx, out, ctx.domain, facts.mx, seen, apex=True)
    for host in facts.hosts:
        report(ctx, out, host.host, host.address, seen, apex=False)


def report(
    ctx: AuditContext, out: Collector, subject: str, verdict: Verdict, seen: set[tuple[str, str]], *, apex: bool
) -> None:
    """The findings (or the failure) one verdict gives; notes of a zone are reported once."""
    for note in verdict.notes:
        if (note.code, note.zone) not in seen and note.code in NOTE_FINDINGS:
            seen.add((note.code, note.zone))
            out.add(NOTE_FINDINGS[note.code], note.zone.rstrip("."), evidence=[_evidence(note)], **finding_params(note))
    if verdict.status is Status.INDETERMINATE:
        out.failed(indeterminate_text(ctx.catalogue.words("dnssec"), subject, verdict))
    elif verdict.status is Status.BOGUS:
        problem = verdict.problems[-1] if verdict.problems else Problem("bogus", verdict.name)
        key = (problem.code, problem.zone + repr(problem.params))
        if key in seen:  # the MX host's zone failed the same way as the domain's: one finding
            return
        seen.add(key)
        records = [dns_record(problem.zone, "DS", ds) for ds in (problem.param("proposed") or "").split(" | ") if ds]
        out.add(
            "dnssec.bogus",
            subject,
            variant=BOGUS_VARIANTS.get(problem.code, "default"),
            evidence=[_evidence(p) for p in verdict.problems] + [_chain(verdict)],
            records=records,
            name=verdict.name.rstrip("."),
            **finding_params(problem),
        )
    elif verdict.status is Status.INSECURE and apex:
        problem = verdict.problems[-1] if verdict.problems else Problem("delegation.unsigned", verdict.name)
        out.add(
            "dnssec.insecure",
            subject,
            variant=INSECURE_VARIANTS.get(problem.code, "default"),
            evidence=[_evidence(p) for p in verdict.problems] + [_chain(verdict)],
            insecure_at=(verdict.insecure_at or verdict.name).rstrip("."),
            **finding_params(problem),
        )


def _evidence(problem: Problem) -> str:
    facts = ", ".join(f"{k}={v}" for k, v in problem.params if k != "proposed" and v)
    return f"{problem.zone} {problem.code}" + (f": {facts}" if facts else "")


def _chain(verdict: Verdict) -> str:
    return f"{verdict.name} {verdict.rdtype}: chain of trust " + (" -> ".join(verdict.chain) or "(none)")


CHECK = Check(
    "dnssec",
    "DNSSEC: the chain of trust of the domain's mail records, from the trust anchors",
    run,
    needs=("mx", "dnssec"),
    reads=("trust_anchor",),
    phase="transport",
)
