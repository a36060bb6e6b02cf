"""Cross-check now: what the evidence names, looked up through mailaudit's resolver.

The listed addresses on the list the text names (and the built-in set), the sending domain's SPF
for those addresses and for the connecting address (``check_host``), its DMARC policy (the RFC
9989 tree walk of ``facts.dmarc``), and every DKIM key a message's signatures name: keys are
fetched here, once, and dkimpy reads them from that mapping. ``--zone`` and ``--offline`` apply
to every question; a failed lookup is an ``error`` state, never an absence.
"""

from __future__ import annotations

import asyncio

from mailaudit.catalogue import Catalogue
from mailaudit.context import AuditContext, RunContext
from mailaudit.dnsbl.check import BlocklistRun, Target, lookup_all
from mailaudit.dnsbl.lists import Blocklist, Kind, by_zone, select
from mailaudit.dnscore.answer import Outcome
from mailaudit.dnscore.resolver import Resolver
from mailaudit.errors import RecordSyntaxError
from mailaudit.explain.clues import Listing, Now, SpfNow
from mailaudit.explain.dkimcheck import Signature, Verification, arc_key_names, verify, verify_arc
from mailaudit.explain.evidence import Evidence
from mailaudit.explain.knowledge import PLAIN_CAUSES
from mailaudit.explain.received import is_public
from mailaudit.facts.dmarc import dmarc_facts
from mailaudit.facts.mx import forward_confirmed
from mailaudit.options import AuditOptions
from mailaudit.spf.evaluate import SpfResult, check_host_async
from mailaudit.spf.record import SpfRecord, parse_record, without_term

MAX_ADDRESSES = 4
OVERSIZED_HEADER = frozenset({"header_too_large", "too_many_headers"})
LISTING_CAUSES = frozenset({"blocklist", "receiver_blocklist", "reputation", "rate"})


async def investigate(evidence: Evidence, resolver: Resolver, options: AuditOptions | None = None) -> Now:
    """Every live fact the diagnosis uses; lookups run concurrently over the one resolver."""
    options = options or AuditOptions()
    if not needs_dns(evidence):
        return Now(looked_up=False)
    domain = _domain(evidence)
    run = RunContext(resolver, options, Catalogue.load())  # lookups about addresses: no domain needed
    addresses = _addresses(evidence)
    listings, spf, dmarc, (dkim, arc), ptr = await asyncio.gather(
        _listings(run, evidence, addresses), _spf(resolver, evidence, addresses),
        _dmarc(AuditContext(domain, resolver, options, run.catalogue, run.run)) if domain else _none(),
        _dkim(resolver, evidence), _ptr(run, evidence, addresses))
    policy, record = dmarc
    notes = tuple(f"{entry.zone}: {entry.meaning}" for entry in listings if entry.state == "error")
    notes += tuple(f"SPF {s.domain} for {s.ip}: {s.result}" for s in spf if s.result == "temperror")
    notes += ("DMARC policy of " + domain + ": lookup failed",) if policy == "error" else ()
    notes += tuple(f"DKIM key {v.signature.key_name}: lookup failed" for v in dkim if v.result == "temperror")
    notes += tuple(f"reverse DNS of {ip}: lookup failed" for ip, state, _ in ptr if state == "error")
    return Now(listings, spf, policy, record, dkim, ptr, True, notes, arc)


def needs_dns(evidence: Evidence) -> bool:
    """A raw message, or a rejection whose cause DNS can explain (not a full mailbox, not an unknown reply)."""
    return evidence.kind == "message" or any(
        r.match is not None and r.match.rule.cause not in PLAIN_CAUSES for r in evidence.rejections)


async def _none() -> tuple[str, str]:
    return "", ""


def _domain(evidence: Evidence) -> str:
    domain = evidence.sender_domain.strip().rstrip(".").lower()
    return domain if domain and domain.isascii() and "." in domain and len(domain) <= 253 else ""


def _addresses(evidence: Evidence) -> tuple[str, ...]:
    """Public addresses to look up: those the rejections name, or a raw message's connecting one.

    A bounce's returned header shows the hops before the sender's own relay, never the address
    the relay connected to the receiver from, so it is not used."""
    found = list(evidence.addresses)
    if evidence.kind == "message" and evidence.message is not None and is_public(evidence.message.connecting_ip):
        found.append(evidence.message.connecting_ip)
    return tuple(dict.fromkeys(found))[:MAX_ADDRESSES]


def _lists(evidence: Evidence, options: AuditOptions) -> tuple[Blocklist, ...]:
    """The lists the texts name (when mailaudit knows them), then the built-in (or --dnsbl) set."""
    named = [by_zone(r.match.rule.blocklist) for r in evidence.rejections if r.match and r.match.rule.blocklist]
    chosen = [bl for bl in named if bl is not None and bl.kind is Kind.IP]
    chosen += [bl for bl in select(options.dnsbl_zones) if bl.kind is Kind.IP]
    return tuple({bl.zone: bl for bl in chosen}.values())


