"""The project's test DNS server (tests/dnsserver.py) answering from signed zones, DNSSEC-style.

One server holds every zone of a tree, as a recursive resolver would see it: a question goes
to the deepest zone at or above the name (for DS: above it, i.e. the parent side of a cut).
With the DO bit an answer carries its RRSIGs; a negative answer carries the zone's SOA and
the NSEC records that precede (match or cover) the name and the wildcard at each of its
ancestors in the zone, with their RRSIGs: a superset of the proof, so the validator must pick
the records that prove something. Without DO no DNSSEC records are added.

Faults, besides the base server's ``timeout`` and ``servfail``:
``strip_signatures`` (a resolver that drops RRSIGs), ``strip_authority`` (drops the authority
section), ``hide(rdtype)`` (answers NODATA with nothing else for that type, e.g. DNSKEY).
``queries`` counts questions like the base server.
"""

from __future__ import annotations

import asyncio
import base64

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.node
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

from tests.dnsserver import DNSServer

RRSIG = dns.rdatatype.RRSIG


class SignedServer(DNSServer):
    def __init__(self, zones: list[dns.zone.Zone], delay: float = 0.0) -> None:
        super().__init__(delay=delay)
        self.zones = {zone.origin: zone for zone in zones if zone.origin is not None}
        self.strip_signatures = False
        self.strip_authority = False
        self.hidden: set[int] = set()

    def hide(self, rdtype: str) -> SignedServer:
        self.hidden.add(dns.rdatatype.from_text(rdtype))
        return self

    def _zone_for(self, name: dns.name.Name, rdtype: int) -> dns.zone.Zone | None:
        best: dns.zone.Zone | None = None
        for origin, zone in self.zones.items():
            if not name.is_subdomain(origin) or (rdtype == dns.rdatatype.DS and origin == name and len(name) > 1):
                continue
            if best is None or len(origin) > len(best.origin):  # type: ignore[arg-type]
                best = zone
        return best

    def answer(self, query: dns.message.Message) -> dns.message.Message | None:
        question = query.question[0]
        qname, qtype = question.name, question.rdtype
        with self._lock:
            self.queries[(qname.to_text().lower(), dns.rdatatype.to_text(qtype))] += 1
        if (qname, qtype) in self.timeouts or (qname, None) in self.timeouts:
            return None
        response = dns.message.make_response(query)
        if qname in self.servfails:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response
        if qtype in self.hidden:
            return response
        dnssec = bool(query.ednsflags & dns.flags.DO) and not self.strip_signatures
        self._resolve(response, qname, qtype, dnssec)
        if self.strip_authority:
            response.authority.clear()
        return response

    def _resolve(self, response: dns.message.Message, qname: dns.name.Name, qtype: int, dnssec: bool) -> None:
        for _ in range(8):  # follow CNAMEs inside our zones
            zone = self._zone_for(qname, qtype)
            if zone is None:
                response.set_rcode(dns.rcode.REFUSED)
                return
            node = zone.get_node(qname)
            found = node.get_rdataset(zone.rdclass, qtype) if node is not None else None
            alias = node.get_rdataset(zone.rdclass, dns.rdatatype.CNAME) if node is not None else None
            if found is None and alias is not None and qtype != dns.rdatatype.CNAME:
                self._add(response.answer, node, qname, alias.rdtype, dnssec)
                qname = alias[0].target
                continue
            if found is not None:
                self._add(response.answer, node, qname, qtype, dnssec)
                return
            if node is None and not any(name.is_subdomain(qname) for name in zone.nodes):
                response.set_rcode(dns.rcode.NXDOMAIN)
            self._deny(response, zone, qname, dnssec)
            return

    @staticmethod
    def _add(
        section: list[dns.rrset.RRset], node: dns.node.Node, name: dns.name.Name, rdtype: int, dnssec: bool
    ) -> None:
        rdataset = node.get_rdataset(dns.rdataclass.IN, rdtype)
        rrset = dns.rrset.RRset(name, dns.rdataclass.IN, rdtype)
        rrset.update(rdataset)
        section.append(rrset)
        sigs = node.get_rdataset(dns.rdataclass.IN, RRSIG, rdtype) if dnssec else None
        if sigs is not None:
            sig_rrset = dns.rrset.RRset(name, dns.rdataclass.IN, RRSIG, rdtype)
            sig_rrset.update(sigs)
            section.append(sig_rrset)

    def _deny(self, response: dns.message.Message, zone: dns.zone.Zone, qname: dns.name.Name, dnssec: bool) -> None:
        origin = zone.origin
        assert origin is not None
        self._add(response.authority, zone.get_node(origin), origin, dns.rdatatype.SOA, dnssec)
        if not dnssec:
            return
        wanted = {qname}
        ancestor = qname
        while ancestor != origin and len(ancestor) > 1:
            ancestor = ancestor.parent()
            wanted.update((ancestor, dns.name.Name((b"*", *ancestor.labels))))
        for kind, key in ((dns.rdatatype.NSEC, _plain), (dns.rdatatype.NSEC3, _hashed)):
            owners = sorted(
                (key(n, origin), n) for n, node in zone.nodes.items() if node.get_rdataset(zone.rdclass, kind)
            )
            if not owners:
                continue
            chosen = {max((o for o in owners if o[0] <= key(name, origin)), default=owners[-1])[1] for name in wanted}
            for name in sorted(chosen):
                self._add(response.authority, zone.nodes[name], name, kind, dnssec)

    async def _udp(self, transport: asyncio.DatagramTransport, data: bytes, addr: tuple[str, int]) -> None:
        """As the base server, but a truncated answer drops every section (ours carry authority data)."""
        response = await self._respond(data)
        if response is None:
            return
        limit = max(response.request_payload, 512) if response.edns >= 0 else 512
        wire = response.to_wire(max_size=65535)
        if len(wire) > limit:
            response.answer.clear()
            response.authority.clear()
            response.flags |= dns.flags.TC
            wire = response.to_wire()
        transport.sendto(wire, addr)


def _plain(name: dns.name.Name, origin: dns.name.Name) -> object:
    return name


def _hashed(name: dns.name.Name, origin: dns.name.Name) -> object:
    """NSEC3 owners sort by their hash; other names by the hash they would have (SHA-1, no salt, 0 iterations)."""
    if name.parent() == origin and len(name.labels[0]) == 32:
        try:
            return base64.b32hexdecode(name.labels[0].upper())
        except ValueError:
            pass
    return base64.b32hexdecode(dns.dnssec.nsec3_hash(name, b"", 0, 1))
