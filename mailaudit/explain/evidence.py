"""What the user gave, read into evidence: the kind of input, the rejections, the message facts.

Kinds (the contract's ``kind``): ``smtp_reply`` (pasted reply text), ``bounce`` (a DSN or a
free-form bounce, also one forwarded as an attachment or inline), ``message`` (a raw message,
also one forwarded as an attachment: then the attached message is the one analysed).
"""

from __future__ import annotations

from dataclasses import dataclass

from .align import same_site
from .authresults import AuthResults, parse_authentication_results
from .bounce import Recipient, body_text, dsn_part, dsn_recipients, freeform_recipients, is_bounce
from .dkimcheck import Signature, signatures
from .knowledge import Match, Table, load_table
from .limits import DEFAULT_LIMITS, Limits
from .mime import Message, parse_message
from .received import Hop, connecting_hop, is_public, parse_received
from .replies import Reply, addresses_in, emails_in, find_replies, is_domain, sender_domain_in

KNOWN_FIELDS = frozenset({"from", "to", "subject", "date", "received", "message-id", "return-path", "mime-version",
                          "content-type", "dkim-signature", "authentication-results", "delivered-to", "reply-to",
                          "x-failed-recipients", "arc-seal", "cc", "sender", "x-mailer", "user-agent"})


class UnreadableInput(ValueError):
    """Nothing in the input can be explained (one line for the user, exit 2)."""


@dataclass(frozen=True, slots=True)
class Rejection:
    reply: Reply
    recipient: str
    remote_mta: str
    match: Match | None


@dataclass(frozen=True, slots=True)
class MessageFacts:
    """What a message's header says; for a bounce, the returned original's header."""

    raw: bytes
    from_domain: str
    from_count: int
    mail_from: str  # the Return-Path domain, "" when absent or null
    hops: tuple[Hop, ...]
    connecting: Hop | None
    connecting_ip: str  # as the receiver recorded it (Authentication-Results), else the first external hop
    auth: tuple[AuthResults, ...]
    arc: tuple[AuthResults, ...]
    arc_sets: int
    signatures: tuple[Signature, ...]
    headers: tuple[tuple[str, str], ...]  # every field as read (lower-case names)
    fields: frozenset[str]  # lower-case names present
    list_unsubscribe: str
    list_unsubscribe_post: str
    truncated: bool
    headers_only: bool  # text/rfc822-headers: no body, DKIM cannot be verified


@dataclass(frozen=True, slots=True)
class Evidence:
    kind: str
    rejections: tuple[Rejection, ...]
    message: MessageFacts | None
    reporting_mta: str
    addresses: tuple[str, ...]  # public IP addresses named in the rejection texts
    sender_domain: str  # the sending domain, from the message or named in the texts
    problems: tuple[str, ...]  # input problems: truncated, too_deep, too_many_parts, ...


def looks_like_message(data: bytes) -> bool:
    """The input starts with a header block with at least two fields a mail header has."""
    head = data[:8192].replace(b"\r\n", b"\n").lstrip(b"\n")
    block = head.split(b"\n\n", 1)[0]
    names: set[str] = set()
    for line in block.split(b"\n")[:200]:
        if line[:1] in (b" ", b"\t"):
            continue
        name, sep, _ = line.partition(b":")
        if not sep or not name or b" " in name:
            return bool(names) and len(names & KNOWN_FIELDS) >= 2
        names.add(name.decode("ascii", "replace").lower())
    return len(names & KNOWN_FIELDS) >= 2


def read_evidence(data: bytes, limits: Limits = DEFAULT_LIMITS, table: Table | None = None) -> Evidence:
    """Read any input; raises ``UnreadableInput`` when it holds no reply, bounce or message."""
    table = table or load_table()
    if not looks_like_message(data):
        return _reply_evidence(data, limits, table)
    message = parse_message(data, limits)
    return _message_evidence(message, limits, table)


def _reply_evidence(data: bytes, limits: Limits, table: Table) -> Evidence:
    text = data[: limits.max_text_chars * 4].decode("utf-8", "replace")
    replies = find_replies(text, limits.max_text_chars)
    if not replies:
        raise UnreadableInput("no SMTP reply (e.g. '550 5.7.1 ...'), bounce or message header found in the input")
    rejections = tuple(Rejection(r, "", "", table.match(r)) for r in replies if r.code >= 400)
    if not rejections:
        raise UnreadableInput("the SMTP replies in the input are not failures (no 4xx or 5xx code)")
    joined = "\n".join(str(r.reply) for r in rejections)
    return Evidence("smtp_reply", rejections, None, "", _public(addresses_in(joined)),
                    sender_domain_in(text), ())


