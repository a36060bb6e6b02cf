"""SPF macro expansion (RFC 7208 section 7) for domain-specs and explanation strings.

Pure apart from ``%{p}``, whose value (the validated name of the client address) the caller
supplies as a coroutine function. Expanded domain names longer than 253 characters lose
labels on the left (7.3); expansion works from the right so a hostile record whose macros
would expand to megabytes never builds them.
"""

from __future__ import annotations

import ipaddress
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from mailaudit.spf.record import Macro, MacroString

MAX_NAME = 253
MAX_EXPLANATION = 1024

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class MacroContext:
    ip: IPAddress
    sender: str  # the full <sender>: local-part@domain
    domain: str  # <domain>: the domain whose record is being evaluated
    helo: str
    receiver: str = "unknown"
    validated_name: Callable[[str], Awaitable[str]] | None = field(default=None, compare=False)

    @property
    def local_part(self) -> str:
        local, at, _ = self.sender.rpartition("@")
        return local if at and local else "postmaster"

    @property
    def sender_domain(self) -> str:
        return self.sender.rpartition("@")[2]


def ip_dotted(ip: IPAddress) -> str:
    """%{i}: dotted quad for IPv4, 32 dot-separated nibbles for IPv6."""
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ip)
    return ".".join(ip.packed.hex().upper())


async def _value(macro: Macro, ctx: MacroContext) -> str:
    letter = macro.letter
    if letter == "p":
        return await ctx.validated_name(ctx.domain) if ctx.validated_name else "unknown"
    simple = {
        "s": ctx.sender,
        "l": ctx.local_part,
        "o": ctx.sender_domain,
        "d": ctx.domain,
        "h": ctx.helo,
        "r": ctx.receiver,
        "v": "in-addr" if isinstance(ctx.ip, ipaddress.IPv4Address) else "ip6",
        "c": str(ctx.ip),
        "t": str(int(time.time())),
    }
    return ip_dotted(ctx.ip) if letter == "i" else simple[letter]


def transform(macro: Macro, value: str) -> str:
    """Split on the delimiters, reverse, keep the right-most N parts, join with dots."""
    parts = [value]
    for delimiter in macro.delimiters or ".":
        parts = [piece for part in parts for piece in part.split(delimiter)]
    if macro.reverse:
        parts.reverse()
    if macro.digits is not None:
        parts = parts[-macro.digits:]
    joined = ".".join(parts)
    return _url_escape(joined) if macro.escape else joined


def _url_escape(text: str) -> str:
    """RFC 3986 escaping of the UTF-8 bytes; undecodable input (argv, surrogate escapes) keeps its bytes."""
    try:
        raw = text.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:  # a surrogate no decoder made: nothing to keep
        raw = text.encode("utf-8", errors="replace")
    return urllib.parse.quote(raw, safe="~")


async def expand_piece(piece: str | Macro, ctx: MacroContext) -> str:
    return piece if isinstance(piece, str) else transform(piece, await _value(piece, ctx))


async def expand_domain(spec: MacroString, ctx: MacroContext) -> str:
    """The target name of a domain-spec: expanded, trailing dot dropped, left-truncated."""
    collected: list[str] = []
    size = 0
    for piece in reversed(spec.pieces):
        text = await expand_piece(piece, ctx)
        collected.append(text)
        size += len(text)
        if size > 4 * MAX_NAME:  # the left part would be cut off anyway
            break
    name = "".join(reversed(collected))
    return truncate_name(name.removesuffix("."))


def truncate_name(name: str) -> str:
    """Remove labels on the left until the name has at most 253 characters (RFC 7208 7.3)."""
    while len(name) > MAX_NAME:
        _, dot, rest = name.partition(".")
        if not dot:
            return name[-MAX_NAME:]
        name = rest
    return name


async def expand_explanation(spec: MacroString, ctx: MacroContext) -> str:
    """An explain-string expanded (c, r and t allowed), capped at 1024 characters."""
    out: list[str] = []
    size = 0
    for piece in spec.pieces:
        text = await expand_piece(piece, ctx)
        out.append(text)
        size += len(text)
        if size >= MAX_EXPLANATION:
            break
    return "".join(out)[:MAX_EXPLANATION]
