"""Build the onboarding runbook from typed facts: ``build(facts, providers, mx_to=, relay=)``.

``mx_to`` is a provider key of the table or host names separated by commas (priorities 10, 20...
in the order given); ``relay`` a provider key or an SPF include domain. Pure: the caller reads
DNS into ``DomainFacts``; nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from mailaudit.plan.facts import DomainFacts, MxHost, owner
from mailaudit.plan.model import Runbook, Step, Text
from mailaudit.plan.mxmove import move_steps
from mailaudit.plan.mxmove import risks as mx_risks
from mailaudit.plan.providers import Filter, ProviderError, Providers, Relay, filter_hosts, relay_include, relay_records
from mailaudit.plan.relay import relay_steps
from mailaudit.plan.relay import risks as relay_risks
from mailaudit.plan.simulate import apply


def target_of(spec: str, providers: Providers, domain: str, params: Mapping[str, str]
              ) -> tuple[tuple[MxHost, ...], Filter | None]:
    key = spec.strip().lower()
    if key in providers.filters:
        item = providers.filters[key]
        return filter_hosts(item, domain, params), item
    hosts = [h.strip() for h in spec.split(",") if h.strip()]
    if not hosts or not all(host_name(h) for h in hosts):
        known = ", ".join(sorted(providers.filters))
        raise ProviderError(f"--mx-to: not a provider ({known}) nor host names: {spec!r}")
    return tuple(MxHost(10 * (i + 1), owner(h)) for i, h in enumerate(hosts)), _known_filter(hosts, providers, domain)


def host_name(text: str) -> bool:
    """A DNS host name: at least two labels of letters, digits, '-' and '_' (1-63 each), 253 in all."""
    labels = text.lower().rstrip(".").split(".")
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789-_")
    return (len(labels) >= 2 and len(text) <= 253 and not labels[-1].isdigit()  # not an IP address
            and all(0 < len(label) <= 63 and set(label) <= allowed for label in labels))


def _known_filter(hosts: list[str], providers: Providers, domain: str) -> Filter | None:
    """The table's filter whose (parameter-free) hosts are exactly these, to use its lock terms."""
    wanted = {owner(h) for h in hosts}
    for item in providers.filters.values():
        if not item.params and {h.host for h in filter_hosts(item, domain, {})} == wanted:
            return item
    return None


def relay_of(spec: str, providers: Providers, domain: str, params: Mapping[str, str]) -> tuple[str, Relay | None]:
    key = spec.strip().lower()
    if key in providers.relays:
        item = providers.relays[key]
        return relay_include(item, domain, params), item
    include = key.removeprefix("include:").rstrip(".")
    if not host_name(include):
        known = ", ".join(sorted(providers.relays))
        raise ProviderError(f"--relay: not a provider ({known}) nor an SPF include domain: {spec!r}")
    return include, None


def build(facts: DomainFacts, providers: Providers, mx_to: str | None = None, relay: str | None = None,
          params: Mapping[str, str] | None = None) -> Runbook:
    """The runbook; ``ProviderError`` for an unknown provider or a missing parameter."""
    given = dict(params or {})
    steps: list[Step] = []
    risks: list[Text] = []
    notes: list[Text] = []
    book = Runbook(facts.domain)
    if mx_to is not None:
        target, item = target_of(mx_to, providers, facts.domain, given)
        book = replace(book, mx_to=tuple((h.preference, h.host) for h in target), provider=item.key if item else "")
        if facts.mx.error:
            notes.append(Text.of("plan.note.mx_unknown", error=facts.mx.error))
        else:
            mx = move_steps(facts, target, item)
            steps.extend(mx)
            risks.extend(mx_risks(facts, item) if mx else ())
            notes.extend(() if mx else (Text.of("plan.note.already_on_filter", hosts=mx_to),))
    if relay is not None:
        moved = apply(facts, replace(book, steps=tuple(steps)))  # the relay's SPF builds on the MX steps' record
        book, relay_part = _relay_part(moved, providers, relay, given, book)
        steps.extend(relay_part[0])
        risks.extend(relay_part[1])
        notes.extend(relay_part[2])
    numbered = tuple(replace(s, number=i) for i, s in enumerate(steps, 1))
    blocked = (bool(facts.mx.error and mx_to) or bool(facts.spf.error and relay)
               or any(s.phase == "spf" and not s.publish for s in steps)
               or any(n.key == "plan.note.include_unknown" for n in notes))
    return replace(book, steps=numbered, risks=tuple(risks), notes=tuple(notes), blocked=blocked)


def _relay_part(facts: DomainFacts, providers: Providers, spec: str, given: Mapping[str, str], book: Runbook
                ) -> tuple[Runbook, tuple[list[Step], list[Text], list[Text]]]:
    include, item = relay_of(spec, providers, facts.domain, given)
    records = relay_records(item, facts.domain, given) if item is not None else ()
    inbound_mx = _inbound_only(facts, providers, book)
    steps, merge, notes = relay_steps(facts, include, item, records, inbound_mx)
    drops = tuple(d.term for d in merge.drops) if merge is not None else ()
    book = replace(book, relay_include=include, relay=item.key if item else "", drops=drops)
    return book, (steps, list(relay_risks(facts, merge)), notes)


def _inbound_only(facts: DomainFacts, providers: Providers, book: Runbook) -> bool:
    """True when every MX host (after the move, if any) is a table filter's: ``mx`` in SPF then
    authorises only receiving hosts, never a sender of the domain."""
    hosts = {h for _, h in book.mx_to} if book.mx_to else set(facts.mx.names)
    if not hosts:
        return False
    known: set[str] = set()
    for item in providers.filters.values():
        try:
            known.update(h.host for h in filter_hosts(item, facts.domain, {}))
        except ProviderError:
            continue
    return hosts <= known
