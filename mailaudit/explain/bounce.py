"""Bounces: RFC 3464 delivery status notifications and the free-form ones real servers send."""

from __future__ import annotations

import html
from dataclasses import dataclass

from .limits import DEFAULT_LIMITS, Limits
from .mime import Message, Part, header, parse_headers, split_header_block
from .replies import Reply, find_replies, status_codes

DSN_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
BOUNCE_SUBJECTS = ("undelivered mail", "undeliverable", "delivery status notification", "mail delivery failed",
                   "failure notice", "returned mail", "delivery failure", "mail delivery subsystem",
                   "non-delivery", "delivery has failed", "could not be delivered", "nondeliverable")
BOUNCE_SENDERS = ("mailer-daemon", "postmaster", "mail delivery subsystem", "microsoftexchange")


@dataclass(frozen=True, slots=True)
class Recipient:
    """One per-recipient block of a DSN (or one reply of a free-form bounce)."""

    recipient: str
    action: str
    status: str
    remote_mta: str
    reply: Reply | None


def is_bounce(message: Message) -> bool:
    """A DSN, or a message whose sender, subject or fields say it is a bounce."""
    if dsn_part(message) is not None or message.content_type == "multipart/report":
        return True
    if message.get("x-failed-recipients"):
        return True
    subject = (message.get("subject") or "").lower()
    sender = (message.get("from") or "").lower()
    return any(s in subject for s in BOUNCE_SUBJECTS) or any(s in sender for s in BOUNCE_SENDERS)


def dsn_part(message: Message) -> Part | None:
    return next((p for p in message.parts if p.content_type in DSN_TYPES), None)


def dsn_recipients(part: Part, limits: Limits = DEFAULT_LIMITS) -> tuple[str, tuple[Recipient, ...]]:
    """(Reporting-MTA, recipients) of a ``message/delivery-status`` body."""
    text = part.text(limits.max_text_chars).replace("\r\n", "\n")
    blocks = [b for b in text.split("\n\n") if b.strip()]
    if not blocks:
        return "", ()
    first, _ = parse_headers(blocks[0].encode("utf-8", "replace") + b"\n", limits)
    reporting = _mta(header(first, "reporting-mta") or "")
    out: list[Recipient] = []
    for block in blocks[1:] or blocks[:1]:
        fields, _ = parse_headers(split_header_block(block.encode("utf-8", "replace") + b"\n\n")[0], limits)
        recipient = _mta(header(fields, "final-recipient") or header(fields, "original-recipient") or "")
        if not recipient and not header(fields, "status"):
            continue
        status = (header(fields, "status") or "").strip().split(" ", 1)[0]
        out.append(Recipient(recipient, (header(fields, "action") or "").strip().lower(), status,
                             _mta(header(fields, "remote-mta") or ""),
                             _diagnostic(header(fields, "diagnostic-code") or "", status)))
        if len(out) >= 20:
            break
    return reporting, tuple(out)


def _mta(value: str) -> str:
    """``dns; mx.example.com`` -> ``mx.example.com`` (the type before ``;`` dropped)."""
    return value.partition(";")[2].strip() if ";" in value else value.strip()


def _diagnostic(value: str, status: str) -> Reply | None:
    """The reply in a Diagnostic-Code (``smtp; 550-5.7.26 ...``), or one built from its text and Status."""
    text = _mta(value)
    if not text and not status:
        return None
    found = find_replies(text)
    if found:
        return found[0]
    codes = status_codes(status)
    if not codes:
        return Reply(0, "", text) if text else None
    basic = 550 if codes[0].startswith("5") else 450 if codes[0].startswith("4") else 250
    return Reply(basic, codes[0], text)


_BREAKS = frozenset({"br", "p", "div", "tr", "li", "table", "h1", "h2", "h3"})


def html_text(markup: str, limit: int = DEFAULT_LIMITS.max_text_chars) -> str:
    """The text of an HTML part (Exchange NDRs are HTML only): tags, scripts and styles dropped.

    One forward scan with ``str.find`` (linear): the stdlib's ``HTMLParser`` is quadratic on
    unclosed tags (``<a <a <a ...``), which a hostile bounce can send."""
    markup = markup[: limit * 4]
    low = markup.lower()
    out: list[str] = []
    at, size = 0, 0
    while at < len(markup) and size < limit:
        lt = markup.find("<", at)
        chunk = markup[at:] if lt < 0 else markup[at:lt]
        out.append(chunk)
        size += len(chunk)
        gt = markup.find(">", lt) if lt >= 0 else -1
        if gt < 0:
            break
        tag = low[lt + 1:gt].strip()
        name = tag.lstrip("/").split(None, 1)[0] if tag.lstrip("/") else ""
        at = gt + 1
        if name in ("script", "style") and not tag.startswith("/"):
            close = low.find("</" + name, at)
            at = len(markup) if close < 0 else close
        elif name in _BREAKS:
            out.append("\n")
    return html.unescape("".join(out))[:limit]


def body_text(message: Message, limits: Limits = DEFAULT_LIMITS) -> str:
    """The readable text of a message's own parts (plain first, HTML as text), capped."""
    chunks: list[str] = []
    size = 0
    for part in message.parts:
        if part.content_type == "text/plain":
            text = part.text(limits.max_text_chars)
        elif part.content_type == "text/html":
            text = html_text(part.text(limits.max_text_chars * 4), limits.max_text_chars)
        else:
            continue
        chunks.append(text)
        size += len(text)
        if size >= limits.max_text_chars:
            break
    return "\n\n".join(chunks)[: limits.max_text_chars]


def freeform_recipients(message: Message, limits: Limits = DEFAULT_LIMITS) -> tuple[Recipient, ...]:
    """Replies found in the bounce's readable text, one Recipient each (recipient unknown)."""
    return tuple(Recipient("", "failed", r.status, "", r) for r in find_replies(body_text(message, limits)))
