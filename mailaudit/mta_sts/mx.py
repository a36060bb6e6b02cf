"""MX coverage by policy ``mx`` patterns (RFC 8461 section 4.1).

A pattern is an exact host name or ``*.`` + a domain; the wildcard stands for exactly one
left-most label: ``*.example.net`` covers ``a.example.net``, not ``example.net`` and not
``a.b.example.net`` (Exchange Online's ``tenant.h-v1.mx.microsoft`` under ``*.mx.microsoft``).
Comparison ignores case and a trailing dot.
"""

from __future__ import annotations

from collections.abc import Iterable


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


def matches(pattern: str, host: str) -> bool:
    """Whether ``pattern`` covers MX ``host``."""
    pattern, host = _norm(pattern), _norm(host)
    if pattern.startswith("*."):
        label, dot, parent = host.partition(".")
        return bool(label) and bool(dot) and parent == pattern[2:]
    return pattern == host


def uncovered(patterns: Iterable[str], hosts: Iterable[str]) -> list[str]:
    """The MX hosts no pattern covers, in the order given."""
    pats = list(patterns)
    return [h for h in hosts if not any(matches(p, h) for p in pats)]


def unused(patterns: Iterable[str], hosts: Iterable[str]) -> list[str]:
    """Patterns that cover none of the current MX hosts (stale after a migration)."""
    names = list(hosts)
    return [p for p in patterns if not any(matches(p, h) for h in names)]
