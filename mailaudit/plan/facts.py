"""Typed facts the runbook builder starts from: what the domain publishes now, as read from DNS
(or a zone file) by the caller. Frozen; no I/O here.

A fact that could not be read is not an absence: ``error`` is set and the builder says it
could not tell, it never plans as if the record were missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def owner(name: str) -> str:
    """A DNS owner name in the form the plan prints: lower case, one trailing dot (the root: ``.``)."""
    return name.strip().lower().rstrip(".") + "."


@dataclass(frozen=True, slots=True)
class Record:
    """A record to publish or remove: owner (trailing dot), type, presentation value, TTL."""

    name: str
    type: str
    value: str
    ttl: int | None = None


@dataclass(frozen=True, slots=True, order=True)
class MxHost:
    preference: int
    host: str  # owner form (trailing dot)
    alias: str = field(default="", compare=False)  # the CNAME target when the MX name is an alias

    @property
    def names(self) -> frozenset[str]:
        """The host and its alias target, without the trailing dot."""
        return frozenset(n.rstrip(".") for n in (self.host, self.alias) if n)


@dataclass(frozen=True, slots=True)
class MxFacts:
    hosts: tuple[MxHost, ...] = ()
    ttl: int | None = None  # the MX RRset's TTL as served by the authoritative server
    error: str = ""  # could not read the MX records (timeout, SERVFAIL...): plan nothing on them

    @property
    def names(self) -> frozenset[str]:
        return frozenset(h.host for h in self.hosts)


@dataclass(frozen=True, slots=True)
class SpfTerm:
    """One term of the domain's SPF record and the DNS lookups it costs across its whole subtree."""

    text: str
    lookups: int = 0

    @property
    def is_all(self) -> bool:
        return self.text.lstrip("+-~?").lower() == "all"

    @property
    def is_modifier(self) -> bool:
        head = self.text.split(":", 1)[0]
        return "=" in head

    @property
    def mechanism(self) -> str:
        """``include``, ``a``, ``mx``, ``ptr``, ``ip4``... (qualifier and argument stripped)."""
        body = self.text.lstrip("+-~?").lower()
        for sep in (":", "/", "="):
            body = body.split(sep, 1)[0]
        return body

    @property
    def argument(self) -> str:
        body = self.text.lstrip("+-~?")
        return body.split(":", 1)[1].lower().rstrip(".") if ":" in body else ""


@dataclass(frozen=True, slots=True)
class SpfFacts:
    record: str | None = None
    terms: tuple[SpfTerm, ...] = ()  # after v=spf1, in order
    ttl: int | None = None
    error: str = ""  # lookup failed, several records, syntax error...
    failed: bool = False  # the error is a failed lookup (could not tell), not an unusable record

    @property
    def lookups(self) -> int:
        return sum(t.lookups for t in self.terms)

    def includes(self, target: str) -> bool:
        want = target.lower().rstrip(".")
        return any(t.mechanism == "include" and t.argument == want for t in self.terms)


@dataclass(frozen=True, slots=True)
class DmarcFacts:
    record: str | None = None
    found_at: str | None = None
    policy: str | None = None  # none | quarantine | reject, as applies to the domain
    aspf: str = "r"
    adkim: str = "r"
    error: str = ""


@dataclass(frozen=True, slots=True)
class DkimFacts:
    selectors: tuple[str, ...] = ()  # selectors with a usable key
    error: str = ""


@dataclass(frozen=True, slots=True)
class DomainFacts:
    domain: str  # A-label, no trailing dot
    mx: MxFacts = field(default_factory=MxFacts)
    spf: SpfFacts = field(default_factory=SpfFacts)
    dmarc: DmarcFacts = field(default_factory=DmarcFacts)
    dkim: DkimFacts = field(default_factory=DkimFacts)
    include_lookups: tuple[tuple[str, int], ...] = ()  # (include target, lookups of its subtree incl. itself)
    origin_addresses: tuple[str, ...] = ()  # addresses of the current MX hosts (the origin to lock)
    include_failed: bool = False  # a lookup of the relay's include tree failed (could not tell its cost)

    def include_cost(self, target: str) -> int | None:
        want = target.lower().rstrip(".")
        return next((n for t, n in self.include_lookups if t == want), None)