def _message_evidence(message: Message, limits: Limits, table: Table) -> Evidence:
    problems = message.problems
    bounce = message if is_bounce(message) else next((m for m in message.attached if is_bounce(m)), None)
    if bounce is not None:
        return _bounce_evidence(bounce, limits, table, problems)
    inline = find_replies(body_text(message, limits))
    target = message.attached[0] if message.attached and _forwarded(message) else message
    facts = message_facts(target, limits, message.truncated)
    if not facts.hops and not facts.signatures and not facts.auth and inline:
        return _bounce_evidence(message, limits, table, problems)
    return Evidence("message", (), facts, "", (), facts.from_domain, problems)


def _forwarded(message: Message) -> bool:
    """A message that wraps another: the forwarded one (with its own header) is the evidence."""
    inner = message.attached[0]
    return bool(inner.get("from") or inner.get("received"))


def _bounce_evidence(bounce: Message, limits: Limits, table: Table, problems: tuple[str, ...]) -> Evidence:
    part = dsn_part(bounce)
    reporting, recipients = dsn_recipients(part, limits) if part is not None else ("", ())
    if not any(r.reply for r in recipients):
        recipients = freeform_recipients(bounce, limits) or recipients
    rejections = tuple(_rejection(r, table) for r in recipients if r.reply is not None)
    original = bounce.attached[0] if bounce.attached else None
    cut = bounce.truncated or "truncated" in problems
    facts = message_facts(original, limits, cut) if original is not None else None
    texts = "\n".join(str(r.reply) for r in rejections)
    sender = (facts.from_domain if facts else "") or sender_domain_in(texts) or _sender_of_bounce(bounce)
    if not rejections:
        raise UnreadableInput("the bounce names no SMTP reply or delivery status that could be explained")
    return Evidence("bounce", rejections, facts, reporting, _public(addresses_in(texts)), sender, problems)


def _rejection(recipient: Recipient, table: Table) -> Rejection:
    assert recipient.reply is not None
    return Rejection(recipient.reply, recipient.recipient, recipient.remote_mta,
                     table.match(recipient.reply, recipient.remote_mta))


def _sender_of_bounce(bounce: Message) -> str:
    """The bounce goes back to the sender: its To address names the sending domain."""
    found = emails_in(bounce.get("to") or "")
    return found[0].rpartition("@")[2] if found else ""


def _public(addresses: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(a for a in addresses if is_public(a))


def _domain_of(value: str) -> tuple[str, int]:
    """(domain of the first address, number of addresses) of a From/Return-Path value."""
    found = emails_in(value.replace(",", " , "))
    if not found:
        return "", 0
    domain = found[0].rpartition("@")[2].rstrip(".")
    return (domain if is_domain(domain) else ""), len(found)


def trusted(auth: tuple[AuthResults, ...], hops: tuple[Hop, ...]) -> tuple[AuthResults, ...]:
    """The Authentication-Results the final receiver wrote (RFC 8601 section 5): its authserv-id is
    of the site of the topmost ``Received`` ``by`` host (Microsoft writes none); fields a sender
    planted further down are dropped. Without a match, the topmost field only."""
    receiver = hops[0].by if hops else ""
    if not receiver:
        return auth
    kept = tuple(a for a in auth if not a.authserv_id or same_site(a.authserv_id, receiver))
    return kept or auth[:1]


def message_facts(message: Message, limits: Limits = DEFAULT_LIMITS, truncated: bool = False) -> MessageFacts:
    """Facts from one message's header (no DNS)."""
    from_domain, from_count = _domain_of(" ".join(message.get_all("from")))
    mail_from = _domain_of(message.get("return-path") or "")[0]
    hops = tuple(parse_received(v) for v in message.get_all("received")[: limits.max_received])
    auth = trusted(tuple(parse_authentication_results(v) for v in message.get_all("authentication-results")[:20]),
                   hops)
    arc = tuple(parse_authentication_results(v, arc=True) for v in message.get_all("arc-authentication-results")[:20])
    recorded = next((a.client_ip() for a in auth if a.client_ip()), "")
    hop = connecting_hop(hops, tuple(a.authserv_id for a in auth))
    return MessageFacts(
        raw=message.raw, from_domain=from_domain, from_count=from_count, mail_from=mail_from, hops=hops,
        connecting=hop, connecting_ip=recorded or (hop.address if hop else ""), auth=auth, arc=arc,
        arc_sets=len(message.get_all("arc-seal")), signatures=signatures(message.headers, limits.max_signatures),
        headers=message.headers, fields=frozenset(k for k, _ in message.headers),
        list_unsubscribe=message.get("list-unsubscribe") or "",
        list_unsubscribe_post=message.get("list-unsubscribe-post") or "",
        truncated=truncated or message.truncated,
        headers_only=not message.attached and all(not p.body.strip() for p in message.parts))
