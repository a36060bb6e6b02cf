"""Answers from BIND-format zone files: the what-if (``--zone``) and offline source.

Pure and synchronous: loading parses files once, answering is a dictionary walk. Wildcards and
CNAME chains inside the loaded zones are followed; a CNAME leaving the zones is reported so the
resolver can continue the chain elsewhere.
"""

from __future__ import annotations

import pathlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.node
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tokenizer
import dns.zone
import dns.zonefile

from mailaudit.dnscore.answer import Answer, Outcome
from mailaudit.dnscore.chain import NameKey, name_key
from mailaudit.errors import InputError
from mailaudit.text import escape_text
from mailaudit.userfiles import read_user_bytes

_ORIGIN_RE = re.compile(rb"^\$ORIGIN[ \t]+(\S+)", re.MULTILINE)
_MAX_CHAIN = 16
_MAX_ZONE_BYTES = 8 * 1024 * 1024  # a what-if zone is small; a larger file takes seconds to parse
_GENERATE_RE = re.compile(rb"^\$GENERATE[ \t]+([0-9]{1,12})-([0-9]{1,12})(?:/([0-9]{1,12}))?", re.MULTILINE | re.I)
_MAX_GENERATED = 65_536


@dataclass(frozen=True, slots=True)
class ZoneLookup:
    """An answer from the zones, or where to continue: a CNAME target outside them."""

    answer: Answer
    continue_at: dns.name.Name | None = None


class _Zone:
    def __init__(self, zone: dns.zone.Zone) -> None:
        self.origin: dns.name.Name = zone.origin  # type: ignore[assignment]
        self.nodes: dict[dns.name.Name, dns.node.Node] = dict(zone.nodes)
        self.existing: set[dns.name.Name] = set()
        for name in self.nodes:
            while name.is_subdomain(self.origin) and name not in self.existing:
                self.existing.add(name)
                if name == self.origin:
                    break
                name = name.parent()


