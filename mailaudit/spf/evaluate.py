"""The RFC 7208 ``check_host()`` function: is this IP address allowed to send for this domain?

    from mailaudit.dns import Resolver
    from mailaudit.spf import check_host
    outcome = check_host("192.0.2.1", "example.com", "user@example.com", "mail.example.com",
                         resolver=Resolver())
    outcome.result         # SpfResult.PASS ... (a StrEnum: compares equal to "pass")
    outcome.explanation    # the expanded exp= text when the result is fail, else None

Processing limits are those of RFC 7208 4.6.4: at most 10 terms that query DNS (include, a,
mx, ptr, exists, redirect) per check, at most 2 void lookups, at most 10 MX names per ``mx``
(more is a permerror) and 10 PTR names per ``ptr``/``%{p}`` (the rest are ignored), and an
overall time limit of 20 seconds (then temperror).
"""

from __future__ import annotations

import asyncio
import enum
import ipaddress
from dataclasses import dataclass
from types import MappingProxyType

import dns.exception
import dns.name
import idna

from mailaudit.addresses import reverse_name
from mailaudit.dnscore.answer import Answer, Outcome
from mailaudit.dnscore.resolver import Resolver, run_sync
from mailaudit.errors import InputError
from mailaudit.spf.macro import IPAddress, MacroContext, expand_domain, expand_explanation
from mailaudit.spf.record import (
    MacroString,
    Mechanism,
    Qualifier,
    SpfRecord,
    SpfSyntaxError,
    is_spf_record,
    parse_macro_string,
    parse_record,
)

MAX_LOOKUPS = 10
MAX_VOIDS = 2
MAX_NAMES = 10  # MX names per mx, PTR names per ptr / %{p}
TIME_LIMIT = 20.0


