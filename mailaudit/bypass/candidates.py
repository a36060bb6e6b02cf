"""Origin candidates: hosts of the domain that might take its mail without the filter. DNS only.

Pure: the check gathers the signals (MX, SPF terms, a baseline run's MX, Microsoft 365 hints)
and resolves the names this module proposes; nothing here does I/O.

Candidates, in the order they are listed:

1. MX records that do not point at the filter (a lower-priority backup MX is the classic path);
2. MX hosts seen in a ``--baseline`` run but gone now (spammers keep old MX records for weeks);
3. the Microsoft 365 tenant endpoint ``<domain with dashes>.mail.protection.outlook.com`` when the
   domain shows signs of Microsoft 365 and the filter is not Microsoft; Google's
   ``aspmx.l.google.com`` when it shows signs of Google Workspace and the filter is not Google
   (shared by every Workspace domain: only the per-domain RCPT makes it meaningful);
4. the apex and the conventional names ``mail.``, ``smtp.``, ``mx.``, ``webmail.``, ``cpanel.``;
5. SPF ``a``/``a:host`` hosts and single-address ``ip4:``/``ip6:`` terms (``/32``, ``/128``).

Names and addresses that belong to the filter are dropped; each name or address appears once.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from .providers import Provider

CONVENTIONAL = ("mail", "smtp", "mx", "webmail", "cpanel")
M365_SPF_INCLUDE = "spf.protection.outlook.com"
M365_TENANT_SUFFIX = "mail.protection.outlook.com"
GOOGLE_SPF_INCLUDE = "_spf.google.com"
GOOGLE_MX = "aspmx.l.google.com"


class Reason(enum.Enum):
    OTHER_MX = "other_mx"
    BASELINE_MX = "baseline_mx"
    M365_TENANT = "m365_tenant"
    GOOGLE_WORKSPACE = "google_workspace"
    APEX = "apex"
    CONVENTIONAL = "conventional"
    SPF_A = "spf_a"
    SPF_IP = "spf_ip"


@dataclass(frozen=True, slots=True)
class Candidate:
    reason: Reason
    host: str | None  # a name to resolve (A/AAAA), or None for an SPF address literal
    address: str | None = None  # set for SPF ip4/ip6 single addresses


@dataclass(frozen=True, slots=True)
class Signals:
    """What DNS says about the domain, as plain text (A-label names, no trailing dots)."""

    domain: str
    mx: tuple[tuple[int, str], ...] = ()
    baseline_mx: tuple[str, ...] = ()
    spf_a_hosts: tuple[str, ...] = ()  # targets of `a` / `a:host` terms (`a` alone: the domain)
    spf_ip_terms: tuple[str, ...] = ()  # the values of ip4:/ip6: terms, with any /prefix
    spf_includes: tuple[str, ...] = ()
    txt: tuple[str, ...] = ()  # the domain's TXT strings (for MS=ms... verification)


def tenant_endpoint(domain: str) -> str:
    """The standard Exchange Online MX name of a domain: dots become dashes.
    (Microsoft may shorten or alter the name for some domains; a name that does not resolve is
    simply not probed.)"""
    return domain.lower().rstrip(".").replace(".", "-") + "." + M365_TENANT_SUFFIX


def shows_m365(signals: Signals) -> bool:
    """SPF includes Exchange Online, an MS=ms verification TXT, or an MX at EOP."""
    if any(_norm(i) == M365_SPF_INCLUDE for i in signals.spf_includes):
        return True
    if any(t.strip().lower().startswith("ms=ms") for t in signals.txt):
        return True
    return any(_norm(host).endswith("." + M365_TENANT_SUFFIX) for _, host in signals.mx)


def shows_google(signals: Signals) -> bool:
    """SPF includes Google, or a google-site-verification TXT."""
    if any(_norm(i) == GOOGLE_SPF_INCLUDE for i in signals.spf_includes):
        return True
    return any(t.strip().lower().startswith("google-site-verification=") for t in signals.txt)


def single_address(term: str) -> str | None:
    """``192.0.2.7`` or ``192.0.2.7/32`` -> ``192.0.2.7``; a wider range -> None."""
    text, _, prefix = term.strip().partition("/")
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if prefix and prefix != str(ip.max_prefixlen):
        return None
    return str(ip)


def candidates(signals: Signals, filter_service: Provider) -> list[Candidate]:
    """Every origin candidate, in the documented order, without the filter's own hosts."""
    domain = _norm(signals.domain)
    found: list[Candidate] = []
    for _, host in sorted(signals.mx):
        found.append(Candidate(Reason.OTHER_MX, _norm(host)))
    current = {_norm(h) for _, h in signals.mx}
    found.extend(Candidate(Reason.BASELINE_MX, _norm(h)) for h in signals.baseline_mx if _norm(h) not in current)
    if filter_service.key != "microsoft" and shows_m365(signals):
        found.append(Candidate(Reason.M365_TENANT, tenant_endpoint(domain)))
    if filter_service.key != "google" and shows_google(signals):
        found.append(Candidate(Reason.GOOGLE_WORKSPACE, GOOGLE_MX))
    found.append(Candidate(Reason.APEX, domain))
    found.extend(Candidate(Reason.CONVENTIONAL, f"{label}.{domain}") for label in CONVENTIONAL)
    found.extend(Candidate(Reason.SPF_A, _norm(h)) for h in signals.spf_a_hosts)
    for term in signals.spf_ip_terms:
        address = single_address(term)
        if address is not None:
            found.append(Candidate(Reason.SPF_IP, None, address))
    return _unique(c for c in found if c.host is None or not filter_service.owns(c.host))


def _unique(items: Iterable[Candidate]) -> list[Candidate]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = item.host or item.address or ""
        if key and key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _norm(name: str) -> str:
    return name.strip().lower().rstrip(".")
