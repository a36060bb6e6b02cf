"""DNS blocklist answers, pure: query names, return-code decoding and classification.

A listing is only ever an answer the list documents as one. Error codes (Spamhaus
127.255.255.x, DBL 127.0.1.255, URIBL/SURBL 127.0.0.1) and anything the list does not
document (including addresses outside 127.0.0.0/8 from resolvers that rewrite NXDOMAIN)
are refusals: the question was not answered, so nothing is known.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import dns.exception
import dns.name

from mailaudit.dnsbl.lists import Blocklist, Code, Kind
from mailaudit.model import Severity

_LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
_GENERIC_LISTED = ipaddress.IPv4Network("127.0.0.0/24")
_KEPT = 32  # answers kept per lookup for display


class Verdict(enum.StrEnum):
    LISTED = "listed"
    CLEAN = "clean"  # NXDOMAIN / NODATA: not on the list
    REFUSED = "refused"  # an error code or an undocumented answer: not a listing


@dataclass(frozen=True, slots=True)
class Classified:
    verdict: Verdict
    codes: tuple[str, ...] = ()  # the A records the list answered, sorted
    meanings: tuple[Code, ...] = ()  # for LISTED: what each code (or bit) means
    reason: str = ""  # for REFUSED: why this is not a listing
    unknown: tuple[str, ...] = ()  # answers the list does not document

    @property
    def severity(self) -> Severity:
        return max((c.severity for c in self.meanings), key=lambda s: s.rank, default=Severity.HIGH)

    def describe(self, translated: Mapping[str, str] | None = None) -> str:
        """'XBL: exploited host ...; PBL: ...' for listings; ``translated`` maps the English
        meanings to the report's language (the ``_words.dnsbl_codes`` catalogue table)."""
        words = translated or {}
        seen: dict[str, None] = {}
        for code in self.meanings:
            seen.setdefault(f"{code.label}: {words.get(code.meaning, code.meaning)}")
        return "; ".join(seen)


# -- query names -------------------------------------------------------------------------------


def ip_query_name(address: str, zone: str) -> dns.name.Name | None:
    """``4.3.2.1.zone`` for IPv4, 32 reversed nibbles for IPv6; None when not an address."""
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]").partition("%")[0])  # no zone index
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        labels = list(reversed(str(ip).split(".")))
    else:
        labels = list(reversed(ip.exploded.replace(":", "")))
    return _join(labels, zone)


def domain_query_name(domain: str, zone: str) -> dns.name.Name | None:
    """``example.com.zone``; None when the result would not be a valid name (too long...)."""
    text = domain.strip().rstrip(".").lower()
    if not text:
        return None
    return _join(text.split("."), zone)


def query_name(bl: Blocklist, target: str, zone: str | None = None) -> dns.name.Name | None:
    """The name to ask ``bl`` (or ``zone``, e.g. its DQS variant) about ``target``."""
    where = zone or bl.zone
    if bl.kind is Kind.IP:
        return ip_query_name(target, where)
    return domain_query_name(target, where)


def probe_names(bl: Blocklist, zone: str | None = None) -> tuple[dns.name.Name, dns.name.Name]:
    """RFC 5782 section 5 probes: (must be listed, must not be listed)."""
    listed = query_name(bl, bl.listed_probe, zone)
    clean = query_name(bl, bl.clean_probe, zone)
    if listed is None or clean is None:
        raise ValueError(f"no probe names for {bl.zone}")
    return listed, clean


def _join(labels: Sequence[str], zone: str) -> dns.name.Name | None:
    try:
        if any(not label for label in labels):
            return None
        origin = dns.name.from_text(zone)
        return dns.name.Name([label.encode("ascii") for label in labels] + list(origin.labels))
    except (dns.exception.DNSException, UnicodeError, ValueError):
        return None


# -- classification ----------------------------------------------------------------------------


def classify(bl: Blocklist, answers: Iterable[str]) -> Classified:
    """What the A records a list answered mean. No answers: not listed.

    Every answer is judged; at most ``_KEPT`` of them are kept for display (hostile lists).
    """
    codes = tuple(sorted(set(answers), key=_sort_key))
    if not codes:
        return Classified(Verdict.CLEAN)
    kept = codes[:_KEPT]
    for code in codes:
        reason = refusal_reason(bl, code)
        if reason is not None:
            return Classified(Verdict.REFUSED, kept, reason=reason)
    meanings: dict[Code, None] = {}
    unknown: list[str] = []
    for code in codes:
        found = decode(bl, code)
        meanings.update(dict.fromkeys(found))
        if not found:
            unknown.append(code)
    if unknown:
        reason = f"answer {codes_text(unknown)} is not a code {bl.name} documents: not treated as a listing"
        return Classified(Verdict.REFUSED, kept, reason=reason, unknown=tuple(unknown[:_KEPT]))
    return Classified(Verdict.LISTED, kept, tuple(meanings))


def codes_text(codes: Sequence[str], limit: int = 8) -> str:
    """'127.0.0.2, 127.0.0.4' with at most ``limit`` codes shown."""
    shown = ", ".join(codes[:limit])
    return shown + (f" (+{len(codes) - limit} more)" if len(codes) > limit else "")


def refusal_reason(bl: Blocklist, code: str) -> str | None:
    """The list's reason when ``code`` is one of its error codes (most specific first)."""
    ip = _ipv4(code)
    if ip is None:
        return None
    matches = [(ipaddress.IPv4Network(r.network), r.reason) for r in bl.refusals]
    matches = [(net, reason) for net, reason in matches if ip in net]
    if not matches:
        return None
    return max(matches, key=lambda m: m[0].prefixlen)[1]


def decode(bl: Blocklist, code: str) -> tuple[Code, ...]:
    """The meanings of one answer: one code, the set bits of a bitmask list, or () if unknown."""
    ip = _ipv4(code)
    if ip is None or ip not in _LOOPBACK:
        return ()
    if bl.generic:
        if ip in _GENERIC_LISTED and int(ip) & 0xFF >= 2:
            return (Code(str(ip), "listed", f"listed (code {ip})"),)
        return ()
    if bl.bitmask:
        return _bits(bl, int(ip) & 0xFF)
    return tuple(c for c in bl.codes if c.value == str(ip))


def _bits(bl: Blocklist, octet: int) -> tuple[Code, ...]:
    known = {int(c.value): c for c in bl.codes}
    found: list[Code] = []
    rest = octet
    for bit, code in sorted(known.items()):
        if octet & bit:
            found.append(code)
            rest &= ~bit
    return tuple(found) if found and not rest else ()


def probe_listed(bl: Blocklist, result: Classified) -> bool:
    """Did the positive probe come back listed? A probe may answer with every bit set, so any
    non-error answer inside 127.0.0.0/8 counts (not only documented codes)."""
    if result.verdict is Verdict.LISTED:
        return True
    if result.verdict is not Verdict.REFUSED or not result.unknown:
        return False
    return all((ip := _ipv4(c)) is not None and ip in _LOOPBACK for c in result.unknown)


def _ipv4(code: str) -> ipaddress.IPv4Address | None:
    try:
        return ipaddress.IPv4Address(code)
    except ValueError:
        return None


def _sort_key(code: str) -> tuple[int, str]:
    ip = _ipv4(code)
    return (int(ip) if ip is not None else 1 << 33, code)
