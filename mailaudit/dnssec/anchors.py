"""DNSSEC trust anchors: the built-in root anchors, or DS/DNSKEY records from a file.

The root zone's key-signing keys (https://data.iana.org/root-anchors/root-anchors.xml):
KSK-2017 (key tag 20326) and KSK-2024 (key tag 38696, signing the root from 2026-10-11). Both
are built in, so a run validates across the rollover. ``--trust-anchor FILE`` replaces them.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

import dns.exception
import dns.name
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.rdtypes.ANY.DNSKEY
import dns.rdtypes.ANY.DS
import dns.zone

from mailaudit.errors import InputError

MAX_FILE = 1 << 20  # a trust-anchor file is a few lines; refuse anything huge
ROOT_ANCHORS_TEXT = """\
. IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D
. IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16
"""
ZONE_FLAG = 0x0100
REVOKE_FLAG = 0x0080


class TrustAnchorError(InputError):
    """A trust-anchor file that cannot be used; the message is one line for the user (exit 2)."""


@dataclass(frozen=True, slots=True)
class Anchor:
    """The DS and/or DNSKEY records trusted for one zone."""

    zone: dns.name.Name
    ds: tuple[dns.rdtypes.ANY.DS.DS, ...] = ()
    dnskeys: tuple[dns.rdtypes.ANY.DNSKEY.DNSKEY, ...] = ()


@dataclass(frozen=True, slots=True)
class TrustAnchors:
    anchors: tuple[Anchor, ...]

    def closest(self, name: dns.name.Name) -> Anchor | None:
        """The anchor of the deepest zone at or above ``name``."""
        best: Anchor | None = None
        for anchor in self.anchors:
            if name.is_subdomain(anchor.zone) and (best is None or len(anchor.zone) > len(best.zone)):
                best = anchor
        return best


def parse_anchors(text: str, source: str = "trust anchors") -> TrustAnchors:
    """Trust anchors from zone-file text (DS or DNSKEY records, absolute or root-relative owners)."""
    try:  # a default TTL first: anchor files usually give none (a $TTL in the file overrides it)
        zone = dns.zone.from_text("$TTL 0\n" + text, origin=dns.name.root, relativize=False, check_origin=False)
    except (dns.exception.DNSException, ValueError, UnicodeError) as err:
        raise TrustAnchorError(f"{source}: not DS/DNSKEY records in zone-file format ({_reason(err)})") from None
    found: dict[dns.name.Name, tuple[list[dns.rdtypes.ANY.DS.DS], list[dns.rdtypes.ANY.DNSKEY.DNSKEY]]] = {}
    for owner, node in zone.nodes.items():
        for rdataset in node.rdatasets:
            _collect(found.setdefault(owner, ([], [])), rdataset, owner, source)
    if not found:
        raise TrustAnchorError(f"{source}: no DS or DNSKEY record")
    return TrustAnchors(tuple(Anchor(name, tuple(ds), tuple(keys)) for name, (ds, keys) in sorted(found.items())))


def _reason(err: Exception) -> str:
    """The parser's message with its line number made to count from the file's first line."""
    text = " ".join(str(err).split()) or type(err).__name__
    where, _, rest = text.partition(": ")
    prefix, _, line = where.rpartition(":")
    if prefix == "<string>" and line.isdigit() and rest:
        return f"line {int(line) - 1}: {rest}"
    return text


def _collect(
    into: tuple[list[dns.rdtypes.ANY.DS.DS], list[dns.rdtypes.ANY.DNSKEY.DNSKEY]],
    rdataset: dns.rdataset.Rdataset,
    owner: dns.name.Name,
    source: str,
) -> None:
    where = owner.to_text()
    if rdataset.rdclass != dns.rdataclass.IN:
        raise TrustAnchorError(f"{source}: {where}: only class IN anchors are supported")
    for rdata in rdataset:
        if isinstance(rdata, dns.rdtypes.ANY.DS.DS):
            into[0].append(rdata)
        elif isinstance(rdata, dns.rdtypes.ANY.DNSKEY.DNSKEY):
            if not rdata.flags & ZONE_FLAG or rdata.flags & REVOKE_FLAG:
                raise TrustAnchorError(f"{source}: {where}: DNSKEY without the zone flag, or revoked")
            into[1].append(rdata)
        else:
            kind = dns.rdatatype.to_text(rdataset.rdtype)
            raise TrustAnchorError(f"{source}: {where}: {kind} record; only DS or DNSKEY are trust anchors")


def load_anchors(path: str | pathlib.Path) -> TrustAnchors:
    """Trust anchors from a file; every problem is a :class:`TrustAnchorError` with one line."""
    where = str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE + 1)
    except OSError as err:
        raise TrustAnchorError(f"{where}: cannot read ({err.strerror or type(err).__name__})") from None
    if len(raw) > MAX_FILE:
        raise TrustAnchorError(f"{where}: too large for a trust-anchor file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise TrustAnchorError(f"{where}: not UTF-8 text") from None
    return parse_anchors(text, where)


def root_anchors() -> TrustAnchors:
    """The built-in root anchors (KSK-2017 and KSK-2024)."""
    return parse_anchors(ROOT_ANCHORS_TEXT, "built-in root anchors")
