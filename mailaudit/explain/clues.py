"""The diagnosis as finding ids, variants and parameters (no text: the catalogue writes it).

``diagnose(evidence, now)`` combines what the input says happened (``Evidence``) with what DNS
says now (``Now``, filled by the investigation; empty when nothing could be looked up), so each
finding can say what was wrong then, whether it still is, and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .align import aligned
from .dkimcheck import Verification
from .evidence import Evidence, MessageFacts, Rejection
from .knowledge import PLAIN_CAUSES, UNKNOWN_FINDING
from .replies import emails_in

Params = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Clue:
    """One diagnosis finding before the catalogue gives it words."""

    id: str
    subject: str
    variant: str = "default"
    params: Params = ()
    evidence: tuple[str, ...] = ()
    records: tuple[tuple[str, str, str], ...] = ()  # fix records: (owner, type, value)
    remove: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Listing:
    """An address (or domain) looked up on a DNS list now: ``listed``, ``clear`` or ``error``."""

    subject: str
    zone: str
    state: str
    meaning: str = ""


@dataclass(frozen=True, slots=True)
class SpfNow:
    """check_host(ip, domain) evaluated now; ``authorising`` is the mechanism that matched, if any."""

    ip: str
    domain: str
    result: str
    authorising: str = ""
    record: str = ""
    fixed_record: str = ""  # the record without the listed address's own mechanism, when that is safe


@dataclass(frozen=True, slots=True)
class Now:
    """Live (or ``--zone``) facts; every field empty when the investigation did not run."""

    listings: tuple[Listing, ...] = ()
    spf: tuple[SpfNow, ...] = ()
    dmarc_policy: str = ""  # none / quarantine / reject / missing / error / "" (not looked up)
    dmarc_record: str = ""
    dkim: tuple[Verification, ...] = ()
    ptr: tuple[tuple[str, str, str], ...] = ()  # (ip, "ok" | "missing" | "mismatch" | "error", PTR names)
    looked_up: bool = False
    notes: tuple[str, ...] = field(default=())
    arc: str = ""  # the ARC chain validated now: pass / fail / none / temperror, "" when not checked

    def spf_for(self, ip: str, domain: str) -> SpfNow | None:
        return next((s for s in self.spf if s.ip == ip and s.domain == domain), None)

    def listings_of(self, subject: str) -> tuple[Listing, ...]:
        return tuple(entry for entry in self.listings if entry.subject == subject)


def diagnose(evidence: Evidence, now: Now | None = None) -> tuple[Clue, ...]:
    """Every clue for the input, rejections first, then the message's, then input problems."""
    now = now or Now()
    out: list[Clue] = []
    for rejection in evidence.rejections:
        for clue in rejection_clues(rejection, evidence, now):
            if all((c.id, c.subject) != (clue.id, clue.subject) for c in out):
                out.append(clue)
    if evidence.kind == "message" and evidence.message is not None:
        out.extend(message_clues(evidence.message, now))
    out.extend(Clue("explain.input.limited", p, p) for p in evidence.problems)
    return tuple(out)


def _reply_params(rejection: Rejection) -> list[tuple[str, str]]:
    match = rejection.match
    params = [("reply", str(rejection.reply)[:300]), ("code", rejection.reply.status or str(rejection.reply.code)),
              ("receiver", match.receiver if match else ""), ("policy", "?"), ("spf_now", "?")]
    if match is not None:
        params.append(("source", match.rule.source))
    return params


def rejection_clues(rejection: Rejection, evidence: Evidence, now: Now) -> list[Clue]:
    """The clues of one rejected delivery."""
    match = rejection.match
    params = _reply_params(rejection)
    shown = (str(rejection.reply)[:500],)
    if match is None:
        return [Clue(UNKNOWN_FINDING, rejection.reply.status or str(rejection.reply.code), "default",
                     tuple(params), shown)]
    cause = match.rule.cause
    if cause in PLAIN_CAUSES:
        named = emails_in(rejection.reply.text)
        recipient = rejection.recipient or (named[0] if named else "")
        subject = recipient or rejection.reply.status or str(rejection.reply.code)
        return [Clue(match.rule.finding, subject, "default", (*params, ("recipient", recipient or "?")), shown)]
    if cause == "blocklist":
        return _listed_clues(rejection, evidence, now, params, shown)
    if cause == "receiver_blocklist":
        ip = evidence.addresses[0] if evidence.addresses else ""
        params += [("ip", ip or "?"), ("delist", match.rule.delist)]
        return [Clue(match.rule.finding, ip or evidence.sender_domain or "?", "default" if ip else "noip",
                     tuple(params), shown)]
    return [_domain_clue(match.rule.finding, cause, evidence, now, params, shown)]


