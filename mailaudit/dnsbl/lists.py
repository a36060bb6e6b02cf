"""The built-in DNS blocklist set as typed, frozen data (no I/O, no mutable state).

Each list says what it lists (IP addresses or domains), what every documented answer means,
which answers are refusals (error codes that look like listings but are not), where to ask
for delisting and how to probe its health (RFC 5782 section 5). ``docs/blocklists.md``
documents the same set for people; keep the two in step.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from mailaudit.errors import InputError
from mailaudit.model import Severity


class Kind(enum.StrEnum):
    IP = "ip"  # queried with reversed IPv4 octets / IPv6 nibbles
    DOMAIN = "domain"  # queried with the domain name


@dataclass(frozen=True, slots=True)
class Code:
    """One documented listing answer: an exact A record, or a bit of a bitmask list."""

    value: str  # "127.0.0.4"; for bitmask lists the bit as a number: "8"
    label: str  # short name of the sub-list: "XBL"
    meaning: str  # "exploited host (botnet, malware, open proxy)"
    severity: Severity = Severity.HIGH


@dataclass(frozen=True, slots=True)
class Refusal:
    """Answers in ``network`` are errors from the list, never listings."""

    network: str  # "127.255.255.254/32", "127.255.255.0/24"
    reason: str


@dataclass(frozen=True, slots=True)
class Blocklist:
    zone: str  # public zone: "zen.spamhaus.org"
    name: str  # "Spamhaus ZEN"
    kind: Kind
    codes: tuple[Code, ...]
    refusals: tuple[Refusal, ...] = ()
    delist: str = ""
    bitmask: bool = False  # the last octet is a sum of the ``codes`` bits
    ipv6: bool = False  # answers IPv6 queries (reversed nibbles)
    dqs_zone: str | None = None  # Spamhaus DQS variant: queried as KEY.<dqs_zone>
    probe_listed: str = ""  # RFC 5782 section 5 test entry ("" = the RFC default)
    probe_clean: str = ""  # must not be listed ("" = the RFC default)
    generic: bool = False  # a zone given with --dnsbl that this table does not know

    @property
    def listed_probe(self) -> str:
        return self.probe_listed or ("127.0.0.2" if self.kind is Kind.IP else "test")

    @property
    def clean_probe(self) -> str:
        return self.probe_clean or ("127.0.0.1" if self.kind is Kind.IP else "invalid")


# -- refusal codes, by family ------------------------------------------------------------------

PUBLIC_RESOLVER = "queried through a public resolver: use your own resolver or a Spamhaus DQS key"
_SPAMHAUS_REFUSALS = (
    Refusal("127.255.255.250/32", "the Spamhaus DQS key is disabled or not valid"),
    Refusal("127.255.255.251/32", "the Spamhaus DQS key was rejected (in use by another account)"),
    Refusal("127.255.255.252/32", "typing error in the list's zone name (not a Spamhaus list)"),
    Refusal("127.255.255.254/32", PUBLIC_RESOLVER),
    Refusal("127.255.255.255/32", "excessive number of queries from this resolver: use a Spamhaus DQS key"),
    Refusal("127.255.255.0/24", "Spamhaus error code (127.255.255.0/24 is reserved for errors)"),
)
_URIBL_REFUSAL = Refusal(
    "127.0.0.1/32", "query refused by URIBL (public resolver or volume limit): use your own resolver"
)
_SURBL_REFUSAL = Refusal(
    "127.0.0.1/32", "query blocked by SURBL (public resolver or volume limit): use your own resolver"
)
# what a list this table does not know may answer as an error
GENERIC_REFUSALS = (
    Refusal("127.0.0.1/32", "127.0.0.1 is never a listing (RFC 5782): the list refused the query"),
    Refusal("127.255.255.0/24", "error code (127.255.255.0/24): the list refused the query"),
)

# -- the built-in set --------------------------------------------------------------------------

_SPAMHAUS_DELIST = "https://check.spamhaus.org/"
_UCEPROTECT_DELIST = "https://www.uceprotect.net/en/rblcheck.php"

ZEN = Blocklist(
    zone="zen.spamhaus.org",
    name="Spamhaus ZEN",
    kind=Kind.IP,
    codes=(
        Code("127.0.0.2", "SBL", "Spamhaus Block List, a verified spam source or spam operation"),
        Code("127.0.0.3", "CSS", "snowshoe or low-reputation bulk sending (SBL CSS, listed automatically)"),
        Code("127.0.0.4", "XBL", "exploited host (malware-infected, a botnet node or an open proxy)"),
        Code("127.0.0.5", "XBL", "exploited host (XBL)"),
        Code("127.0.0.6", "XBL", "exploited host (XBL)"),
        Code("127.0.0.7", "XBL", "exploited host (XBL)"),
        Code("127.0.0.30", "BCL", "Botnet Controller List, a botnet command-and-control server"),
        Code("127.0.0.9", "DROP", "Don't Route Or Peer, a hijacked or criminal network (also on the SBL)"),
        Code("127.0.0.10", "PBL", "policy block set by the ISP (the range should not send mail "
             "directly to other servers)"),
        Code("127.0.0.11", "PBL", "policy block set by Spamhaus (end-user space that should not "
             "send mail directly)"),
    ),
    refusals=_SPAMHAUS_REFUSALS,
    delist=_SPAMHAUS_DELIST,
    ipv6=True,
    dqs_zone="zen.dq.spamhaus.net",
)

DBL = Blocklist(
    zone="dbl.spamhaus.org",
    name="Spamhaus DBL",
    kind=Kind.DOMAIN,
    codes=(
        Code("127.0.1.2", "DBL", "spam domain (low reputation)"),
        Code("127.0.1.4", "DBL", "phishing domain"),
        Code("127.0.1.5", "DBL", "malware domain"),
        Code("127.0.1.6", "DBL", "botnet command-and-control domain"),
        Code("127.0.1.102", "DBL", "abused legitimate domain (seen in spam)"),
        Code("127.0.1.103", "DBL", "abused legitimate redirector or URL shortener"),
        Code("127.0.1.104", "DBL", "abused legitimate domain used in phishing"),
        Code("127.0.1.105", "DBL", "abused legitimate domain used by malware"),
        Code("127.0.1.106", "DBL", "abused legitimate domain hosting botnet command-and-control"),
    ),
    refusals=(Refusal("127.0.1.255/32", "the DBL refused the query (an IP address asked of a domain list)"),
              *_SPAMHAUS_REFUSALS),
    delist=_SPAMHAUS_DELIST,
    dqs_zone="dbl.dq.spamhaus.net",
    probe_listed="dbltest.com",  # the DBL's documented test point
)

SPAMCOP = Blocklist(
    zone="bl.spamcop.net",
    name="SpamCop",
    kind=Kind.IP,
    codes=(Code("127.0.0.2", "SCBL", "reported by SpamCop users as a spam source (expires automatically)"),),
    delist="https://www.spamcop.net/bl.shtml",
)

BARRACUDA = Blocklist(
    zone="b.barracudacentral.org",
    name="Barracuda BRBL",
    kind=Kind.IP,
    codes=(Code("127.0.0.2", "BRBL", "Barracuda Reputation Block List, poor sending reputation"),),
    delist="https://www.barracudacentral.org/rbl/removal-request",
)

UCEPROTECT_1 = Blocklist(
    zone="dnsbl-1.uceprotect.net",
    name="UCEPROTECT level 1",
    kind=Kind.IP,
    codes=(Code("127.0.0.2", "UCEPROTECT-1", "this address sent mail to UCEPROTECT spam traps"),),
    delist=_UCEPROTECT_DELIST,
)

UCEPROTECT_2 = Blocklist(
    zone="dnsbl-2.uceprotect.net",
    name="UCEPROTECT level 2",
    kind=Kind.IP,
    codes=(Code("127.0.0.2", "UCEPROTECT-2", "the address's allocation (network range) holds many "
                "level-1 listings", Severity.MEDIUM),),
    delist=_UCEPROTECT_DELIST,
)

UCEPROTECT_3 = Blocklist(
    zone="dnsbl-3.uceprotect.net",
    name="UCEPROTECT level 3",
    kind=Kind.IP,
    codes=(Code("127.0.0.2", "UCEPROTECT-3", "the address's provider (autonomous system) holds many "
                "level-1 listings", Severity.MEDIUM),),
    delist=_UCEPROTECT_DELIST,
)

PSBL = Blocklist(
    zone="psbl.surriel.com",
    name="PSBL",
    kind=Kind.IP,
    codes=(Code("127.0.0.2", "PSBL", "sent mail to PSBL spam traps"),),
    delist="https://psbl.org/",
)

MAILSPIKE = Blocklist(
    zone="bl.mailspike.net",
    name="Mailspike BL",
    kind=Kind.IP,
    codes=(
        Code("127.0.0.2", "ZBI", "seen taking part in a distributed spam wave (zero-hour)"),
        Code("127.0.0.10", "L5", "worst possible reputation"),
        Code("127.0.0.11", "L4", "very bad reputation"),
        Code("127.0.0.12", "L3", "bad reputation", Severity.MEDIUM),
    ),
    delist="https://mailspike.io/ip_verify",
)

SURBL = Blocklist(
    zone="multi.surbl.org",
    name="SURBL multi",
    kind=Kind.DOMAIN,
    codes=(
        Code("8", "PH", "phishing sites"),
        Code("16", "MW", "malware sites"),
        Code("64", "ABUSE", "spam and abuse sites"),
        Code("128", "CR", "cracked (compromised) sites"),
    ),
    refusals=(_SURBL_REFUSAL,),
    delist="https://surbl.org/surbl-analysis",
    bitmask=True,
    probe_listed="test.surbl.org",  # SURBL's documented test point
)

URIBL = Blocklist(
    zone="multi.uribl.com",
    name="URIBL multi",
    kind=Kind.DOMAIN,
    codes=(
        Code("2", "black", "domain used by spammers"),
        Code("4", "grey", "domain seen in bulk mail that may honour opt-out", Severity.MEDIUM),
        Code("8", "red", "new or privacy-protected domain active in mail flow", Severity.MEDIUM),
    ),
    refusals=(_URIBL_REFUSAL,),
    delist="https://admin.uribl.com/",
    bitmask=True,
    probe_listed="test.uribl.com",  # URIBL's documented test point
)

BUILTIN: tuple[Blocklist, ...] = (
    ZEN, DBL, SPAMCOP, BARRACUDA, UCEPROTECT_1, UCEPROTECT_2, UCEPROTECT_3, PSBL, MAILSPIKE, SURBL, URIBL,
)

# -- choosing the set for a run ----------------------------------------------------------------

_ZONE_RE = re.compile(r"^(?=.{1,200}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{2,63}$")
_DQS_KEY_RE = re.compile(r"^[a-z0-9]{8,63}$")


def by_zone(zone: str) -> Blocklist | None:
    wanted = zone.lower().rstrip(".")
    return next((bl for bl in BUILTIN if bl.zone == wanted), None)


def select(zones: Iterable[str] | None) -> tuple[Blocklist, ...]:
    """The lists for a run: the built-in set, or exactly ``zones`` (``--dnsbl``).

    A zone may be written ``domain:ZONE`` (or ``ip:ZONE``) to say what a list this table does
    not know lists; plain unknown zones are IP lists. Raises InputError for a bad zone name.
    """
    if zones is None:
        return BUILTIN
    chosen: dict[str, Blocklist] = {}
    for raw in zones:
        bl = parse_zone(raw)
        chosen.setdefault(bl.zone, bl)
    return tuple(chosen.values())


def parse_zone(raw: str) -> Blocklist:
    text = raw.strip().lower()
    kind: Kind | None = None
    prefix, sep, rest = text.partition(":")
    if sep:
        if prefix not in ("ip", "domain"):
            raise InputError(f"--dnsbl {raw!r}: write ZONE, ip:ZONE or domain:ZONE")
        kind, text = Kind(prefix), rest
    text = text.rstrip(".")
    if not _ZONE_RE.match(text):
        raise InputError(f"--dnsbl {raw!r}: not a DNS zone name")
    known = by_zone(text)
    if known is not None and (kind is None or kind is known.kind):
        return known
    kind = kind or Kind.IP
    return Blocklist(
        zone=text,
        name=text,
        kind=kind,
        codes=(),
        refusals=GENERIC_REFUSALS,
        ipv6=kind is Kind.IP,
        generic=True,
    )


def check_dqs_key(key: str) -> str:
    """A DQS key is one lower-case alphanumeric label; anything else could rewrite the query."""
    cleaned = key.strip().lower()
    if not _DQS_KEY_RE.match(cleaned):
        raise InputError("--spamhaus-dqs-key: a DQS key is 8-63 letters and digits")
    return cleaned


def query_zone(bl: Blocklist, dqs_key: str | None) -> str:
    """The zone actually asked: the DQS zone with the key for Spamhaus lists when a key is set."""
    if dqs_key and bl.dqs_zone:
        return f"{dqs_key}.{bl.dqs_zone}"
    return bl.zone