class SpfResult(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    SOFTFAIL = "softfail"
    NEUTRAL = "neutral"
    NONE = "none"
    PERMERROR = "permerror"
    TEMPERROR = "temperror"


RESULT_OF = MappingProxyType({
    Qualifier.PASS: SpfResult.PASS,
    Qualifier.FAIL: SpfResult.FAIL,
    Qualifier.SOFTFAIL: SpfResult.SOFTFAIL,
    Qualifier.NEUTRAL: SpfResult.NEUTRAL,
})


@dataclass(frozen=True, slots=True)
class SpfOutcome:
    result: SpfResult
    explanation: str | None = None  # the expanded exp= text (fail only), else None
    domain: str = ""  # the domain whose record decided
    mechanism: str | None = None  # the term that matched, if any
    reason: str = ""  # why: for none, permerror and temperror
    lookups: int = 0  # DNS-querying terms evaluated
    voids: int = 0  # void lookups met


class SpfError(Exception):
    """Ends the evaluation with a permerror or temperror."""

    def __init__(self, result: SpfResult, reason: str) -> None:
        super().__init__(reason)
        self.result = result
        self.reason = reason


def client_address(ip: str | IPAddress) -> IPAddress:
    """The address SPF evaluates: IPv4-mapped IPv6 addresses are IPv4 (RFC 7208 5).

    Raises ``InputError`` (a ``ValueError``) when ``ip`` is not an address."""
    try:
        address = ipaddress.ip_address(ip.strip().strip("[]")) if isinstance(ip, str) else ip
    except ValueError:
        raise InputError(f"{ip!r} is not an IPv4 or IPv6 address") from None
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id is not None:
        address = ipaddress.IPv6Address(address.packed)  # a zone index (fe80::1%eth0) is local only
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def valid_domain(domain: str) -> bool:
    """A multi-label domain name that DNS can carry (RFC 7208 4.3)."""
    text = domain.removesuffix(".")
    labels = text.split(".")
    return len(labels) >= 2 and len(text) <= 253 and all(0 < len(label) <= 63 for label in labels)


def a_label(domain: str) -> str:
    """A Unicode (IDN) domain in A-label form; unchanged when ASCII or not convertible."""
    if domain.isascii():
        return domain
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return domain


def to_name(text: str) -> dns.name.Name | None:
    """A DNS name from SPF text, label by label (no escape processing); None if impossible."""
    text = text.removesuffix(".")
    if not text:
        return None
    try:
        return dns.name.Name([label.encode("utf-8") for label in text.split(".")] + [b""])
    except (dns.exception.DNSException, UnicodeError):
        return None


def same_or_under(name: str, domain: str) -> bool:
    name, domain = name.lower().rstrip("."), domain.lower().rstrip(".")
    return name == domain or name.endswith("." + domain)


async def check_host_async(
    ip: str | IPAddress,
    domain: str,
    sender: str,
    helo: str,
    *,
    resolver: Resolver,
    receiver: str = "unknown",
) -> SpfOutcome:
    """RFC 7208 check_host(): the SPF result for ``ip`` sending as ``sender`` for ``domain``."""
    address = client_address(ip)
    sender = sender or f"postmaster@{helo}"
    domain = a_label(domain.strip().removesuffix("."))
    if domain.startswith("[") or not valid_domain(domain):
        return SpfOutcome(SpfResult.NONE, domain=domain, reason=f"{domain!r} is not a valid domain name")
    evaluation = Evaluation(address, sender, helo, resolver, receiver)
    try:
        async with asyncio.timeout(TIME_LIMIT):
            outcome = await evaluation.check(domain, explain=True)
    except SpfError as err:
        outcome = SpfOutcome(err.result, domain=domain, reason=err.reason)
    except TimeoutError:
        outcome = SpfOutcome(SpfResult.TEMPERROR, domain=domain, reason="the evaluation took over 20 s")
    return SpfOutcome(
        outcome.result, outcome.explanation, outcome.domain, outcome.mechanism, outcome.reason,
        evaluation.lookups, evaluation.voids,
    )


def check_host(
    ip: str | IPAddress,
    domain: str,
    sender: str,
    helo: str,
    *,
    resolver: Resolver,
    receiver: str = "unknown",
) -> SpfOutcome:
    """Synchronous ``check_host_async``."""
    return run_sync(lambda: check_host_async(ip, domain, sender, helo, resolver=resolver, receiver=receiver))


async def fetch_record(resolver: Resolver, domain: str) -> tuple[Answer, list[str]]:
    """The TXT answer at ``domain`` and the SPF records among its strings (joined, decoded)."""
    name = to_name(domain)
    if name is None:
        raise SpfError(SpfResult.PERMERROR, f"{domain!r} is not a valid domain name")
    answer = await resolver.query(name, "TXT")
    if answer.outcome is Outcome.ERROR:
        raise SpfError(SpfResult.TEMPERROR, answer.describe())
    texts = [raw.decode("utf-8", errors="replace") for raw in answer.txt()]
    return answer, [t for t in texts if is_spf_record(t)]


class Evaluation:
    """One check_host() run: the client, the counters and the lookups it makes."""

    def __init__(self, ip: IPAddress, sender: str, helo: str, resolver: Resolver, receiver: str) -> None:
        self.ip = ip
        self.sender = sender
        self.helo = helo
        self.resolver = resolver
        self.receiver = receiver
        self.lookups = 0
        self.voids = 0
        self._validated: list[str] | None = None

    @property
    def rdtype(self) -> str:
        return "A" if self.ip.version == 4 else "AAAA"

    async def record(self, domain: str) -> SpfRecord | None:
        _, records = await fetch_record(self.resolver, domain)
        if not records:
            return None
        if len(records) > 1:
            raise SpfError(SpfResult.PERMERROR, f"{domain} publishes {len(records)} SPF records")
        try:
            return parse_record(records[0])
        except SpfSyntaxError as err:
            raise SpfError(SpfResult.PERMERROR, f"{domain}: {err}") from None

    async def check(self, domain: str, *, explain: bool) -> SpfOutcome:
        record = await self.record(domain)
        if record is None:
            return SpfOutcome(SpfResult.NONE, domain=domain, reason=f"{domain} has no SPF record")
        ctx = self.context(domain)
        for mechanism in record.mechanisms:
            if mechanism.queries_dns:
                self.count_lookup(mechanism.text)
            if await self.matches(mechanism, domain, ctx):
                result = RESULT_OF[mechanism.qualifier]
                text = await self.explain(record, ctx) if explain and result is SpfResult.FAIL else None
                return SpfOutcome(result, text, domain, mechanism.text)
        redirect = record.redirect
        if redirect is None:
            return SpfOutcome(SpfResult.NEUTRAL, domain=domain, reason="no mechanism matched")
        self.count_lookup(redirect.text)
        target = await self.target(redirect.value, ctx)
        if target is None or not valid_domain(target):
            raise SpfError(SpfResult.PERMERROR, f"{redirect.text}: the target is not a valid domain name")
        outcome = await self.check(target, explain=explain)
        if outcome.result is SpfResult.NONE:
            raise SpfError(SpfResult.PERMERROR, f"{redirect.text}: {target} has no SPF record")
        return outcome

    def context(self, domain: str) -> MacroContext:
        return MacroContext(self.ip, self.sender, domain, self.helo, self.receiver, self.validated_name)

    def count_lookup(self, term: str) -> None:
        self.lookups += 1
        if self.lookups > MAX_LOOKUPS:
            raise SpfError(SpfResult.PERMERROR, f"more than {MAX_LOOKUPS} DNS-querying terms (at {term})")

    def count_void(self, term: str) -> None:
        self.voids += 1
        if self.voids > MAX_VOIDS:
            raise SpfError(SpfResult.PERMERROR, f"more than {MAX_VOIDS} void lookups (at {term})")

    async def target(self, spec: MacroString | None, ctx: MacroContext) -> str | None:
        if spec is None:
            return ctx.domain
        name = await expand_domain(spec, ctx)
        return name if to_name(name) is not None else None

    async def query(self, name: str, rdtype: str) -> Answer:
        qname = to_name(name)
        assert qname is not None
        return await self.resolver.query(qname, rdtype)

    async def matches(self, mechanism: Mechanism, domain: str, ctx: MacroContext) -> bool:
        kind = mechanism.kind
        if kind == "all":
            return True
        if kind in ("ip4", "ip6"):
            return mechanism.network is not None and self.ip in mechanism.network
        target = await self.target(mechanism.domain, ctx)
        if kind == "include":
            return await self.include(mechanism, target)
        if target is None:  # a name DNS cannot carry: treated as non-existent
            return False
        if kind == "a":
            return await self.a(mechanism, target)
        if kind == "mx":
            return await self.mx(mechanism, target)
        if kind == "ptr":
            names = await self.ptr_names(mechanism.text)
            return any(same_or_under(n, target) for n in names)
        return await self.exists(mechanism, target)

    async def include(self, mechanism: Mechanism, target: str | None) -> bool:
        if target is None or not valid_domain(target):
            raise SpfError(SpfResult.PERMERROR, f"{mechanism.text}: the target is not a valid domain name")
        outcome = await self.check(target, explain=False)
        if outcome.result is SpfResult.NONE:
            raise SpfError(SpfResult.PERMERROR, f"{mechanism.text}: {target} has no SPF record")
        return outcome.result is SpfResult.PASS

    def answered(self, answer: Answer, term: str) -> bool:
        """False for a void answer (counted); raises temperror for a failed one."""
        if answer.outcome is Outcome.ERROR:
            raise SpfError(SpfResult.TEMPERROR, f"{term}: {answer.describe()}")
        if answer.outcome is not Outcome.ANSWER or not answer.rdatas:
            self.count_void(term)
            return False
        return True

    def in_networks(self, addresses: list[str], mechanism: Mechanism) -> bool:
        if self.ip.version == 4:
            length = 32 if mechanism.cidr4 is None else mechanism.cidr4
        else:
            length = 128 if mechanism.cidr6 is None else mechanism.cidr6
        return any(self.ip in ipaddress.ip_network(f"{a}/{length}", strict=False) for a in addresses)

    async def a(self, mechanism: Mechanism, target: str) -> bool:
        answer = await self.query(target, self.rdtype)
        return self.answered(answer, mechanism.text) and self.in_networks(answer.addresses(), mechanism)

    async def mx(self, mechanism: Mechanism, target: str) -> bool:
        answer = await self.query(target, "MX")
        if not self.answered(answer, mechanism.text):
            return False
        if len(answer.rdatas) > MAX_NAMES:
            raise SpfError(SpfResult.PERMERROR, f"{mechanism.text}: {target} has more than {MAX_NAMES} MX records")
        hosts = [rd.exchange for rd in answer.rdatas if rd.exchange != dns.name.root]  # type: ignore[attr-defined]
        answers = await asyncio.gather(*(self.resolver.query(h, self.rdtype) for h in hosts))
        if any(self.in_networks(a.addresses(), mechanism) for a in answers):
            return True
        failed = next((a for a in answers if a.outcome is Outcome.ERROR), None)
        if failed is not None:
            raise SpfError(SpfResult.TEMPERROR, f"{mechanism.text}: {failed.describe()}")
        return False

    async def exists(self, mechanism: Mechanism, target: str) -> bool:
        return self.answered(await self.query(target, "A"), mechanism.text)

    async def ptr_names(self, term: str | None) -> list[str]:
        """Validated names of the client (PTR names whose A/AAAA include it), first 10 PTRs.

        ``term`` set: the ``ptr`` mechanism (a void PTR answer is counted); None: ``%{p}``."""
        answer = await self.resolver.query(reverse_name(self.ip), "PTR")
        if answer.outcome is not Outcome.ANSWER or not answer.rdatas:
            if term is not None and answer.outcome is not Outcome.ERROR:
                self.count_void(term)
            return []
        names = [rd.target for rd in answer.rdatas[:MAX_NAMES]]  # type: ignore[attr-defined]
        forwards = await asyncio.gather(*(self.resolver.query(n, self.rdtype) for n in names))
        mine = str(self.ip)
        return [
            n.to_text(omit_final_dot=True)
            for n, f in zip(names, forwards, strict=True)
            if any(str(ipaddress.ip_address(a)) == mine for a in f.addresses())
        ]

    async def validated_name(self, domain: str) -> str:
        """%{p}: a validated name of the client, preferring one under ``domain``."""
        if self._validated is None:
            self._validated = await self.ptr_names(None)
        names = self._validated
        return next((n for n in names if same_or_under(n, domain)), names[0] if names else "unknown")

    async def explain(self, record: SpfRecord, ctx: MacroContext) -> str | None:
        """The exp= text, expanded; None when there is none or it cannot be used (6.2)."""
        if record.exp is None:
            return None
        target = await self.target(record.exp.value, ctx)
        if target is None:
            return None
        answer = await self.query(target, "TXT")
        if answer.outcome is not Outcome.ANSWER or len(answer.rdatas) != 1:
            return None
        raw = answer.txt()[0]
        if not raw.isascii():
            return None
        try:
            spec = parse_macro_string(raw.decode("ascii"), explanation=True)
        except SpfSyntaxError:
            return None
        return await expand_explanation(spec, ctx)