def _listed_clues(rejection: Rejection, evidence: Evidence, now: Now, params: list[tuple[str, str]],
                  shown: tuple[str, ...]) -> list[Clue]:
    """``explain.ip.listed`` for each public address the reply names, with today's listing."""
    assert rejection.match is not None
    zone = rejection.match.rule.blocklist or _zone_named(rejection.reply.search_text) or "?"
    ips = [a for a in evidence.addresses if a in rejection.reply.text] or list(evidence.addresses[:1])
    if not ips:
        return [Clue("explain.ip.listed", zone, "noip", (*params, ("list", zone)), shown)]
    out = []
    for ip in ips[:4]:
        variant, extra, records, remove = _listing_variant(ip, zone, evidence.sender_domain, now)
        out.append(Clue("explain.ip.listed", ip, variant,
                        (*params, ("ip", ip), ("list", zone), ("domain", evidence.sender_domain or "?"), *extra),
                        shown + tuple(f"{entry.zone}: {entry.state} {entry.meaning}".strip()
                                      for entry in now.listings_of(ip)
                                      if entry.state in ("listed", "clear") or entry.zone == zone), records, remove))
    return out


def _listing_variant(ip: str, zone: str, domain: str, now: Now
                     ) -> tuple[str, list[tuple[str, str]], tuple[tuple[str, str, str], ...],
                                tuple[tuple[str, str, str], ...]]:
    """then (not looked up), still, own (still listed and authorised by the domain's SPF), cleared, error."""
    entries = [e for e in now.listings_of(ip) if e.zone == zone] or list(now.listings_of(ip))
    if not entries:
        return "then", [], (), ()
    listed = [e for e in entries if e.state == "listed"]
    if not listed and all(e.state == "skipped" for e in entries):
        return "then", [], (), ()
    if not listed:
        state = "error" if any(e.state in ("error", "skipped") for e in entries) else "cleared"
        return state, [("now_lists", ", ".join(e.zone for e in entries))], (), ()
    extra = [("now_lists", ", ".join(e.zone for e in listed)), ("meaning", listed[0].meaning or "listed")]
    spf = now.spf_for(ip, domain) if domain else None
    if spf is not None and spf.result == "pass":
        extra.append(("mechanism", spf.authorising or "?"))
        if spf.fixed_record:
            return ("own", extra, ((domain + ".", "TXT", spf.fixed_record),), ((domain + ".", "TXT", spf.record),))
        return "own", extra, (), ()
    return "still", extra, (), ()


def _zone_named(text: str) -> str:
    """The list zone after "blocked using" / "listed in" in a reply, if it is a DNS name."""
    for cue in ("blocked using ", "listed in ", "listed on ", "listed by "):
        at = text.find(cue)
        if at >= 0:
            word = text[at + len(cue):].split(" ", 1)[0].strip(";,.()[]'\"")
            if "." in word:
                return word
    return ""


