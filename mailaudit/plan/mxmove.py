"""Moving a domain's MX to a filtering service: the steps, in the order that loses no mail.

1. prepare: the filter knows the domain, its mailboxes (recipient verification) and where to
   deliver; SPF keeps authorising the origin by name if it did so through ``mx``;
2. lower the MX TTL to ``LOW_TTL`` and wait the *current* TTL (a one-day TTL is a day's wait);
3. switch: the target MX set with its priorities, nothing else (an old MX kept as a backup is
   a way around the filter);
4. lock the origin to the filter, in the vendor's terms, and prove it with ``check --smtp``;
5. raise the TTL again.
A domain already on the target set gets no steps; one on it plus extra hosts gets the removal
of the extras and the lock.
"""

from __future__ import annotations

from mailaudit.plan.facts import DomainFacts, MxHost, Record, SpfTerm, owner
from mailaudit.plan.model import Proof, Step, Text
from mailaudit.plan.providers import Filter
from mailaudit.plan.spfmerge import LIMIT, replace

LOW_TTL = 300
MIN_RAISED_TTL = 3600


def real(hosts: tuple[MxHost, ...]) -> tuple[MxHost, ...]:
    """The hosts without the null MX (RFC 7505 ``0 .``)."""
    return tuple(h for h in hosts if h.host != ".")


def _bypass_why(hosts: tuple[MxHost, ...]) -> list[Text]:
    out = [Text.of("plan.why.bypass", host=h.host.rstrip("."), preference=h.preference) for h in sorted(real(hosts))]
    if len(real(hosts)) < len(hosts):
        out.append(Text.of("plan.why.null_mx"))
    return out


def mx_records(domain: str, hosts: tuple[MxHost, ...], ttl: int | None) -> tuple[Record, ...]:
    return tuple(Record(owner(domain), "MX", f"{h.preference} {h.host}", ttl) for h in sorted(hosts))


def hosts_text(hosts: tuple[MxHost, ...]) -> str:
    return ",".join(f"{h.preference} {h.host}" for h in sorted(hosts))


def move_steps(facts: DomainFacts, target: tuple[MxHost, ...], item: Filter | None) -> list[Step]:
    """The MX steps (unnumbered). Empty when the MX set already is ``target``."""
    current = facts.mx.hosts
    names = frozenset(h.host for h in target)
    everything = tuple(h for h in current if h.host not in names)  # the null MX ("0 .") included
    extras = real(everything)
    if set(current) == set(target):
        return []
    if set(target) <= set(current):
        steps = [_remove_bypass(facts, everything)]
        return [*steps, _lock(facts, extras, item, later=True)] if extras else steps
    ttl = facts.mx.ttl or LOW_TTL
    steps = [_prepare(facts, extras, item)]
    if ttl > LOW_TTL:
        steps.append(_lower(facts, ttl))
    steps.append(_switch(facts, target, everything, min(ttl, LOW_TTL)))
    if extras:
        steps.append(_lock(facts, extras, item, later=True))
    steps.append(_raise(facts, target, max(ttl, MIN_RAISED_TTL)))
    return steps


def _prepare(facts: DomainFacts, extras: tuple[MxHost, ...], item: Filter | None) -> Step:
    origin = ", ".join(h.host.rstrip(".") for h in sorted(extras)) or facts.domain
    actions = [Text.of("plan.action.filter_add", domain=facts.domain, origin=origin)]
    kind = item.recipient_verification if item is not None else ""
    actions.append(Text.of(f"plan.action.recipients_{kind or 'generic'}", domain=facts.domain))
    actions.append(Text.of("plan.action.allow_filter", origin=origin))
    publish, remove, why = _spf_keep_origin(facts, extras)
    actions.append(Text.of("plan.action.test_via_filter", domain=facts.domain))
    return Step(0, "prepare", Text.of("plan.step.prepare"), why, publish, remove, tuple(actions),
                (Proof.of("message", via="filter", domain=facts.domain),))


def _spf_keep_origin(facts: DomainFacts, extras: tuple[MxHost, ...]
                     ) -> tuple[tuple[Record, ...], tuple[Record, ...], tuple[Text, ...]]:
    """SPF ``mx`` authorises today's MX hosts; after the switch it would authorise the filter's
    inbound hosts instead and the origin's outbound mail would fail SPF. Name the origin hosts."""
    spf = facts.spf
    bare = [t for t in spf.terms if t.mechanism == "mx" and not t.argument and t.text[0] not in "-~?"]
    if not bare or not extras or spf.record is None:
        return (), (), ()
    already = {t.argument for t in spf.terms if t.mechanism == "a"}
    named = tuple(SpfTerm(f"a:{h.host.rstrip('.')}", 1) for h in sorted(extras) if not h.names & already)
    terms = replace(spf.terms, bare[0].text, named)
    if sum(t.lookups for t in terms) > LIMIT:
        return (), (), (Text.of("plan.why.spf_mx_over", hosts=", ".join(t.text for t in named)),)
    value = " ".join(("v=spf1", *(t.text for t in terms)))
    why = Text.of("plan.why.spf_mx", hosts=", ".join(t.text for t in named)) if named else \
        Text.of("plan.why.spf_mx_named", term=bare[0].text, hosts=", ".join(sorted(h.host.rstrip(".") for h in extras)))
    return ((Record(owner(facts.domain), "TXT", value, spf.ttl),),
            (Record(owner(facts.domain), "TXT", spf.record, spf.ttl),), (why,))


