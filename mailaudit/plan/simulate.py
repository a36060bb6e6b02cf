"""The runbook applied to the facts as an overlay, and the overlay audited again; proofs checked
against facts read from DNS (``plan --verify``).

``apply`` replays every step's remove/publish on the MX and SPF facts; ``self_check`` says
what the result would still get wrong (MX not the target, a host around the filter, SPF over
10 lookups or without the relay, a sender dropped that no step named). ``verify`` tells, for
one proof, whether today's DNS shows it: ``done``, ``pending`` or ``unknown`` (not provable
from DNS, or the fact could not be read).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from mailaudit.plan.facts import DomainFacts, MxFacts, MxHost, Record, SpfFacts, SpfTerm, owner
from mailaudit.plan.model import Proof, Runbook, Text
from mailaudit.plan.spfmerge import LIMIT

_DNS_TERMS = ("include", "a", "mx", "ptr", "exists")


def spf_after(facts: DomainFacts, value: str) -> SpfFacts:
    """SpfFacts for a record the plan publishes: known terms keep their cost, new terms cost
    their include's subtree (or 1 for a/mx/ptr/exists)."""
    known = {t.text: t.lookups for t in facts.spf.terms}
    terms: list[SpfTerm] = []
    for text in value.split()[1:]:
        term = SpfTerm(text)
        cost = known.get(text)
        if cost is None and term.mechanism == "include":
            cost = facts.include_cost(term.argument)
        if cost is None:
            cost = 1 if term.mechanism in _DNS_TERMS or text.lower().startswith("redirect=") else 0
        terms.append(SpfTerm(text, cost))
    return SpfFacts(value, tuple(terms), facts.spf.ttl)


def _is_spf(record: Record, domain: str) -> bool:
    return record.type == "TXT" and owner(record.name) == owner(domain) and record.value.lower().startswith("v=spf1")


def apply(facts: DomainFacts, book: Runbook) -> DomainFacts:
    hosts = {(h.preference, h.host) for h in facts.mx.hosts}
    ttl = facts.mx.ttl
    spf = facts.spf
    for step in book.steps:
        for record in step.remove:
            if record.type == "MX":
                pref, host = record.value.split(None, 1)
                hosts.discard((int(pref), owner(host)))
        for record in step.publish:
            if record.type == "MX":
                pref, host = record.value.split(None, 1)
                hosts.add((int(pref), owner(host)))
                ttl = record.ttl
            elif _is_spf(record, facts.domain):
                spf = spf_after(replace(facts, spf=spf), record.value)
    mx = MxFacts(tuple(sorted(MxHost(p, h) for p, h in hosts)), ttl)
    return replace(facts, mx=mx, spf=spf)


def self_check(before: DomainFacts, book: Runbook) -> tuple[Text, ...]:
    """What the applied plan would still get wrong; empty when it is sound."""
    after = apply(before, book)
    problems: list[Text] = []
    if book.mx_to and not before.mx.error:
        target = {MxHost(p, h) for p, h in book.mx_to}
        if set(after.mx.hosts) != target:
            problems.append(Text.of("plan.check.mx_not_target", hosts=",".join(h.host for h in after.mx.hosts)))
    if after.spf.record is not None and after.spf.lookups > LIMIT and not book.blocked:
        problems.append(Text.of("plan.check.spf_over", lookups=after.spf.lookups))
    include = book.relay_include
    needs_include = include and not any(n.key == "plan.note.spf_return_path" for n in book.notes)
    if needs_include and not book.blocked and before.include_cost(include) is not None \
            and not after.spf.includes(include):
        problems.append(Text.of("plan.check.relay_missing", include=include))
    problems.extend(_lost_senders(before, after, book))
    return tuple(problems)


def _lost_senders(before: DomainFacts, after: DomainFacts, book: Runbook) -> list[Text]:
    """Every term of the old record survives, is named as a drop, or is a bare ``mx`` replaced
    by the origin hosts (``a:``) in the same plan."""
    kept = {t.text.lower() for t in after.spf.terms}
    dropped = {d.lower() for d in book.drops}
    named = {t.argument for t in after.spf.terms if t.mechanism == "a"}
    target = {h for _, h in book.mx_to}
    leaving = [h for h in before.mx.hosts if h.host not in target and h.host != "."]
    named_origin = bool(book.mx_to) and all(h.names & named for h in leaving)
    out: list[Text] = []
    for term in before.spf.terms:
        text = term.text.lower()
        if text in kept or text in dropped or (term.mechanism == "mx" and named_origin):
            continue
        out.append(Text.of("plan.check.sender_lost", term=term.text))
    return out


def verify(proof: Proof, facts: DomainFacts) -> str:
    """``done``, ``pending`` or ``unknown`` for one proof against facts read now."""
    p = proof.values
    kind = proof.kind
    if kind.startswith("mx_"):
        return "unknown" if facts.mx.error else _verify_mx(kind, p, facts.mx)
    if kind.startswith("spf_"):
        return "unknown" if facts.spf.error else _verify_spf(kind, p, facts.spf)
    if kind == "dkim_key":
        if facts.dkim.error:
            return "unknown"
        return "done" if p["selector"] in facts.dkim.selectors else "pending"
    return "unknown"  # smtp, message, reports: the command named in the proof tells


def _verify_mx(kind: str, p: Mapping[str, str], mx: MxFacts) -> str:
    if kind == "mx_ttl_at_most":
        return _yes(mx.ttl is not None and mx.ttl <= int(p["ttl"]))
    if kind == "mx_ttl_at_least":
        return _yes(mx.ttl is not None and mx.ttl >= int(p["ttl"]))
    wanted = [item.split(None, 1) if " " in item else ["", item] for item in p["hosts"].split(",") if item]
    if kind == "mx_is":
        return _yes({(int(a), owner(b)) for a, b in wanted} == {(h.preference, h.host) for h in mx.hosts})
    return _yes(not ({owner(b) for _, b in wanted} & mx.names))  # mx_excludes


def _verify_spf(kind: str, p: Mapping[str, str], spf: SpfFacts) -> str:
    if kind == "spf_includes":
        return _yes(spf.includes(p["include"]))
    if kind == "spf_lacks":
        return _yes(all(t.text.lower() != p["term"].lower() for t in spf.terms))
    return _yes(spf.record is not None and spf.lookups <= int(p["limit"]))


def _yes(value: bool) -> str:
    return "done" if value else "pending"
