"""The rejection knowledge table (``rejections.toml``): what receivers' replies mean.

A rule matches a reply when one of its codes is the reply's enhanced or basic code (or it names
none) and one of its phrases occurs in the reply's whitespace-collapsed lower-case text. Phrases
are literals: each rule's set is compiled once into one alternation of escaped literals, so
matching is linear in the text whatever the input. The best rule wins: a phrase tied to codes or
to a receiver beats a code alone or a bare phrase any server may write (``listed in``); then a code
hit beats none, a rule of the receiver that answered beats another's, a longer phrase a shorter.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .replies import Reply

# cause -> the explain finding id it becomes
CAUSE_FINDINGS: Mapping[str, str] = MappingProxyType({
    "dmarc": "explain.dmarc.rejected",
    "spf": "explain.spf.rejected",
    "dkim": "explain.dkim.rejected",
    "unauthenticated": "explain.auth.rejected",
    "alignment": "explain.alignment.rejected",
    "unsubscribe": "explain.unsubscribe.missing",
    "ptr": "explain.ptr.rejected",
    "tls": "explain.tls.required",
    "rate": "explain.reputation.rate",
    "reputation": "explain.reputation.low",
    "headers": "explain.headers.invalid",
    "blocklist": "explain.ip.listed",
    "domain_blocklist": "explain.domain.listed",
    "receiver_blocklist": "explain.ip.blocked",
    "relay": "explain.relay.denied",
    "mta_sts": "explain.mta_sts.failed",
    "dane": "explain.dane.failed",
    "sender_dns": "explain.sender.unresolvable",
    "dns_temporary": "explain.dns.temporary",
    "policy": "explain.policy.rejected",
    "spoofing": "explain.spoofing.rejected",
    "mailbox_unknown": "explain.recipient.unknown",
    "quota": "explain.recipient.full",
    "too_big": "explain.message.too_big",
    "recipient_domain": "explain.recipient.domain",
})
# causes that are not the sender's DNS: their findings carry no DNS advice
PLAIN_CAUSES = frozenset({"mailbox_unknown", "quota", "too_big", "recipient_domain"})
UNKNOWN_FINDING = "explain.rejection.unknown"


class TableError(ValueError):
    """``rejections.toml`` is malformed (a packaging bug: tests load the shipped table)."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    receiver: str
    codes: frozenset[str]
    phrases: tuple[str, ...]
    cause: str
    source: str
    pattern: re.Pattern[str] | None
    bulk: bool = False
    generic: bool = False
    blocklist: str = ""  # the DNS list zone the text refers to, when it is one
    delist: str = ""  # the receiver's own delisting page

    @property
    def finding(self) -> str:
        return CAUSE_FINDINGS[self.cause]

    @property
    def strength(self) -> int:
        """2: a phrase tied to codes or to a receiver; 1: a code alone, or a bare phrase any server may write."""
        return 1 if self.generic or not (self.codes or self.receiver) else 2


@dataclass(frozen=True, slots=True)
class Match:
    """The rule a reply matched, with the phrase that decided it and who answered."""

    rule: Rule
    reply: Reply
    phrase: str
    receiver: str
    score: tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class Table:
    rules: tuple[Rule, ...]
    receivers: Mapping[str, tuple[str, ...]]

    def receiver_of(self, text: str) -> str:
        """Which receiver ``text`` (a reply, a remote MTA name) comes from, or ``""``."""
        low = text.lower()
        return next((name for name, marks in self.receivers.items() if any(m in low for m in marks)), "")

    def match(self, reply: Reply, context: str = "") -> Match | None:
        """The best rule for ``reply``; ``context`` (e.g. the Remote-MTA) helps tell the receiver."""
        text = reply.search_text
        receiver = self.receiver_of(text + " " + context)
        codes = {reply.status, str(reply.code)} - {""}
        best: Match | None = None
        for rule in self.rules:
            found = _phrase(rule, text)
            if found is None:
                continue
            code_hit = bool(rule.codes & codes)
            if rule.codes and not code_hit:
                continue
            score = (rule.strength, int(code_hit), int(bool(receiver) and rule.receiver == receiver), len(found))
            if best is None or score > best.score:
                named = receiver or (rule.receiver if rule.cause not in PLAIN_CAUSES else "")
                best = Match(rule, reply, found, named, score)
        return best


def _phrase(rule: Rule, text: str) -> str | None:
    if rule.pattern is None:
        return ""
    hit = rule.pattern.search(text)
    return None if hit is None else hit.group(0)


def _rule(row: Mapping[str, object]) -> Rule:
    try:
        phrases = tuple(str(p).lower() for p in row.get("phrases", ()))  # type: ignore[attr-defined]
        codes = frozenset(str(c) for c in row.get("codes", ()))  # type: ignore[attr-defined]
        cause = str(row["cause"])
        rule = Rule(
            id=str(row["id"]), receiver=str(row.get("receiver", "")), codes=codes, phrases=phrases,
            cause=cause, source=str(row["source"]),
            pattern=re.compile("|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)))
            if phrases else None,
            bulk=bool(row.get("bulk", False)), generic=bool(row.get("generic", False)),
            blocklist=str(row.get("list", "")), delist=str(row.get("delist", "")))
    except (KeyError, TypeError) as err:
        raise TableError(f"rejections.toml: bad rule {row.get('id')!r}: {err}") from None
    if cause not in CAUSE_FINDINGS or not (phrases or codes) or not rule.source.startswith("https://"):
        raise TableError(f"rejections.toml: rule {rule.id!r} needs a known cause, a code or phrase, a source")
    return rule


def parse_table(text: str) -> Table:
    """Build a table from TOML text (the shipped one, or a test's)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise TableError(f"rejections.toml: {err}") from None
    rules = tuple(_rule(row) for row in data.get("rule", ()))
    receivers = {str(k): tuple(str(m).lower() for m in v) for k, v in data.get("receivers", {}).items()}
    return Table(rules, MappingProxyType(receivers))


@functools.cache
def load_table() -> Table:
    """The shipped table, parsed and compiled once per process: a lazily built constant (the
    ``Table`` is frozen, its mappings read-only), not state that changes."""
    text = importlib.resources.files(__package__).joinpath("rejections.toml").read_text("utf-8")
    return parse_table(text)
