"""Bypass check (``--smtp``): does mail for the domain skip its filtering MX?

When the primary MX names a filtering service (``providers.toml``), the domain's other mail
hosts, found from DNS alone (``candidates``), are asked ``RCPT TO:<postmaster@domain>`` after
``MAIL FROM:<>``, never DATA. A candidate that accepts is ``bypass.origin.open``, with the fix
in the service's terms. The MX probes of the ``smtp`` facts run first: they are the run's
port-25 canary, so a silent candidate is "closed from here" only when some server answered.
"""

from __future__ import annotations

import asyncio

from mailaudit.bypass.assess import Probed, assess, candidate_data
from mailaudit.bypass.candidates import Candidate, Reason, Signals, candidates
from mailaudit.bypass.interpret import Verdict
from mailaudit.bypass.providers import Provider, filter_of, load_providers
from mailaudit.catalogue import fill
from mailaudit.checks.base import Check, Collector, dns_record
from mailaudit.context import AuditContext
from mailaudit.facts.mx import MxFacts, mx_facts
from mailaudit.facts.smtp import run_prober, smtp_facts
from mailaudit.facts.spf import spf_facts
from mailaudit.smtp.outcomes import Failure, FailureKind
from mailaudit.smtp.prober import Prober

MAX_ADDRESSES_PER_NAME = 4  # a name with many addresses (a CDN apex) is sampled, not swept
MAX_TARGETS = 24  # addresses probed per domain, at most
MAX_CANDIDATES = 40  # names and SPF addresses considered per domain (a hostile SPF record may list hundreds)


async def run(ctx: AuditContext, out: Collector) -> None:
    words = ctx.catalogue.words("bypass")
    if not ctx.options.smtp:
        out.skip(words.get("skipped", "needs --smtp"))
        return
    mx = await mx_facts(ctx)
    if not mx.answer.ok:
        out.failed(mx.answer)
        return
    table = await ctx.shared("bypass.providers", _table)
    service = filter_of([(h.preference, h.text) for h in mx.hosts], table)
    out.data["filter"] = service.key if service else None
    out.data["candidates"] = []
    if service is None:
        out.note(words.get("no_filter", "no known filtering service"))
        return
    out.data["filter_name"] = service.name
    await smtp_facts(ctx)  # the MX probes first: the port-25 canary (cached, shared with the smtp check)
    found = candidates(await _signals(ctx, mx), service)[:MAX_CANDIDATES]
    targets = await _resolve(ctx, out, found)
    skip = [a for h in mx.hosts if service.owns(h.text) for a in h.addresses]
    prober = await run_prober(ctx)
    probed = await assess(ctx.domain, targets[:MAX_TARGETS], prober, skip)
    out.data["candidates"] = [candidate_data(p) for p in probed]
    if probed:
        out.note(words.get("caveat", "a 250 at RCPT is necessary, not sufficient, evidence"))
    _report(ctx, out, service, mx, probed, prober)


async def _table() -> tuple[Provider, ...]:
    return load_providers()


async def _signals(ctx: AuditContext, mx: MxFacts) -> Signals:
    """The DNS facts candidates are drawn from: MX, the domain's own SPF terms, its TXT, the baseline."""
    spf = await spf_facts(ctx)
    info = spf.tree.info if spf.tree is not None else None
    a_hosts: list[str] = []
    ips: list[str] = []
    includes: list[str] = []
    for mech in info.record.mechanisms if info is not None and info.record is not None else ():
        if mech.qualifier.value == "-":
            continue
        target = mech.domain.literal if mech.domain is not None and not mech.domain.has_macros else None
        if mech.kind == "a" and mech.cidr4 in (None, 32) and mech.cidr6 in (None, 128):
            if mech.domain is None:
                a_hosts.append(ctx.domain)
            elif target:
                a_hosts.append(target)
        elif mech.kind in ("ip4", "ip6") and mech.network is not None:
            ips.append(str(mech.network))
        elif mech.kind == "include" and target:
            includes.append(target)
    baseline = dict(ctx.options.baseline_mx).get(ctx.domain, ())
    return Signals(
        domain=ctx.domain,
        mx=tuple((h.preference, h.text) for h in mx.hosts),
        baseline_mx=baseline,
        spf_a_hosts=tuple(a_hosts),
        spf_ip_terms=tuple(ips),
        spf_includes=tuple(includes),
        txt=tuple(info.txt) if info is not None else (),
    )


