"""Blocklist check: MX, sending and SPF-authorised addresses on IP lists, the domain on domain lists.

Only documented listing codes are listings. Error codes and undocumented answers are refusals
(info), failed lookups make the check an error (never "clean"), and a list that fails its
RFC 5782 health probe is reported unusable and not trusted for the rest of the run.
The lookup engine (``lookup_all``) is shared with ``mailaudit blocklist``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.rdatatype

from mailaudit.addresses import parse_ip, special_range
from mailaudit.checks.base import Check, Collector
from mailaudit.context import AuditContext, RunContext
from mailaudit.dnsbl.lists import Blocklist, Kind, check_dqs_key, query_zone, select
from mailaudit.dnsbl.record import Classified, Verdict, classify, codes_text, probe_listed, probe_names, query_name
from mailaudit.dnscore.answer import Answer, Outcome, failure
from mailaudit.errors import InputError
from mailaudit.facts.mx import mx_facts
from mailaudit.facts.spf import spf_facts
from mailaudit.text import escape_text

PER_LIST_CONCURRENCY = 16  # questions in flight to one list at a time, run-wide
MAX_SPF_ADDRESSES = 10  # SPF-authorised single hosts looked up per domain
_TXT_LIMIT = 300


@dataclass(frozen=True, slots=True)
class Target:
    value: str  # an address (canonical text) or a domain
    kind: Kind
    sources: tuple[str, ...] = ()  # "MX mail.example.com", "sending IP", "SPF", "domain"


@dataclass(frozen=True, slots=True)
class ListHealth:
    """One list in this run: ok, unusable (failed its probe), refused, error or skipped."""

    bl: Blocklist
    status: str
    reason: str = ""
    dqs: bool = False
    evidence: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True, slots=True)
class Lookup:
    target: Target
    bl: Blocklist
    shown: str  # the question, with the public zone (never the DQS key)
    answer: Answer
    result: Classified | None  # None when the question failed
    txt: str = ""

    @property
    def status(self) -> str:
        return "error" if self.result is None else self.result.verdict.value


@dataclass(frozen=True, slots=True)
class BlocklistRun:
    lists: tuple[ListHealth, ...]
    lookups: tuple[Lookup, ...]


# -- the lookup engine -------------------------------------------------------------------------


async def lookup_all(
    ctx: RunContext, targets: Iterable[Target], lists: Iterable[Blocklist], dqs_key: str | None
) -> BlocklistRun:
    """Probe every list once per run, then ask each usable list about each matching target."""
    lists = tuple(lists)
    health = await asyncio.gather(*(list_health(ctx, bl, dqs_key) for bl in lists))
    jobs = [
        lookup(ctx, h, t, dqs_key)
        for h in health if h.usable
        for t in targets if _applies(h.bl, t)
    ]
    return BlocklistRun(tuple(health), tuple(await asyncio.gather(*jobs)))


def _applies(bl: Blocklist, target: Target) -> bool:
    if bl.kind is not target.kind:
        return False
    if target.kind is Kind.IP and not bl.ipv6:
        ip = parse_ip(target.value)
        return ip is not None and (ip.version == 4 or getattr(ip, "ipv4_mapped", None) is not None)
    return True


async def _gate(ctx: RunContext, zone: str) -> asyncio.Semaphore:
    async def make() -> asyncio.Semaphore:
        return asyncio.Semaphore(PER_LIST_CONCURRENCY)

    return await ctx.shared(("dnsbl", "gate", zone), make)


async def _ask(ctx: RunContext, zone: str, name: dns.name.Name, rdtype: str) -> Answer:
    async with await _gate(ctx, zone):
        return await ctx.query(name, rdtype)


async def list_health(ctx: RunContext, bl: Blocklist, dqs_key: str | None) -> ListHealth:
    """The list's RFC 5782 section 5 probe, memoised for the whole run."""
    zone = query_zone(bl, dqs_key)
    return await ctx.shared(("dnsbl", "health", zone), lambda: _probe(ctx, bl, zone, dqs_key),
                            keep=lambda health: health.status != "error")


