"""Shared DNSSEC facts: the validation status of a domain's mail records, its MX hosts'
addresses and their TLSA records, validated from the trust anchors (the built-in root
anchors or ``--trust-anchor``) over ``Resolver.query_signed``.

The validator is made once per run (``ctx.shared``), so zones common to many domains (the
root, a TLD, a hosting provider's zone) are validated once per batch. The dnssec and dane
checks read these facts.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import dns.name
import dns.rdatatype

from mailaudit.context import AuditContext
from mailaudit.dane.tlsa import tlsa_name
from mailaudit.dnssec.anchors import TrustAnchors, load_anchors, root_anchors
from mailaudit.dnssec.model import Verdict
from mailaudit.dnssec.validator import Validator
from mailaudit.facts.mx import MxHost, mx_facts, mx_names


@dataclass(frozen=True, slots=True)
class HostDnssec:
    """One MX host: its address RRset's verdict and its TLSA RRset's (``_25._tcp.<host>``)."""

    host: str
    address: Verdict
    tlsa: Verdict


@dataclass(frozen=True, slots=True)
class DnssecFacts:
    mx: Verdict  # the domain's MX RRset (or its proven absence): the contract's dnssec.status
    hosts: tuple[HostDnssec, ...] = ()


def not_verifiable(ctx: AuditContext) -> bool:
    """True when the domain's answers come from --zone files or --offline: no signatures to check."""
    resolver = ctx.resolver
    return resolver.offline or bool(resolver.zones and resolver.zones.covers(ctx.name))


async def validator(ctx: AuditContext) -> Validator:
    """The run's validator (a bad --trust-anchor file raises TrustAnchorError, an InputError)."""

    async def make() -> Validator:
        anchors: TrustAnchors = load_anchors(ctx.options.trust_anchor) if ctx.options.trust_anchor else root_anchors()
        return Validator(ctx.resolver.query_signed, anchors)

    return await ctx.shared(("dnssec", "validator"), make)


async def dnssec_facts(ctx: AuditContext) -> DnssecFacts:
    return await ctx.fact("dnssec", lambda: _collect(ctx))


async def _collect(ctx: AuditContext) -> DnssecFacts:
    """The MX RRset and every MX host validated at once: a host's chain does not wait for the
    MX RRset's, its TLSA RRset not for its addresses (only which address type to validate does)."""
    checker = await validator(ctx)
    mx, hosts = await asyncio.gather(checker.validate(ctx.name, dns.rdatatype.MX), _hosts(ctx, checker))
    return DnssecFacts(mx, hosts)


async def _hosts(ctx: AuditContext, checker: Validator) -> tuple[HostDnssec, ...]:
    names = await mx_names(ctx)
    tlsa = asyncio.gather(*(
        checker.validate(tlsa_name(name), dns.rdatatype.TLSA, records=True) for _, name in names.hosts
    ))
    addresses, verdicts = await asyncio.gather(_addresses(ctx, checker), tlsa)
    hosts = (await mx_facts(ctx)).hosts
    return tuple(HostDnssec(h.text, a, t) for h, a, t in zip(hosts, addresses, verdicts, strict=True))


async def _addresses(ctx: AuditContext, checker: Validator) -> list[Verdict]:
    """Each host's address RRset (AAAA when it has IPv6 addresses only), once they are known."""
    facts = await mx_facts(ctx)
    return await asyncio.gather(*(_address(checker, host) for host in facts.hosts))


async def _address(checker: Validator, host: MxHost) -> Verdict:
    rdtype = dns.rdatatype.AAAA if host.addresses and all(":" in a for a in host.addresses) else dns.rdatatype.A
    return await checker.validate(host.name, rdtype)
