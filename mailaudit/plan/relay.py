"""Adding an SMTP relay: DKIM first, then the merged SPF record, then routing mail through the
relay, then DMARC alignment confirmed from a test message and the aggregate reports. In this
order no message leaves through the relay before the relay is authorised and signing.
"""

from __future__ import annotations

from mailaudit.plan.facts import DomainFacts, Record, owner
from mailaudit.plan.model import Proof, Step, Text
from mailaudit.plan.providers import Relay
from mailaudit.plan.spfmerge import LIMIT, Merge, add_include, costly


def relay_steps(facts: DomainFacts, include: str, item: Relay | None, records: tuple[Record, ...],
                inbound_mx: bool) -> tuple[list[Step], Merge | None, list[Text]]:
    """The relay steps (unnumbered), the SPF merge (None when SPF is not touched) and notes."""
    notes: list[Text] = []
    steps = [_dkim(facts, item, records)]
    merge: Merge | None = None
    if item is not None and item.spf_via_return_path:
        notes.append(Text.of("plan.note.spf_return_path", relay=item.name, include=include))
    elif facts.spf.error:
        notes.append(Text.of("plan.note.spf_unknown", error=facts.spf.error))
    else:
        cost = facts.include_cost(include)
        if cost is None:
            notes.append(Text.of("plan.note.include_unknown", include=include))
        else:
            merge = add_include(facts.spf, include, cost, inbound_mx)
            step = _spf(facts, include, merge)
            if step is not None:
                steps.append(step)
    steps.append(_route(facts, include))
    steps.append(_align(facts))
    return steps, merge, notes


def _dkim(facts: DomainFacts, item: Relay | None, records: tuple[Record, ...]) -> Step:
    actions: list[Text] = []
    proofs: list[Proof] = []
    for record in records:
        if record.name.split(".", 1)[0] and "._domainkey." in record.name:
            proofs.append(Proof.of("dkim_key", selector=record.name.split(".", 1)[0]))
    if item is not None and item.dkim_key == "console":
        selector = item.dkim_selector or "<selector>"
        actions.append(Text.of("plan.action.dkim_console", relay=item.name, selector=selector,
                               name=f"{selector}._domainkey.{facts.domain}"))
        if item.dkim_selector:
            proofs.append(Proof.of("dkim_key", selector=item.dkim_selector))
    elif item is None:
        actions.append(Text.of("plan.action.dkim_generic", domain=facts.domain))
    actions.append(Text.of("plan.action.dkim_enable", domain=facts.domain))
    return Step(0, "dkim", Text.of("plan.step.dkim"), (Text.of("plan.why.dkim", domain=facts.domain),),
                records, (), tuple(actions), tuple(proofs), Text.of("plan.wait.dkim"))


def _spf(facts: DomainFacts, include: str, merge: Merge) -> Step | None:
    if merge.unchanged:
        return None
    name = owner(facts.domain)
    why = [Text.of("plan.why.spf_include", include=include, before=facts.spf.lookups, after=merge.lookups)]
    why.extend(Text.of(f"plan.why.drop_{d.reason}", term=d.term, saves=d.saves) for d in merge.drops)
    proofs = (Proof.of("spf_includes", include=include), Proof.of("spf_lookups_at_most", limit=LIMIT),
              *(Proof.of("spf_lacks", term=d.term) for d in merge.drops))
    if merge.over:
        choices = ", ".join(f"{t.text} ({t.lookups})" for t in costly(merge.terms))
        actions = (Text.of("plan.action.spf_over", lookups=merge.lookups, limit=LIMIT, choices=choices),)
        return Step(0, "spf", Text.of("plan.step.spf_blocked"), tuple(why), (), (), actions, proofs)
    if facts.spf.record is None:
        record = "v=spf1 " + " ".join(t.text for t in merge.terms if not t.is_all) + " ~all"
        why.append(Text.of("plan.why.spf_new"))
        return Step(0, "spf", Text.of("plan.step.spf"), tuple(why), (Record(name, "TXT", record),), (),
                    (Text.of("plan.action.spf_list_senders"),), proofs)
    return Step(0, "spf", Text.of("plan.step.spf"), tuple(why), (Record(name, "TXT", merge.record, facts.spf.ttl),),
                (Record(name, "TXT", facts.spf.record, facts.spf.ttl),), (), proofs,
                Text.of("plan.wait.spf", duration="1h" if not facts.spf.ttl else f"{facts.spf.ttl}s"),
                facts.spf.ttl or 3600)


def _route(facts: DomainFacts, include: str) -> Step:
    return Step(0, "route", Text.of("plan.step.route"), (Text.of("plan.why.route"),), (), (),
                (Text.of("plan.action.route", include=include),
                 Text.of("plan.action.test_message", domain=facts.domain)),
                (Proof.of("message", via="relay", domain=facts.domain),), later=True)


def _align(facts: DomainFacts) -> Step:
    dmarc = facts.dmarc
    why: list[Text] = []
    if dmarc.error:
        why.append(Text.of("plan.why.dmarc_unknown", error=dmarc.error))
    elif dmarc.record is None:
        why.append(Text.of("plan.why.dmarc_missing", domain=facts.domain))
    else:
        why.append(Text.of("plan.why.dmarc_align", policy=dmarc.policy or "none", adkim=dmarc.adkim, aspf=dmarc.aspf))
    actions = [Text.of("plan.action.align_dkim", domain=facts.domain)]
    if dmarc.aspf == "s":
        actions.append(Text.of("plan.action.align_spf_strict", domain=facts.domain))
    if dmarc.record is None and not dmarc.error:
        actions.append(Text.of("plan.action.dmarc_monitor", domain=facts.domain))
    return Step(0, "align", Text.of("plan.step.align"), tuple(why), (), (), tuple(actions),
                (Proof.of("message", via="relay", domain=facts.domain), Proof.of("reports", domain=facts.domain)),
                Text.of("plan.wait.reports"), later=True)


def risks(facts: DomainFacts, merge: Merge | None) -> tuple[Text, ...]:
    out = [Text.of("plan.risk.order")]
    if merge is not None and merge.over:
        out.append(Text.of("plan.risk.spf_over", lookups=merge.lookups))
    if facts.dmarc.policy in ("quarantine", "reject"):
        out.append(Text.of("plan.risk.dmarc_enforced", policy=facts.dmarc.policy))
    return tuple(out)
