"""DMARC identifier alignment (RFC 7489 section 3.1) with organizational domains from the PSL.

The Public Suffix List comes from the maintained ``publicsuffixlist`` package (its bundled copy;
no download at run time).
"""

from __future__ import annotations

import functools

from publicsuffixlist import PublicSuffixList


@functools.cache
def _psl() -> PublicSuffixList:
    """The bundled list, loaded once per process: a lazily built constant, never modified."""
    return PublicSuffixList()


def org_domain(domain: str) -> str:
    """The organizational domain: one label below the public suffix (the name itself if no suffix)."""
    name = domain.lower().strip().rstrip(".")
    if not name:
        return ""
    found = _psl().privatesuffix(name)
    return str(found) if found else name


def aligned(from_domain: str, other: str, strict: bool = False) -> bool:
    """Whether ``other`` (the SPF MAIL FROM or the DKIM ``d=``) aligns with the From domain."""
    a, b = from_domain.lower().rstrip("."), other.lower().rstrip(".")
    if not a or not b:
        return False
    if strict:
        return a == b
    return org_domain(a) == org_domain(b)


def same_site(host: str, name: str) -> bool:
    """Two host names under one organizational domain (e.g. two relays of one receiver)."""
    return bool(host) and bool(name) and org_domain(host) == org_domain(name)