async def _probe(ctx: RunContext, bl: Blocklist, zone: str, dqs_key: str | None) -> ListHealth:
    dqs = zone != bl.zone
    resolver = ctx.resolver
    if resolver.offline and not resolver.zones.covers(dns.name.from_text(zone)):
        return ListHealth(bl, "skipped", "not verifiable offline (outside the --zone files)", dqs)
    listed_name, clean_name = probe_names(bl, zone)
    listed, clean = await asyncio.gather(_ask(ctx, zone, listed_name, "A"), _ask(ctx, zone, clean_name, "A"))
    for answer in (listed, clean):
        if not answer.ok:
            return ListHealth(bl, "error", answer.error or "error", dqs)
    positive, negative = classify(bl, listed.addresses()), classify(bl, clean.addresses())
    evidence = (_said(bl, bl.listed_probe, listed), _said(bl, bl.clean_probe, clean))
    for result in (positive, negative):
        if result.verdict is Verdict.REFUSED and not result.unknown:
            return ListHealth(bl, "refused", result.reason, dqs, evidence)
    if not probe_listed(bl, positive):
        why = f"its test entry {bl.listed_probe} is not listed (the list may be dead or not answering)"
        return ListHealth(bl, "unusable", why, dqs, evidence)
    if negative.verdict is not Verdict.CLEAN:
        why = f"it lists {bl.clean_probe}, which must never be listed (it answers everything as listed)"
        return ListHealth(bl, "unusable", why, dqs, evidence)
    return ListHealth(bl, "ok", "", dqs, evidence)


def _said(bl: Blocklist, target: str, answer: Answer) -> str:
    shown = query_name(bl, target)
    name = shown.to_text(omit_final_dot=True) if shown is not None else target
    what = codes_text(answer.addresses()) if answer.outcome is Outcome.ANSWER else answer.outcome.value
    return f"{name} A: {what}"


async def lookup(ctx: RunContext, health: ListHealth, target: Target, dqs_key: str | None) -> Lookup:
    bl = health.bl
    zone = query_zone(bl, dqs_key)
    name = query_name(bl, target.value, zone)
    public = query_name(bl, target.value)
    if name is None or public is None:
        why = f"{target.value} cannot be asked of {bl.zone} (name too long)"
        return Lookup(target, bl, target.value, failure(dns.name.root, dns.rdatatype.A, why), None)
    shown = public.to_text(omit_final_dot=True)
    answer = await _ask(ctx, zone, name, "A")
    if not answer.ok:
        return Lookup(target, bl, shown, answer, None)
    result = classify(bl, answer.addresses())
    txt = await _reason(ctx, zone, name) if result.verdict is Verdict.LISTED else ""
    return Lookup(target, bl, shown, answer, result, txt)


async def _reason(ctx: RunContext, zone: str, name: dns.name.Name) -> str:
    """The list's TXT explanation, escaped and clipped; '' when it gives none or the lookup fails."""
    answer = await _ask(ctx, zone, name, "TXT")
    texts = answer.texts()[:4] if answer.outcome is Outcome.ANSWER else []
    return escape_text(" | ".join(t[:_TXT_LIMIT] for t in texts), _TXT_LIMIT) if texts else ""


# -- what to look up ---------------------------------------------------------------------------


class _Targets:
    def __init__(self) -> None:
        self.sources: dict[str, list[str]] = {}
        self.skipped: list[dict[str, str]] = []

    def add(self, text: str, source: str) -> bool:
        ip = parse_ip(text)
        if ip is None:
            self.skipped.append({"address": escape_text(text, 100), "why": "not an IP address"})
            return False
        why = special_range(ip)
        if why is not None:
            self.skipped.append({"address": str(ip), "why": why})
            return False
        known = self.sources.setdefault(str(ip), [])
        if source not in known:
            known.append(source)
        return True


async def collect_targets(ctx: AuditContext, out: Collector) -> list[Target]:
    found = _Targets()
    facts, spf = await asyncio.gather(mx_facts(ctx), spf_facts(ctx))
    if not facts.answer.ok:
        out.failed(facts.answer)
    for host in facts.hosts:
        for failed in host.lookup_errors:
            out.failed(failed)
        for address in host.addresses:
            found.add(address, f"MX {host.text}")
    for address in ctx.options.sending_ips:
        found.add(address, "sending IP")
    await _spf_addresses(ctx, out, found, spf.single_hosts)
    out.data["skipped_addresses"] = found.skipped
    targets = [Target(ip, Kind.IP, tuple(src)) for ip, src in found.sources.items()]
    return [*targets, Target(ctx.domain, Kind.DOMAIN, ("domain",))]