class ZoneSet:
    """Zones loaded from files; answers any name at or under one of their origins."""

    def __init__(self, zones: Iterable[dns.zone.Zone] = ()) -> None:
        self._zones = sorted((_Zone(z) for z in zones), key=lambda z: -len(z.origin))
        # by origin key: the zone of a name is found from its own suffixes, deepest first, in
        # O(labels) (a scan of every zone made --zone with a thousand files slow)
        self._by_origin: dict[NameKey, _Zone] = {}
        for zone in self._zones:
            self._by_origin.setdefault(name_key(zone.origin), zone)

    @classmethod
    def from_paths(cls, paths: Iterable[str | pathlib.Path]) -> ZoneSet:
        files: list[pathlib.Path] = []
        for raw in paths:
            path = pathlib.Path(raw)
            if path.is_dir():
                found = sorted(path.glob("*.zone"))
                if not found:
                    raise InputError(f"zone folder {path} holds no *.zone files")
                files.extend(found)
            else:
                files.append(path)
        return cls(load_zone_file(p) for p in files)

    @property
    def origins(self) -> list[str]:
        return [z.origin.to_text(omit_final_dot=True) for z in self._zones]

    def __bool__(self) -> bool:
        return bool(self._zones)

    def covers(self, name: dns.name.Name) -> bool:
        return self._zone_for(name) is not None

    def _zone_for(self, name: dns.name.Name) -> _Zone | None:
        key = name_key(name)
        for start in range(len(key)):
            zone = self._by_origin.get(key[start:])
            if zone is not None:
                return zone
        return None

    def lookup(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> ZoneLookup | None:
        """None when no loaded zone covers ``name``."""
        if self._zone_for(name) is None:
            return None
        cnames: list[dns.name.Name] = []
        current = name
        for _ in range(_MAX_CHAIN):
            zone = self._zone_for(current)
            if zone is None:
                return ZoneLookup(Answer(name, rdtype, Outcome.NODATA, cnames=tuple(cnames)), current)
            node = zone.nodes.get(current) or _wildcard(zone, current)
            if node is None:
                outcome = Outcome.NODATA if current in zone.existing else Outcome.NXDOMAIN
                return ZoneLookup(Answer(name, rdtype, outcome, cnames=tuple(cnames)))
            found = node.get_rdataset(dns.rdataclass.IN, rdtype)
            if found is not None:
                return ZoneLookup(Answer(name, rdtype, Outcome.ANSWER, tuple(found), tuple(cnames), ttl=found.ttl))
            alias = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
            if alias is None or rdtype == dns.rdatatype.CNAME:
                return ZoneLookup(Answer(name, rdtype, Outcome.NODATA, cnames=tuple(cnames)))
            current = alias[0].target
            cnames.append(current)
            if current in cnames[:-1] or current == name:
                break
        reason = f"CNAME chain too long or looping at {current.to_text(omit_final_dot=True)}"
        return ZoneLookup(Answer(name, rdtype, Outcome.ERROR, cnames=tuple(cnames), error=reason))


def _wildcard(zone: _Zone, name: dns.name.Name) -> dns.node.Node | None:
    """RFC 4592 synthesis: the wildcard child of the closest existing ancestor."""
    if name in zone.existing:
        return None
    encloser = name
    while encloser != zone.origin:
        encloser = encloser.parent()
        if encloser in zone.existing:
            break
    return zone.nodes.get(dns.name.Name((b"*", *encloser.labels)))


def load_zone_file(path: pathlib.Path) -> dns.zone.Zone:
    """Parse one BIND zone file; origin from an ``$ORIGIN`` at its top or the name ``DOMAIN.zone``.

    A broken file is an ``InputError`` of one line: bad syntax, a class other than IN, ``$INCLUDE``,
    a ``$GENERATE`` of more than ``_MAX_GENERATED`` names, a name outside the zone (which a plain
    zone load would silently drop), a file over ``_MAX_ZONE_BYTES``.
    """
    data = _read(path)
    origin = _origin(path, data)
    generated = sum(_generated(m) for m in _GENERATE_RE.finditer(data))
    if generated > _MAX_GENERATED:
        raise InputError(f"zone file {path}: $GENERATE makes {generated} names (at most {_MAX_GENERATED})")
    try:
        rrsets = _parse(data.decode("utf-8", errors="replace"), origin)
        rrsets, outside = _in_zone(rrsets, origin)
        if outside:
            more = f" (and {len(outside) - 1} more)" if len(outside) > 1 else ""
            raise InputError(f"zone file {path}: {_one_line(outside[0])} is outside the zone "
                             f"{_one_line(origin)}{more}")
        zone = dns.zone.Zone(origin, relativize=False)
        with zone.writer(True) as txn:
            for rrset in rrsets:
                txn.add(rrset)
    except (dns.exception.DNSException, ValueError, UnicodeError, KeyError) as err:
        if isinstance(err, InputError):
            raise
        raise InputError(f"zone file {path}: {_one_line(err)}") from None
    return zone


def _read(path: pathlib.Path) -> bytes:
    return read_user_bytes(path, _MAX_ZONE_BYTES, "zone file")


def _top_origin(data: bytes) -> str | None:
    """The ``$ORIGIN`` that opens the file (before any record), or None. A later ``$ORIGIN`` only
    changes the origin of the lines after it, as in BIND; it is not the zone's origin."""
    for raw in data.splitlines():
        line = raw.split(b";", 1)[0].strip()
        if not line or line.upper().startswith(b"$TTL"):
            continue
        match = _ORIGIN_RE.match(line)
        return match.group(1).decode("utf-8", errors="replace") if match else None
    return None


def _origin(path: pathlib.Path, data: bytes) -> dns.name.Name:
    declared = _top_origin(data)
    if declared:
        origin_text = declared
    elif path.name.endswith(".zone"):
        origin_text = path.name[: -len(".zone")]
    else:
        raise InputError(f"zone file {path}: no $ORIGIN at the top and the file is not named DOMAIN.zone")
    try:
        return dns.name.from_text(origin_text)
    except (dns.exception.DNSException, ValueError, UnicodeError) as err:
        raise InputError(f"zone file {path}: origin {_one_line(origin_text)}: {_one_line(err)}") from None


def _generated(match: re.Match[bytes]) -> int:
    start, stop, step = int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
    return (stop - start) // max(step, 1) + 1 if stop >= start else 0


class _AllRecords(dns.zonefile.RRSetsReaderManager):
    """Collects every record of a file, also names outside ``origin`` (a zone at ``origin`` would
    drop those unseen); an SOA is still accepted only at ``origin``."""

    def __init__(self, origin: dns.name.Name) -> None:
        super().__init__(dns.name.root, False, dns.rdataclass.IN)
        self.zone_origin = origin

    def origin_information(self) -> tuple[dns.name.Name | None, bool, dns.name.Name | None]:
        return (dns.name.root, False, self.zone_origin)


def _in_zone(rrsets: list[dns.rrset.RRset], origin: dns.name.Name) -> tuple[list[dns.rrset.RRset], list[dns.name.Name]]:
    """The records at or under ``origin``, and the other names, less out-of-zone glue (addresses
    of the zone's own name servers), which BIND also ignores and exported zones often carry."""
    servers = {rd.target for rrset in rrsets if rrset.rdtype == dns.rdatatype.NS for rd in rrset}
    inside = [r for r in rrsets if r.name.is_subdomain(origin)]
    glue = (dns.rdatatype.A, dns.rdatatype.AAAA)
    stray = {r.name for r in rrsets if not r.name.is_subdomain(origin)
             and (r.name not in servers or r.rdtype not in glue)}
    return inside, sorted(stray)


def _parse(text: str, origin: dns.name.Name) -> list[dns.rrset.RRset]:
    manager = _AllRecords(origin)
    with manager.writer(True) as txn:  # type: ignore[no-untyped-call]
        reader = dns.zonefile.Reader(dns.tokenizer.Tokenizer(text, "<string>"), dns.rdataclass.IN, txn)
        reader.current_origin = reader.last_name = origin
        reader.read()
    return manager.rrsets


def _one_line(err: object) -> str:
    """An error or name as one visible line: control characters escaped, length capped."""
    text = str(err) or type(err).__name__
    return escape_text(" ".join(text.split()), 300)
