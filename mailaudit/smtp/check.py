"""SMTP check (``--smtp``): STARTTLS and the certificate of every MX address, IPv4 and IPv6.

Findings come only from servers that answered. An address that could not be tested (refused,
timeout, 421, tarpit, banner 5xx, private target) makes the check ``error`` with the reason,
never ``smtp.starttls.missing``; when no MX address answered at all, one headline says port 25
looks blocked from here (``smtp.port25.blocked``, and status ``error``).
"""

from __future__ import annotations

from mailaudit.catalogue import fill
from mailaudit.checks.base import Check, Collector
from mailaudit.context import AuditContext
from mailaudit.facts.mta_sts import enforced_policy
from mailaudit.facts.smtp import SmtpFacts, smtp_facts
from mailaudit.model import Severity
from mailaudit.mta_sts.mx import matches as sts_matches
from mailaudit.mta_sts.policy import StsPolicy
from mailaudit.smtp.dane_match import DaneResult
from mailaudit.smtp.outcomes import FailureKind, TlsProbe
from mailaudit.smtp.verdicts import HostVerdict, host_data


async def run(ctx: AuditContext, out: Collector) -> None:
    words = ctx.catalogue.words("smtp")
    if not ctx.options.smtp:
        out.skip(words.get("skipped", "needs --smtp"))
        return
    facts = await smtp_facts(ctx)
    if not facts.mx.answer.ok:
        out.failed(facts.mx.answer)
        return
    if not facts.hosts:
        out.note(words.get("no_hosts", "no MX address to probe"))
        out.data["hosts"] = []
        return
    out.data["hosts"] = [host_data(v) for v in facts.hosts]
    if facts.skipped_addresses:
        out.note(
            fill(words.get("capped", "{count} more MX addresses not probed"), {"count": str(facts.skipped_addresses)})
        )
    for answer in facts.tlsa_failures:
        out.note(fill(words.get("tlsa_failed", "{reason}"), {"reason": answer.describe()}))
    if all(v.failure is not None for v in facts.hosts) and _all_unreached(facts):
        _blocked(ctx, out, facts)
        return
    enforce = await enforced_policy(ctx)
    for verdict, probe in zip(facts.hosts, facts.probes, strict=True):
        _judge(ctx, out, verdict, probe, enforce)


def _all_unreached(facts: SmtpFacts) -> bool:
    failures = [v.failure for v in facts.hosts if v.failure is not None]
    return all(not f.heard and (f.kind.unreached or f.kind is FailureKind.BLOCKED_HERE) for f in failures)


def _blocked(ctx: AuditContext, out: Collector, facts: SmtpFacts) -> None:
    """The one headline for "nothing answered": a finding every format shows, and status error."""
    kinds = sorted({v.failure.kind.value for v in facts.hosts if v.failure is not None})
    params = {"count": str(len(facts.hosts)), "kinds": ", ".join(kinds)}
    evidence = [f"{v.host} {v.address}: {v.failure.describe()}" for v in facts.hosts if v.failure is not None]
    out.add("smtp.port25.blocked", evidence=evidence[:20], count=params["count"], kinds=params["kinds"])
    out.failed(fill(ctx.catalogue.words("smtp").get("blocked", "port 25 looks blocked from here"), params))


def _judge(ctx: AuditContext, out: Collector, verdict: HostVerdict, probe: TlsProbe,
           enforce: StsPolicy | None) -> None:
    words = ctx.catalogue.words("smtp")
    host, address = verdict.host or verdict.address, verdict.address
    where = {"host": host, "address": address}
    subject = f"{host} {address}"
    evidence = list(probe.transcript[-12:])
    if verdict.failure is not None:
        reason = {**where, "reason": verdict.failure.describe()}
        out.failed(fill(words.get("untested", "{host} ({address}): {reason}"), reason))
        return
    if verdict.masked_starttls:
        out.failed(fill(words.get("masked", "{host} ({address}): masked STARTTLS"), where))
        return
    if not verdict.starttls:
        out.add("smtp.starttls.missing", subject, evidence=evidence, host=host, address=address)
        return
    if verdict.tls_version is None:
        why = verdict.tls_error or "unknown"
        out.add(
            "smtp.starttls.missing",
            subject,
            variant="handshake",
            evidence=evidence,
            reason=why,
            host=host,
            address=address,
        )
        return
    _certificate(out, verdict, host, address, enforce)
    if verdict.dane is DaneResult.INVALID:
        out.note(fill(words.get("dane_mismatch", "{host} ({address}): TLSA mismatch"), where))


def _certificate(out: Collector, verdict: HostVerdict, host: str, address: str, enforce: StsPolicy | None) -> None:
    """A certificate problem; high when an MTA-STS policy in enforce mode covers the host (its
    senders then refuse to deliver there), medium otherwise."""
    cert = verdict.certificate
    if cert is None or cert.valid:
        return
    refused = enforce is not None and any(sts_matches(p, host) for p in enforce.mx)
    out.add(
        "smtp.certificate.invalid",
        f"{host} {address}",
        variant="enforce" if refused else "default",
        severity=Severity.HIGH if refused else None,
        evidence=[f"subject: {cert.subject}", f"issuer: {cert.issuer}", *([cert.detail] if cert.detail else [])],
        problems=", ".join(p.replace("_", " ") for p in cert.problems),
        names=", ".join(cert.names) or "none",
        not_after=cert.not_after.strftime("%Y-%m-%d"),
        host=host,
        address=address,
    )


CHECK = Check(
    "smtp",
    "SMTP transport security: STARTTLS, TLS version and certificate of every MX address (--smtp)",
    run,
    needs=("mx", "smtp"),
    reads=("smtp", "smtp_port", "smtp_timeout", "ca_file", "allow_private_targets"),
    phase="transport",
)
