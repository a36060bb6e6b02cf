"""One ``mailaudit plan`` run: read the facts, build the runbook, apply it as an overlay and audit
the domain again, and (``--verify``) check each step's proofs against today's DNS.

The self-check compares a full audit before and after the overlay: a finding above ``low``
that only the overlay has is a problem of the plan; so is an MX set that is not the target, or
a relay address that does not get SPF ``pass``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mailaudit.catalogue import Catalogue
from mailaudit.context import AuditContext
from mailaudit.dnscore.resolver import Resolver
from mailaudit.engine import Auditor
from mailaudit.model import DomainReport, Severity
from mailaudit.options import AuditOptions
from mailaudit.plan.facts import DomainFacts
from mailaudit.plan.gather import gather, include_addresses
from mailaudit.plan.model import Runbook, Text
from mailaudit.plan.overlay import overlay_resolver
from mailaudit.plan.providers import Providers, relay_records
from mailaudit.plan.runbook import build, relay_of
from mailaudit.plan.simulate import self_check, verify
from mailaudit.spf.evaluate import check_host_async

AUDITED = ("mx", "spf", "dmarc", "dkim")  # what the plan changes; blocklists and probes say nothing about it


@dataclass(frozen=True, slots=True)
class Outcome:
    book: Runbook
    facts: DomainFacts
    problems: tuple[Text, ...]
    new_findings: tuple[tuple[str, str, str], ...]  # (id, severity, subject) above low, only after the plan
    statuses: Mapping[tuple[int, int], str] | None
    incomplete: bool  # a fact could not be read


def _selectors(providers: Providers, domain: str, relay: str | None, params: Mapping[str, str]
               ) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The relay's include, the DKIM selectors it uses, and its sample sending addresses."""
    if relay is None:
        return "", (), ()
    include, item = relay_of(relay, providers, domain, params)
    if item is None:
        return include, (), ()
    names = [r.name.split(".", 1)[0] for r in relay_records(item, domain, params) if "._domainkey." in r.name]
    if item.dkim_selector:
        names.append(item.dkim_selector)
    return include, tuple(dict.fromkeys(names)), item.sample_addresses


async def plan_run(domain: str, resolver: Resolver, providers: Providers, mx_to: str | None, relay: str | None,
                   params: Mapping[str, str], catalogue: Catalogue, check: bool = False) -> Outcome:
    include, selectors, samples = _selectors(providers, domain, relay, params)
    options = AuditOptions(dkim_selectors=selectors, dnsbl=False, checks=AUDITED)
    ctx = AuditContext(domain, resolver, options, catalogue)
    facts = await gather(ctx, include, selectors)
    samples = samples or await include_addresses(ctx, include)
    book = build(facts, providers, mx_to, relay, params)
    problems = list(self_check(facts, book))
    before = await Auditor(resolver, options, catalogue).audit(domain)
    after_resolver = await overlay_resolver(book, resolver)
    after = await Auditor(after_resolver, options, catalogue).audit(domain)
    problems.extend(await _relay_passes(book, after_resolver, samples))
    statuses = _statuses(book, facts) if check else None
    incomplete = bool(facts.mx.error or facts.spf.failed or facts.dmarc.error or facts.dkim.error
                      or facts.include_failed or before.errors)
    return Outcome(book, facts, tuple(problems), _new_findings(before, after), statuses, incomplete)


def _new_findings(before: DomainReport, after: DomainReport) -> tuple[tuple[str, str, str], ...]:
    old = {f.key for f in before.findings}
    return tuple((f.id, f.severity.value, f.subject) for f in after.findings
                 if f.key not in old and f.severity.rank > Severity.LOW.rank)


async def _relay_passes(book: Runbook, resolver: Resolver, samples: tuple[str, ...]) -> list[Text]:
    """Each sample address of the relay gets SPF pass from the domain once the plan is applied."""
    if not book.relay_include or book.blocked or not samples:
        return []
    out: list[Text] = []
    for address in samples:
        outcome = await check_host_async(address, book.domain, f"postmaster@{book.domain}", book.domain,
                                         resolver=resolver)
        result = getattr(outcome.result, "value", str(outcome.result))
        if result != "pass":
            out.append(Text.of("plan.check.relay_fails", address=address, result=result))
    return out


def _statuses(book: Runbook, facts: DomainFacts) -> dict[tuple[int, int], str]:
    return {(s.number, i): verify(p, facts) for s in book.steps for i, p in enumerate(s.proofs)}