def _lower(facts: DomainFacts, ttl: int) -> Step:
    current = facts.mx.hosts
    return Step(0, "lower_ttl", Text.of("plan.step.lower_ttl", ttl=LOW_TTL),
                (Text.of("plan.why.lower_ttl", ttl=ttl, duration=duration(ttl)),),
                mx_records(facts.domain, current, LOW_TTL), mx_records(facts.domain, current, ttl), (),
                (Proof.of("mx_ttl_at_most", ttl=LOW_TTL),),
                Text.of("plan.wait.ttl", ttl=ttl, duration=duration(ttl)), ttl, later=True)


def _switch(facts: DomainFacts, target: tuple[MxHost, ...], extras: tuple[MxHost, ...], ttl: int) -> Step:
    why = [Text.of("plan.why.switch", hosts=hosts_text(target)), *_bypass_why(extras)]
    proofs = (Proof.of("mx_is", hosts=hosts_text(target)), Proof.of("message", via="filter", domain=facts.domain))
    return Step(0, "switch", Text.of("plan.step.switch"), tuple(why), mx_records(facts.domain, target, ttl),
                mx_records(facts.domain, facts.mx.hosts, ttl), (Text.of("plan.action.keep_origin_open"),),
                proofs, Text.of("plan.wait.switch", duration=duration(ttl)), ttl, later=True)


def _remove_bypass(facts: DomainFacts, extras: tuple[MxHost, ...]) -> Step:
    ttl = facts.mx.ttl or LOW_TTL
    why = tuple(_bypass_why(extras))
    publish, remove, spf_why = _spf_keep_origin(facts, real(extras))
    return Step(0, "remove_bypass", Text.of("plan.step.remove_bypass"), (*why, *spf_why), publish,
                (*mx_records(facts.domain, extras, facts.mx.ttl), *remove), (),
                (Proof.of("mx_excludes", hosts=",".join(h.host for h in sorted(extras))),),
                Text.of("plan.wait.ttl", ttl=ttl, duration=duration(ttl)), ttl)


def _lock(facts: DomainFacts, extras: tuple[MxHost, ...], item: Filter | None, later: bool) -> Step:
    origin = ", ".join(h.host.rstrip(".") for h in sorted(extras)) or facts.domain
    lock = item.lock if item is not None else "generic"
    params = {"origin": origin, "ranges": ", ".join(item.lock_ranges) if item else "",
              "certificate": item.lock_certificate if item else "", "hostname": item.lock_hostname if item else "",
              "filter": item.name if item else ""}
    actions = [Text.of(f"plan.lock.{lock}", **params)]
    if item is not None and item.sources:
        actions.append(Text.of("plan.action.ranges_source", source=item.sources[0]))
    actions.append(Text.of("plan.action.spf_origin", origin=origin))
    return Step(0, "lock", Text.of("plan.step.lock"), (Text.of("plan.why.lock"),), (), (), tuple(actions),
                (Proof.of("smtp", domain=facts.domain),), Text.of("plan.wait.lock"), later=later)


def _raise(facts: DomainFacts, target: tuple[MxHost, ...], ttl: int) -> Step:
    return Step(0, "raise_ttl", Text.of("plan.step.raise_ttl", ttl=ttl), (Text.of("plan.why.raise_ttl"),),
                mx_records(facts.domain, target, ttl), mx_records(facts.domain, target, LOW_TTL), (),
                (Proof.of("mx_ttl_at_least", ttl=ttl), Proof.of("mx_is", hosts=hosts_text(target))), later=True)


def duration(seconds: int) -> str:
    """``86400`` -> ``1d``, ``5400`` -> ``1h30m``, ``300`` -> ``5m``: language-neutral units."""
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def risks(facts: DomainFacts, item: Filter | None) -> tuple[Text, ...]:
    out = [Text.of("plan.risk.in_flight", duration=duration(facts.mx.ttl or LOW_TTL)),
           Text.of("plan.risk.recipients", domain=facts.domain),
           Text.of("plan.risk.cached_mx")]
    relays = item is not None and bool(item.relay)
    out.append(Text.of("plan.risk.spf_outbound_relay" if relays else "plan.risk.spf_outbound",
                       relay=item.relay if item is not None else ""))
    return tuple(out)