def _domain_clue(finding: str, cause: str, evidence: Evidence, now: Now, params: list[tuple[str, str]],
                 shown: tuple[str, ...]) -> Clue:
    """A rejection about the sending domain's authentication or reputation, with today's state."""
    domain = evidence.sender_domain
    ip = evidence.addresses[0] if evidence.addresses else (
        evidence.message.connecting_ip if evidence.message and evidence.kind == "message" else "")
    params += [("domain", domain or "?"), ("ip", ip or "?")]
    variant = "default" if domain else "nodomain"
    if cause in ("spf", "unauthenticated", "dmarc", "alignment") and domain and ip:
        spf = now.spf_for(ip, domain)
        if spf is not None:
            params += [("spf_now", spf.result)]
            variant = "spf_pass" if spf.result == "pass" else "spf_fail" if spf.result in (
                "fail", "softfail", "neutral", "none") else "spf_error" if "error" in spf.result else variant
    if cause == "dmarc" and now.dmarc_policy:
        params += [("policy", now.dmarc_policy)]
    if cause == "ptr" and ip:
        found = next((p for p in now.ptr if p[0] == ip), None)
        if found is not None:
            variant = "ptr_" + found[1]
            params += [("ptr_names", found[2])]
    assert evidence.rejections
    return Clue(finding, domain or ip or "?", variant, tuple(params), shown)


def message_clues(facts: MessageFacts, now: Now) -> list[Clue]:
    """Clues about a raw message: DKIM now vs then, SPF now, DMARC alignment, ARC, bulk headers."""
    out: list[Clue] = []
    out.extend(_dkim_clues(facts, now))
    spf_now = now.spf_for(facts.connecting_ip, facts.mail_from or facts.from_domain) if facts.connecting_ip else None
    recorded_spf = _recorded(facts, "spf")
    if spf_now is not None and spf_now.result not in ("pass",):
        out.append(Clue("explain.message.spf.failed", facts.mail_from or facts.from_domain, "default",
                        (("ip", facts.connecting_ip), ("domain", spf_now.domain), ("result", spf_now.result),
                         ("recorded", recorded_spf or "?")), (spf_now.record,) if spf_now.record else ()))
    if spf_now is not None and recorded_spf and recorded_spf != spf_now.result and (
            "pass" in (recorded_spf, spf_now.result)):
        out.append(Clue("explain.message.changed", f"spf {facts.connecting_ip}", "spf",
                        (("what", "SPF"), ("then", recorded_spf), ("now", spf_now.result),
                         ("ip", facts.connecting_ip), ("domain", spf_now.domain))))
    out.extend(_dmarc_clues(facts, now))
    out.extend(_listed_now(facts, now))
    out.extend(_header_clues(facts, now))
    return out


def _listed_now(facts: MessageFacts, now: Now) -> list[Clue]:
    """The connecting address on a blocklist now (receivers may junk or refuse its next mail)."""
    listed = [e for e in now.listings_of(facts.connecting_ip) if e.state == "listed"] if facts.connecting_ip else []
    if not listed:
        return []
    return [Clue("explain.message.listed", facts.connecting_ip, "default",
                 (("ip", facts.connecting_ip), ("now_lists", ", ".join(e.zone for e in listed)),
                  ("meaning", listed[0].meaning or "listed")),
                 tuple(f"{e.zone}: listed {e.meaning}".strip() for e in listed))]


def _recorded(facts: MessageFacts, method: str) -> str:
    """What the receiver (the topmost Authentication-Results) recorded for ``method``."""
    for results in facts.auth:
        found = results.of(method)
        if found:
            return found[0].result
    return ""


def _recorded_dkim(facts: MessageFacts, domain: str, selector: str) -> str:
    for results in facts.auth:
        for result in results.of("dkim"):
            d = (result.prop("header.d") or result.prop("header.i").rpartition("@")[2]).lower()
            s = result.prop("header.s").lower()
            if d == domain and (not s or s == selector):
                return result.result
    return ""


def _dkim_clues(facts: MessageFacts, now: Now) -> list[Clue]:
    out: list[Clue] = []
    if not facts.signatures:
        out.append(Clue("explain.message.dkim.unsigned", facts.from_domain or "?", "default",
                        (("domain", facts.from_domain or "?"),)))
    for check in now.dkim:
        sig = check.signature
        subject = f"{sig.selector}._domainkey.{sig.domain}"
        recorded = _recorded_dkim(facts, sig.domain, sig.selector)
        params = (("domain", sig.domain), ("selector", sig.selector), ("result", check.result),
                  ("recorded", recorded or "?"))
        if check.result != "pass":
            variant = check.reason or "signature"
            if facts.truncated and check.reason == "body_hash":
                variant = "truncated"
            elif recorded == "pass" and check.reason == "body_hash":
                variant = "body_after"  # it verified at delivery: this copy was changed since
            out.append(Clue("explain.message.dkim.failed", subject, variant, params))
        if recorded == "pass" and check.result in ("fail", "permerror") and check.reason in (
                "no_key", "bad_key", "signature"):
            out.append(Clue("explain.message.changed", subject, "dkim_key",
                            (("what", "DKIM"), ("then", recorded), ("now", check.result), *params)))
    return out