async def _spf_addresses(ctx: AuditContext, out: Collector, found: _Targets, hosts: tuple[str, ...]) -> None:
    """Add the SPF record's single hosts (addresses, or names resolved to them), at most
    MAX_SPF_ADDRESSES new ones; say how many were skipped."""
    addresses = [h for h in hosts if parse_ip(h) is not None]
    names = [_name_or_none(h) for h in hosts if parse_ip(h) is None][:MAX_SPF_ADDRESSES]
    asks = [ctx.query(n, t) for n in names if n is not None for t in ("A", "AAAA")]
    addresses += [a for answer in await asyncio.gather(*asks) for a in answer.addresses()]
    fresh = list(dict.fromkeys(str(ip) for ip in map(parse_ip, addresses) if ip is not None))
    for address in fresh:  # already a target (e.g. an MX address): say SPF authorises it too
        if address in found.sources:
            found.add(address, "SPF")
    fresh = [a for a in fresh if a not in found.sources]
    for address in fresh[:MAX_SPF_ADDRESSES]:
        found.add(address, "SPF")
    skipped = max(len(fresh) - MAX_SPF_ADDRESSES, 0)
    out.data["spf_hosts_skipped"] = skipped
    if skipped:
        out.add("dnsbl.hosts.capped", ctx.domain, evidence=[f"{a} (SPF)" for a in fresh[MAX_SPF_ADDRESSES:][:20]],
                skipped=skipped, limit=MAX_SPF_ADDRESSES)


def _name_or_none(text: str) -> dns.name.Name | None:
    try:
        return dns.name.from_text(text)
    except (dns.exception.DNSException, ValueError):
        return None


# -- the check ---------------------------------------------------------------------------------


async def run(ctx: AuditContext, out: Collector) -> None:
    if not ctx.options.dnsbl:
        out.skip("blocklist lookups turned off (--no-dnsbl)")
        return
    try:
        lists = select(ctx.options.dnsbl_zones)
        key = check_dqs_key(ctx.options.spamhaus_dqs_key) if ctx.options.spamhaus_dqs_key else None
    except InputError as err:
        out.failed(str(err))
        return
    if not lists:
        out.skip("no blocklists selected")
        return
    # health probes (once per run) need no target: ask them while the targets are gathered; the
    # MX addresses and the domain are asked about as soon as they are known (_early)
    targets, _, _ = await asyncio.gather(collect_targets(ctx, out),
                                         asyncio.gather(*(list_health(ctx, bl, key) for bl in lists)),
                                         _early(ctx, lists, key))
    outcome = await lookup_all(ctx, targets, lists, key)
    out.data["targets"] = [{"target": t.value, "kind": t.kind.value, "sources": list(t.sources)} for t in targets]
    report(out, outcome)
    if all(h.status == "skipped" for h in outcome.lists) and not out.errors:
        out.skip("no blocklist zone is verifiable offline (outside the --zone files)")


async def _early(ctx: AuditContext, lists: Iterable[Blocklist], key: str | None) -> None:
    """Ask the lists about the domain and its MX addresses without waiting for the SPF tree
    (a round of latency later): ``lookup_all`` then finds these answers in the resolver's cache,
    so each question is still asked once. The domain needs only the health probes, not the MX
    addresses (another round); the same address filter as ``collect_targets``."""
    lists = tuple(lists)

    async def addresses() -> None:
        found = _Targets()
        for host in (await mx_facts(ctx)).hosts:
            for address in host.addresses:
                found.add(address, "MX")
        await lookup_all(ctx, [Target(ip, Kind.IP, ()) for ip in found.sources], lists, key)

    await asyncio.gather(lookup_all(ctx, [Target(ctx.domain, Kind.DOMAIN, ())], lists, key), addresses())


def report(out: Collector, outcome: BlocklistRun) -> None:
    """Findings and ``out.data`` for renderers from one run of lookups."""
    probed = [h for h in outcome.lists if h.status != "skipped"]
    unusable = [h for h in probed if h.status == "unusable"]
    collapse = bool(probed) and not any(h.usable for h in probed) and len(unusable) > 1
    if unusable and not any(h.usable for h in probed):
        out.failed(_none_usable(probed, unusable))  # nothing was looked up: never a clean pass
    for health in outcome.lists:
        if not (collapse and health.status == "unusable"):  # one cause, usually the resolver
            _report_health(out, health)
    refused: dict[str, list[Lookup]] = {}
    for item in outcome.lookups:
        if item.result is None:
            out.failed(f"{item.shown} A: {item.answer.error or 'error'}")
        elif item.result.verdict is Verdict.LISTED:
            _report_listing(out, item)
        elif item.result.verdict is Verdict.REFUSED:
            refused.setdefault(item.bl.zone, []).append(item)
    for items in refused.values():
        _report_refusal(out, items[0].bl, [i.result.reason for i in items if i.result],
                        [f"{i.shown} A: {codes_text(i.result.codes)}" for i in items if i.result])
    out.data["lists"] = [list_data(h) for h in outcome.lists]
    out.data["results"] = [result_data(i) for i in outcome.lookups]
    out.data["listed"] = sum(1 for i in outcome.lookups if i.status == "listed")
    out.data["refused"] = sum(1 for i in outcome.lookups if i.status == "refused")