async def _resolve(ctx: AuditContext, out: Collector, found: list[Candidate]) -> list[tuple[Candidate, str]]:
    """Addresses of each candidate (A and AAAA). A failed lookup is "could not tell", said so."""

    async def one(candidate: Candidate) -> list[tuple[Candidate, str]]:
        if candidate.host is None:
            return [(candidate, candidate.address)] if candidate.address else []
        v4, v6 = await asyncio.gather(ctx.query(candidate.host, "A"), ctx.query(candidate.host, "AAAA"))
        for answer in (v4, v6):
            if not answer.ok:
                words = ctx.catalogue.words("bypass")
                out.failed(
                    fill(
                        words.get("unresolved", "{host}: {reason}"),
                        {"host": candidate.host, "reason": answer.describe()},
                    )
                )
        addresses = [*v4.addresses(), *v6.addresses()][:MAX_ADDRESSES_PER_NAME]
        return [(candidate, a) for a in addresses]

    rows = await asyncio.gather(*(one(c) for c in found))
    return [pair for row in rows for pair in row]


def _report(
    ctx: AuditContext, out: Collector, service: Provider, mx: MxFacts, probed: list[Probed], prober: Prober
) -> None:
    words = ctx.catalogue.words("bypass")
    unreached = [p for p in probed if p.probe.failure is not None and _unreached(p.probe.failure)]
    if probed and len(unreached) == len(probed) and prober.stats.reached == 0:
        kinds = ", ".join(sorted({p.probe.failure.kind.value for p in unreached if p.probe.failure}))
        out.failed(
            fill(words.get("blocked", "port 25 looks blocked from here"), {"count": str(len(probed)), "kinds": kinds})
        )
        return
    for item in probed:
        where = {"host": item.host or item.address, "address": item.address}
        verdict = item.reading.verdict
        if verdict is Verdict.ACCEPTS:
            _open(ctx, out, service, mx, item)
        elif verdict is Verdict.INCONCLUSIVE:
            out.failed(
                fill(words.get("inconclusive", "{host} ({address}): {reply}"), {**where, "reply": item.reading.text})
            )
        elif item.probe.failure is not None and item.probe.failure.kind is FailureKind.NOT_ALLOWED:
            out.note(
                fill(words.get("untested", "{host} ({address}): {reason}"), {**where, "reason": item.reading.text})
            )
        elif item.probe.failure is not None and not _closed_here(item.probe.failure.kind):
            out.failed(
                fill(words.get("untested", "{host} ({address}): {reason}"), {**where, "reason": item.reading.text})
            )


def _unreached(failure: Failure) -> bool:
    return not failure.heard and (failure.kind.unreached or failure.kind is FailureKind.BLOCKED_HERE)


def _closed_here(kind: FailureKind) -> bool:
    """Refused, timed out or unroutable while other servers answered: closed to us (the wanted
    state), or a private address the rules forbid probing. Not a finding, not an error."""
    return kind in (FailureKind.REFUSED, FailureKind.TIMEOUT, FailureKind.UNREACHABLE, FailureKind.NOT_ALLOWED)


def _open(ctx: AuditContext, out: Collector, service: Provider, mx: MxFacts, item: Probed) -> None:
    origin = _origin_kind(item)
    variant = origin if service.lock == "ranges" or origin == "google" else f"{origin}_{service.lock}"
    remove = [
        dns_record(ctx.name, "MX", f"{h.preference} {h.name.to_text()}")
        for h in mx.hosts
        if item.candidate.reason is Reason.OTHER_MX and h.text == item.host
    ]
    out.add(
        "bypass.origin.open",
        f"{item.host or item.address} {item.address}",
        variant=variant,
        evidence=list(item.probe.transcript[-10:]),
        remove=remove,
        host=item.host or item.address,
        address=item.address,
        reason=item.candidate.reason.value.replace("_", " "),
        filter=service.name,
        lock_value=service.lock_value or "",
        ranges_url=service.ranges_url or "see the service's documentation",
    )


def _origin_kind(item: Probed) -> str:
    """``m365`` (the tenant endpoint), ``google`` (Workspace), ``exim`` (a cPanel/Exim banner) or
    ``default`` (any server)."""
    host = (item.host or "").lower()
    if item.candidate.reason is Reason.M365_TENANT or host.endswith(".mail.protection.outlook.com"):
        return "m365"
    if item.candidate.reason is Reason.GOOGLE_WORKSPACE:
        return "google"
    banner = item.probe.banner.text.lower() if item.probe.banner is not None else ""
    return "exim" if ("exim" in banner or "cpanel" in banner) else "default"


CHECK = Check(
    "bypass",
    "Filter bypass: other hosts of the domain that accept its mail directly (--smtp)",
    run,
    needs=("mx", "spf", "smtp"),
    reads=("smtp", "smtp_port", "smtp_timeout", "allow_private_targets", "baseline_mx"),
    phase="receive",
)