def _dmarc_clues(facts: MessageFacts, now: Now) -> list[Clue]:
    """DMARC now: a pass needs SPF pass with an aligned MAIL FROM or DKIM pass with an aligned d=."""
    if not facts.from_domain or not now.looked_up:
        return []
    dkim_pass = [c.signature.domain for c in now.dkim if c.result == "pass"]
    dkim_aligned = [d for d in dkim_pass if aligned(facts.from_domain, d)]
    spf = now.spf_for(facts.connecting_ip, facts.mail_from or facts.from_domain)
    spf_pass = spf is not None and spf.result == "pass"
    spf_aligned = spf_pass and aligned(facts.from_domain, facts.mail_from or facts.from_domain)
    params: Params = (("domain", facts.from_domain), ("mail_from", facts.mail_from or "?"),
              ("dkim_domains", ", ".join(dkim_pass) or "-"), ("policy", now.dmarc_policy or "?"),
              ("recorded", _recorded(facts, "dmarc") or "?"))
    if dkim_aligned or spf_aligned:
        return [Clue("explain.message.authenticated", facts.from_domain, "default", params)]
    variant = "unaligned" if (dkim_pass or spf_pass) else "default"
    first = _first_arc(facts)
    if now.arc == "pass" and first is not None:
        variant = "arc"
        params += (("arc_by", first[0]), ("arc_dmarc", first[1]))
    return [Clue("explain.message.dmarc.failed", facts.from_domain, variant, params)]


def _first_arc(facts: MessageFacts) -> tuple[str, str] | None:
    """(authserv-id, DMARC or DKIM result) the first forwarder recorded in ARC instance 1, if any."""
    for results in facts.arc:
        if results.instance == 1:
            found = results.of("dmarc") or results.of("dkim")
            return results.authserv_id or "?", found[0].result if found else "?"
    return None


def dmarc_result(facts: MessageFacts, now: Now) -> str:
    """``pass``, ``fail`` or ``none`` (no From domain, or no DMARC record) as computed now."""
    clues = _dmarc_clues(facts, now)
    if not clues or now.dmarc_policy in ("missing", ""):
        return "none"
    return "pass" if clues[0].id == "explain.message.authenticated" else "fail"


def _header_clues(facts: MessageFacts, now: Now) -> list[Clue]:
    out: list[Clue] = []
    if facts.arc_sets:
        arc = next((r.result for a in facts.auth for r in a.of("arc")), "")
        out.append(Clue("explain.message.arc", facts.from_domain or "?", "default",
                        (("sets", str(facts.arc_sets)), ("result", arc or "?"), ("arc_now", now.arc or "?"))))
    if facts.from_count != 1:
        out.append(Clue("explain.message.from.invalid", facts.from_domain or "?", "default",
                        (("count", str(facts.from_count)),)))
    missing = [name for name in ("date", "message-id") if name not in facts.fields]
    if missing and not facts.headers_only:
        out.append(Clue("explain.message.headers.missing", facts.from_domain or "?", "default",
                        (("fields", ", ".join(m.title() for m in missing)),)))
    if facts.list_unsubscribe and "list-unsubscribe=one-click" not in facts.list_unsubscribe_post.lower():
        out.append(Clue("explain.message.unsubscribe", facts.from_domain or "?", "default", ()))
    if facts.connecting is not None and not facts.connecting.tls and facts.connecting.protocol:
        out.append(Clue("explain.message.tls.missing", facts.connecting.address, "default",
                        (("ip", facts.connecting.address), ("by", facts.connecting.by or "?"),
                         ("protocol", facts.connecting.protocol))))
    return out