async def _listings(ctx: RunContext, evidence: Evidence, addresses: tuple[str, ...]) -> tuple[Listing, ...]:
    wanted = any(r.match is not None and r.match.rule.cause in LISTING_CAUSES for r in evidence.rejections)
    if not addresses or not ctx.options.dnsbl or not (wanted or evidence.kind == "message"):
        return ()
    targets = [Target(a, Kind.IP, ("explain",)) for a in addresses]
    outcome: BlocklistRun = await lookup_all(ctx, targets, _lists(evidence, ctx.options), None)
    out: list[Listing] = []
    for health in outcome.lists:
        if not health.usable:
            out.extend(Listing(a, health.bl.zone, "error" if health.status != "skipped" else "skipped",
                               health.reason) for a in addresses)
    for item in outcome.lookups:
        state = {"listed": "listed", "clean": "clear"}.get(item.status, "error")
        meaning = item.result.describe() if item.result is not None and state == "listed" else (
            item.answer.error or "" if item.result is None else "")
        out.append(Listing(item.target.value, item.bl.zone, state, meaning))
    return tuple(out)


async def _spf(resolver: Resolver, evidence: Evidence, addresses: tuple[str, ...]) -> tuple[SpfNow, ...]:
    """check_host for each address and the sending domain (the message's MAIL FROM domain first)."""
    domains = [d for d in (evidence.message.mail_from if evidence.message else "", evidence.sender_domain) if d]
    pairs = list(dict.fromkeys((ip, d.lower().rstrip(".")) for ip in addresses for d in domains))
    return tuple(await asyncio.gather(*(_spf_one(resolver, ip, domain) for ip, domain in pairs)))


async def _spf_one(resolver: Resolver, ip: str, domain: str) -> SpfNow:
    outcome = await check_host_async(ip, domain, f"postmaster@{domain}", domain, resolver=resolver)
    result = outcome.result.value
    mechanism = outcome.mechanism or ""
    if outcome.result is not SpfResult.PASS:
        return SpfNow(ip, domain, result, mechanism)
    record, fixed = await _own_record(resolver, domain, outcome.domain, mechanism)
    return SpfNow(ip, domain, result, mechanism, record, fixed)


async def _own_record(resolver: Resolver, domain: str, decided_by: str, mechanism: str) -> tuple[str, str]:
    """The domain's record and, when its own ``ip4:``/``ip6:``/``a``/``mx`` term matched, the record without it."""
    answer = await resolver.query(domain, "TXT")
    records = [t for t in answer.texts() if t.lower().startswith("v=spf1")] if answer.outcome is Outcome.ANSWER else []
    if len(records) != 1:
        return "", ""
    try:
        parsed: SpfRecord = parse_record(records[0])
    except RecordSyntaxError:
        return records[0], ""
    direct = decided_by.lower().rstrip(".") == domain and mechanism in parsed.term_texts and \
        mechanism.lstrip("+").split(":", 1)[0].split("/", 1)[0].lower() in ("ip4", "ip6", "a", "mx")
    return records[0], without_term(parsed, mechanism) if direct else ""


async def _ptr(ctx: RunContext, evidence: Evidence, addresses: tuple[str, ...]
               ) -> tuple[tuple[str, str, str], ...]:
    """Forward-confirmed reverse DNS now, for the addresses of a PTR rejection."""
    if not any(r.match is not None and r.match.rule.cause == "ptr" for r in evidence.rejections):
        return ()
    verdicts = await asyncio.gather(*(forward_confirmed(ctx, ip) for ip in addresses))
    out = []
    for ip, verdict in zip(addresses, verdicts, strict=True):
        state = "ok" if verdict.confirmed else "error" if verdict.error is not None else verdict.variant
        out.append((ip, state, ", ".join(verdict.names) or "-"))
    return tuple(out)


async def _dmarc(ctx: AuditContext) -> tuple[str, str]:
    facts = await dmarc_facts(ctx)
    if facts.policy:
        return facts.policy, facts.record or ""
    return ("missing", "") if facts.complete else ("error", "")


async def _dkim(resolver: Resolver, evidence: Evidence) -> tuple[tuple[Verification, ...], str]:
    """Fetch each DKIM and ARC key once, then verify every signature and the ARC chain of the raw message."""
    facts = evidence.message
    if evidence.kind != "message" or facts is None or facts.headers_only:
        return (), ""
    if OVERSIZED_HEADER & set(evidence.problems):  # dkimpy reads the raw header whole: not past the caps
        return (), ""
    names = sorted({s.key_name.lower() for s in facts.signatures if s.domain and s.selector}
                   | set(arc_key_names(facts.headers)))
    answers = await asyncio.gather(*(resolver.query(n, "TXT") for n in names))
    keys: dict[str, bytes | Exception | None] = {}
    for name, answer in zip(names, answers, strict=True):
        if not answer.ok:
            keys[name] = LookupError(answer.error or "lookup failed")
        else:
            found = [t for t in answer.txt() if b"p=" in t] if answer.outcome is Outcome.ANSWER else []
            keys[name] = found[0] if found else None
    checked = tuple(await asyncio.to_thread(_verify_all, facts.raw, facts.signatures, keys))
    arc = await asyncio.to_thread(verify_arc, facts.raw, keys) if facts.arc_sets else ""
    return checked, arc


def _verify_all(raw: bytes, signatures: tuple[Signature, ...], keys: dict[str, bytes | Exception | None]
                ) -> list[Verification]:
    return [verify(raw, sig, keys) for sig in signatures]

