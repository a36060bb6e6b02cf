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
import dns.zone

from .answer import Answer, Outcome
from .errors import InputError

_ORIGIN_RE = re.compile(rb"^\$ORIGIN[ \t]+(\S+)", re.MULTILINE)
_MAX_CHAIN = 16
_MAX_ZONE_BYTES = 64 * 1024 * 1024


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
        return next((z for z in self._zones if name.is_subdomain(z.origin)), None)

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
                return ZoneLookup(Answer(name, rdtype, Outcome.ANSWER, tuple(found), tuple(cnames)))
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
    """Parse one BIND zone file; origin from its first ``$ORIGIN`` or the name ``DOMAIN.zone``."""
    try:
        if path.stat().st_size > _MAX_ZONE_BYTES:
            raise InputError(f"zone file {path}: larger than {_MAX_ZONE_BYTES // 2**20} MiB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"zone file {path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"zone file {path}: is a folder") from None
    except OSError as err:
        raise InputError(f"zone file {path}: {err.strerror or err}") from None
    declared = _ORIGIN_RE.search(data)
    if declared:
        origin_text = declared.group(1).decode("ascii", errors="replace")
    elif path.name.endswith(".zone"):
        origin_text = path.name[: -len(".zone")]
    else:
        raise InputError(f"zone file {path}: no $ORIGIN and the file is not named DOMAIN.zone")
    try:
        origin = dns.name.from_text(origin_text)
        return dns.zone.from_text(
            data.decode("utf-8", errors="replace"), origin=origin, relativize=False, check_origin=False
        )
    except dns.exception.DNSException as err:
        raise InputError(f"zone file {path}: {_one_line(err)}") from None
    except (ValueError, UnicodeError) as err:
        raise InputError(f"zone file {path}: {_one_line(err)}") from None


def _one_line(err: Exception) -> str:
    text = str(err) or type(err).__name__
    return " ".join(text.split())
