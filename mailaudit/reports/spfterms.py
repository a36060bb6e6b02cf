"""Every top-level term of a domain's SPF record that authorises an address (not only the first).

``check_host`` stops at the first match; a fix that removes a term must know whether another
term (``mx`` naming the same host, say) still lets the address pass. Networks come from the
record itself (ip4/ip6), A/AAAA and MX lookups through the resolver (a, mx) and the include or
redirect subtree (``authorised_networks``). ``ptr`` and ``exists`` depend on the sender and are
left out (the fix then says so through the ``check_host`` result, which still sees them).
"""

from __future__ import annotations

import asyncio
import ipaddress

import dns.name

from mailaudit.context import AuditContext
from mailaudit.spf.record import Mechanism, Modifier, Qualifier
from mailaudit.spf.tree import SpfNode, authorised_networks

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


async def term_networks(ctx: AuditContext, tree: SpfNode | None) -> list[tuple[str, list[Network]]]:
    """(term as written, networks it gives ``pass``) for each passing top-level term, in order."""
    record = tree.info.record if tree is not None else None
    if tree is None or record is None:
        return []
    children = {child.term: child for child in tree.children}
    out: list[tuple[str, list[Network]]] = []
    for term in tree.info.evaluated_terms:
        if isinstance(term, Mechanism) and term.qualifier is not Qualifier.PASS:
            continue
        if term.text in children:
            v4, v6 = authorised_networks(children[term.text])
            out.append((term.text, [ipaddress.ip_network(n) for n in (*v4, *v6)]))
        elif isinstance(term, Mechanism) and term.network is not None:
            out.append((term.text, [term.network]))
        elif isinstance(term, Mechanism) and term.kind in ("a", "mx"):
            out.append((term.text, await _host_networks(ctx, term)))
    return out


async def _host_networks(ctx: AuditContext, term: Mechanism) -> list[Network]:
    spec = term.domain
    if spec is not None and spec.has_macros:
        return []
    target = spec.literal.rstrip(".") if spec is not None else ctx.domain
    try:
        name = dns.name.from_text(target)
    except (dns.name.EmptyLabel, dns.name.LabelTooLong, dns.name.NameTooLong, ValueError):
        return []
    names = [name]
    if term.kind == "mx":
        answer = await ctx.query(name, "MX")
        names = [rd.exchange for rd in answer.rdatas if hasattr(rd, "exchange")][:10]
    answers = await asyncio.gather(*(ctx.query(n, t) for n in names for t in ("A", "AAAA")))
    networks: list[Network] = []
    for answer in answers:
        for address in answer.addresses():
            ip = ipaddress.ip_address(address)
            bits = term.cidr4 if ip.version == 4 else term.cidr6
            networks.append(ipaddress.ip_network(f"{ip}/{bits if bits is not None else ip.max_prefixlen}",
                                                 strict=False))
    return networks


def matching_terms(terms: list[tuple[str, list[Network]]], ip: str) -> tuple[str, ...]:
    address = ipaddress.ip_address(ip)
    return tuple(text for text, networks in terms if any(address in n for n in networks))


def needs_full_evaluation(tree: SpfNode | None) -> bool:
    """True when an address outside every passing network could still pass (``ptr``, ``exists``,
    macros) or the tree is not whole (loops, truncation): then every source gets ``check_host``.
    Otherwise only the addresses inside some passing network can pass, and only they are evaluated."""
    if tree is None:
        return True
    for node in tree.walk():
        if node.loop or node.truncated:
            return True
        record = node.info.record
        for term in record.terms if record is not None else ():
            if isinstance(term, Mechanism) and (term.kind in ("ptr", "exists")
                                                or (term.domain is not None and term.domain.has_macros)):
                return True
            if isinstance(term, Modifier) and term.name == "redirect" and term.value.has_macros:
                return True
    return False
