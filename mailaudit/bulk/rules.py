"""The big receivers' sender rules (``requirements.toml``) applied to typed facts about a domain.

``evaluate(facts, table)`` gives one verdict per receiver: the requirements unmet, the ones
that could not be told (a lookup failed: never counted as unmet), and the ones that need
more input (``--sending-ip``, reports, a sample message) or cannot be checked from outside.
Pure: the check (or a test) reads DNS into ``BulkFacts``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

CHECKED = ("dns", "sending_ip", "reports", "message", "none")
RECEIVERS = ("gmail", "yahoo", "microsoft")


@dataclass(frozen=True, slots=True)
class Rule:
    receiver: str
    scope: str  # all | bulk
    reply: str


@dataclass(frozen=True, slots=True)
class Requirement:
    id: str
    title: str
    checked: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class Receiver:
    id: str
    name: str
    since: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    receivers: tuple[Receiver, ...]
    requirements: tuple[Requirement, ...]


def load(text: str | None = None) -> Table:
    if text is None:
        text = resources.files("mailaudit.bulk").joinpath("requirements.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    receivers = tuple(Receiver(k, str(v["name"]), str(v["since"]), tuple(map(str, v["sources"])))
                      for k, v in data["receiver"].items())
    return Table(receivers, tuple(_requirement(k, v) for k, v in data["requirement"].items()))


def _requirement(key: str, raw: Mapping[str, Any]) -> Requirement:
    checked = str(raw["checked"])
    if checked not in CHECKED:
        raise ValueError(f"requirement {key}: checked must be one of {CHECKED}")
    rules = tuple(Rule(r, str(raw[r]["scope"]), str(raw[r]["reply"])) for r in RECEIVERS if r in raw)
    return Requirement(key, str(raw["title"]), checked, rules)


@dataclass(frozen=True, slots=True)
class BulkFacts:
    """What the other checks found. ``None``: could not tell (lookup failed). Sending-address
    facts are empty when no ``--sending-ip`` was given."""

    spf_valid: bool | None  # one parseable record, no permerror (lookups, voids)
    dkim_found: bool | None  # a usable key at a probed selector
    dkim_weak: bool | None  # a key under 1024 bits
    dmarc_valid: bool | None  # one parseable record applies (p=none is enough)
    ip_spf: tuple[tuple[str, str], ...] = ()  # (address, SPF result)
    ip_fcrdns: tuple[tuple[str, bool | None], ...] = ()  # (address, PTR resolves back)


@dataclass(frozen=True, slots=True)
class Verdict:
    receiver: Receiver
    unmet: tuple[str, ...]  # requirement ids
    unknown: tuple[str, ...] = ()  # a lookup failed
    needs_input: tuple[str, ...] = ()  # --sending-ip, reports, a message, or not checkable


def status(req: str, facts: BulkFacts) -> bool | str | None:
    """True met, False unmet, None could not tell, "input" needs more than DNS."""
    if req == "spf":
        return facts.spf_valid
    if req == "dkim":
        return facts.dkim_found
    if req == "dkim_key_size":
        return None if facts.dkim_weak is None else not facts.dkim_weak
    if req == "dmarc":
        return facts.dmarc_valid
    if req == "sending_ip_spf":
        return all(r == "pass" for _, r in facts.ip_spf) if facts.ip_spf else "input"
    if req == "ptr":
        if not facts.ip_fcrdns:
            return "input"
        values = [ok for _, ok in facts.ip_fcrdns]
        return False if False in values else (None if None in values else True)
    return "input"


def evaluate(facts: BulkFacts, table: Table) -> tuple[Verdict, ...]:
    out: list[Verdict] = []
    for receiver in table.receivers:
        unmet: list[str] = []
        unknown: list[str] = []
        needs: list[str] = []
        for req in table.requirements:
            if not any(r.receiver == receiver.id for r in req.rules):
                continue
            state = status(req.id, facts)
            if state is None:
                unknown.append(req.id)
            elif state == "input":
                needs.append(req.id)
            elif state is False:
                unmet.append(req.id)
        out.append(Verdict(receiver, tuple(unmet), tuple(unknown), tuple(needs)))
    return tuple(out)


def reply(table: Table, receiver: str, requirement: str) -> str:
    for req in table.requirements:
        if req.id == requirement:
            return next((r.reply for r in req.rules if r.receiver == receiver), "")
    return ""