def _none_usable(probed: list[ListHealth], unusable: list[ListHealth]) -> str:
    """The check-level error when no list passed its health probe: nothing was looked up."""
    first = unusable[0]
    return (f"no blocklist usable: {len(unusable)} of {len(probed)} failed their health probe and the rest "
            f"refused or failed, so nothing was looked up (e.g. {first.bl.zone}: {first.reason})"
            if len(unusable) < len(probed) else
            f"no blocklist usable: all {len(probed)} failed their health probe, so nothing was looked up "
            f"(e.g. {first.bl.zone}: {first.reason})")


def _report_health(out: Collector, health: ListHealth) -> None:
    bl = health.bl
    if health.status == "error":
        out.failed(f"{bl.zone} health probe: {health.reason}")
    elif health.status == "refused":
        _report_refusal(out, bl, [health.reason], list(health.evidence))
    elif health.status == "unusable":
        out.add("dnsbl.list.unusable", bl.zone, evidence=list(health.evidence), list=bl.name, zone=bl.zone,
                reason=health.reason)


def _report_refusal(out: Collector, bl: Blocklist, reasons: list[str], evidence: list[str]) -> None:
    reason = "; ".join(dict.fromkeys(reasons))
    out.add("dnsbl.query.refused", bl.zone, evidence=evidence[:20], list=bl.name, zone=bl.zone,
            reason=reason, count=len(evidence))


def _listing_variant(item: Lookup) -> str:
    """``txt`` when the list gave a reason; ``spf``/``txt_spf`` when the domain's own SPF record
    authorises the listed address (then removing it from SPF may be the fix)."""
    spf = item.target.kind is Kind.IP and "SPF" in item.target.sources
    if item.txt:
        return "txt_spf" if spf else "txt"
    return "spf" if spf else "default"


def _report_listing(out: Collector, item: Lookup) -> None:
    result, bl, target = item.result, item.bl, item.target
    assert result is not None
    is_ip = target.kind is Kind.IP
    evidence = [f"{item.shown} A: {codes_text(result.codes)} ({bl.name}: {result.describe()})"]
    if item.txt:
        evidence.append(f"{item.shown} TXT: {item.txt}")
    out.add(
        "dnsbl.ip.listed" if is_ip else "dnsbl.domain.listed",
        f"{target.value} {bl.zone}",
        variant=_listing_variant(item),
        severity=result.severity,
        evidence=evidence,
        address=target.value,
        target=target.value,
        sources=", ".join(target.sources),
        list=bl.name,
        zone=bl.zone,
        codes=codes_text(result.codes),
        meaning=result.describe(out.ctx.catalogue.words("dnsbl_codes")),
        reason=item.txt,
        delist=bl.delist or "the list's web site",
    )


def list_data(h: ListHealth) -> dict[str, object]:
    return {"zone": h.bl.zone, "name": h.bl.name, "kind": h.bl.kind.value, "status": h.status,
            "reason": h.reason, "dqs": h.dqs, "delist": h.bl.delist}


def result_data(i: Lookup) -> dict[str, object]:
    result = i.result
    return {
        "target": i.target.value,
        "kind": i.target.kind.value,
        "sources": list(i.target.sources),
        "zone": i.bl.zone,
        "status": i.status,
        "codes": list(result.codes) if result else [],
        "meanings": [{"label": c.label, "meaning": c.meaning} for c in result.meanings] if result else [],
        "reason": (result.reason if result else i.answer.error) or "",
        "txt": i.txt,
        "delist": i.bl.delist if i.status == "listed" else "",
    }


CHECK = Check(
    "dnsbl", "DNS blocklists: MX, sending and SPF-authorised addresses, and the domain", run,
    needs=("mx", "spf"), reads=("dnsbl", "dnsbl_zones", "spamhaus_dqs_key", "sending_ips"), phase="reputation",
)
