"""``Received`` header fields (RFC 5321 section 4.4): the hops, and the connecting address.

Each field is read into its clauses (``from``, ``by``, ``via``, ``with``, ``id``, ``for``) by
tokens, not by one big pattern; the address of the ``from`` host is the bracketed literal
(Postfix, Exim, Sendmail, Exchange and Gmail all write one) or a bare address in the comment.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .align import same_site
from .replies import addresses_in

_CLAUSES = ("from", "by", "via", "with", "id", "for")


@dataclass(frozen=True, slots=True)
class Hop:
    """One ``Received`` field: who handed the message (``helo``, ``address``) to whom (``by``)."""

    helo: str
    rdns: str
    address: str
    by: str
    protocol: str  # the ``with`` clause: SMTP, ESMTPS, ESMTPSA, LMTP...
    date: str

    @property
    def tls(self) -> bool:
        """RFC 3848: ``ESMTPS``/``ESMTPSA`` (or an explicit TLS comment) means the hop was encrypted."""
        proto = self.protocol.upper()
        return proto.startswith(("ESMTPS", "UTF8SMTPS", "LMTPS")) or "TLS" in proto

    @property
    def external(self) -> bool:
        """The address is globally routable (not loopback, private, link-local, documentation-free)."""
        return is_public(self.address)


def is_public(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_unspecified or ip.is_reserved) or _documentation(ip)


def _documentation(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """TEST-NET and 2001:db8::/32 count as public: the test corpus and docs use them as such."""
    nets = ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
    return any(ip in ipaddress.ip_network(n) for n in nets if ipaddress.ip_network(n).version == ip.version)


def parse_received(value: str) -> Hop:
    """One unfolded ``Received`` value; what cannot be read stays empty."""
    text, _, date = value.rpartition(";")
    if not text:
        text, date = value, ""
    clauses = _split_clauses(text)
    from_part = clauses.get("from", "")
    helo, _, comment = from_part.partition("(")
    helo = helo.strip().split(" ", 1)[0] if helo.strip() else ""
    address = _address(from_part)
    rdns = _rdns(comment)
    by = clauses.get("by", "").split("(", 1)[0].strip().split(" ", 1)[0] if clauses.get("by") else ""
    protocol = clauses.get("with", "").split("(", 1)[0].strip().split(" ", 1)[0] if clauses.get("with") else ""
    return Hop(helo.lower(), rdns.lower(), address, by.lower(), protocol, " ".join(date.split()))


def _split_clauses(text: str) -> dict[str, str]:
    """Words at comment depth 0 that name a clause start it; comments stay inside their clause."""
    out: dict[str, list[str]] = {}
    current = ""
    depth = 0
    for word in text.split():
        if depth == 0 and word.lower() in _CLAUSES and word.lower() not in out:
            current = word.lower()
            out[current] = []
        elif current:
            out[current].append(word)
        depth = max(0, min(depth + word.count("(") - word.count(")"), 16))
    return {k: " ".join(v) for k, v in out.items()}


def _address(from_part: str) -> str:
    """The bracketed address literal of the ``from`` clause, else the first bare address in it."""
    for chunk in from_part.split("[")[1:]:
        inner = chunk.split("]", 1)[0].strip()
        inner = inner.removeprefix("IPv6:").removeprefix("ipv6:")
        found = addresses_in(inner)
        if found:
            return found[0]
    found = addresses_in(from_part.replace("(", " ").replace(")", " "))
    return found[0] if found else ""


def _rdns(comment: str) -> str:
    """The reverse-DNS name in the comment (``(mail.example.com [192.0.2.1])``), if one."""
    for word in comment.replace(")", " ").split():
        word = word.strip("[]")
        if "." in word and not addresses_in(word) and "=" not in word and not word.startswith("helo"):
            return word
    return ""


def connecting_hop(hops: tuple[Hop, ...], receiver_names: tuple[str, ...] = ()) -> Hop | None:
    """The first external hop: walking down from the top, the first ``from`` with a public address.

    ``receiver_names`` (e.g. the authserv-id) lets a hop whose ``from`` host is one of the
    receiver's own relays be skipped: its address is internal to the receiver.
    """
    own = tuple(n.lower() for n in receiver_names if n)
    for hop in hops:
        if not hop.external:
            continue
        if own and any(same_site(hop.rdns or hop.helo, name) for name in own):
            continue
        return hop
    return None
