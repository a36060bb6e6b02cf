"""Shared DKIM facts: which probed selectors hold a usable key, and whether any usable RSA key is
under 1024 bits. The questions are the DKIM check's (``_domainkey.<domain>``, then the built-in
and ``--dkim-selector`` selectors), so the resolver's cache answers them once per run.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import dns.exception
import dns.name

from mailaudit.context import AuditContext
from mailaudit.dkim.record import analyse_key, looks_like_dkim, parse_dkim
from mailaudit.dkim.selectors import selectors
from mailaudit.dnscore.answer import Outcome
from mailaudit.errors import RecordSyntaxError

MIN_RSA = 1024


@dataclass(frozen=True, slots=True)
class DkimKeys:
    complete: bool  # False when a probe failed: then "no key" cannot be told
    usable: tuple[str, ...] = ()  # selectors with a usable key
    weak: bool = False  # a usable RSA key under 1024 bits


async def dkim_keys(ctx: AuditContext) -> DkimKeys:
    return await ctx.fact("dkim.keys", lambda: _collect(ctx))


async def _collect(ctx: AuditContext) -> DkimKeys:
    try:
        base = dns.name.Name((b"_domainkey", *ctx.name.labels))
    except dns.name.NameTooLong:
        return DkimKeys(True)
    parent = await ctx.query(base, "TXT")
    if parent.outcome is Outcome.NXDOMAIN:
        return DkimKeys(True)
    names: list[tuple[str, dns.name.Name]] = []
    for selector in selectors(ctx.options.dkim_selectors):
        try:
            names.append((selector.name, dns.name.from_text(selector.name, origin=base)))
        except (dns.exception.DNSException, UnicodeError, ValueError):
            continue
    answers = await asyncio.gather(*(ctx.query(n, "TXT") for _, n in names))
    complete = parent.ok and all(a.ok for a in answers)
    usable: list[str] = []
    weak = False
    for (label, _), answer in zip(names, answers, strict=True):
        for text in answer.texts():
            if not looks_like_dkim(text):
                continue
            try:
                info = analyse_key(parse_dkim(text))
            except RecordSyntaxError:
                continue
            if info.usable:
                usable.append(label)
                weak = weak or (info.kind == "rsa" and 0 < info.bits < MIN_RSA)
    return DkimKeys(complete, tuple(dict.fromkeys(usable)), weak)
