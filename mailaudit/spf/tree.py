"""The include/redirect tree of a domain's SPF record, with lookup and void counts per node.

The walk follows what ``check_host()`` would do for an address that matches nothing (the
worst case, and what receivers meet for every forged message): every DNS-querying term up to
the first ``all``, then ``redirect`` when the record has no ``all``. Each node counts its own
DNS-querying terms (include, a, mx, ptr, exists, redirect) and its void lookups (a name with
no A/AAAA, MX or A for exists, or an include/redirect target that does not exist). Terms
with macros count a lookup but cannot be resolved without a sender; ``ptr`` needs a client
address and counts a lookup only.

Node facts (``NodeInfo``) depend only on the domain, so a batch fetches each include once
(the caller memoises ``fetch``); the tree is assembled per audited domain, loops marked.
The walk stops expanding after 64 nodes or 12 levels, so hostile trees end quickly and are
still reported.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import dns.name

from mailaudit.dnscore.answer import Answer, Outcome
from mailaudit.dnscore.resolver import Resolver
from mailaudit.spf.evaluate import MAX_NAMES, to_name
from mailaudit.spf.record import Mechanism, Modifier, SpfRecord, SpfSyntaxError, Term, is_spf_record, parse_record

MAX_NODES = 64
MAX_DEPTH = 12
MAX_RESOLVED = 20  # DNS terms of one record whose targets are looked up; the rest are only counted
PAST_LIMIT = "not looked up: far past the 10-lookup limit"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class TermCost:
    """One DNS-querying term as evaluated: its target, and whether its lookup was void."""

    text: str
    kind: str  # include a mx ptr exists redirect
    target: str | None  # None: built from macros, known only with a sender
    void: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """What one domain publishes: its SPF record(s) and its own terms' costs."""

    domain: str
    records: tuple[str, ...] = ()
    record: SpfRecord | None = None
    problem: str | None = None  # missing | multiple | syntax | invalid | failed | mx_limit
    error: str = ""
    costs: tuple[TermCost, ...] = ()
    networks: tuple[tuple[str, str], ...] = ()  # (qualifier, network) this record authorises itself
    failures: tuple[Answer, ...] = ()
    absent: bool = False  # the TXT lookup itself was void (NXDOMAIN / NODATA)
    nxdomain: bool = False
    txt: tuple[str, ...] = ()  # every TXT string at the name (for Sender ID and size checks)

    @property
    def evaluated_terms(self) -> tuple[Term, ...]:
        return evaluated_terms(self.record) if self.record else ()


@dataclass(frozen=True, slots=True)
class SpfNode:
    info: NodeInfo
    via: str = "root"  # root | include | redirect
    term: str = ""  # the parent's term that leads here
    qualifier: str = "+"
    children: tuple[SpfNode, ...] = ()
    loop: bool = False  # already on the path from the root: not expanded again
    truncated: bool = False  # not expanded: the walk reached its size cap
    depth: int = 0

    @property
    def domain(self) -> str:
        return self.info.domain

    @property
    def lookups(self) -> int:
        return len(self.info.costs)

    @property
    def voids(self) -> int:
        own = sum(1 for c in self.info.costs if c.void)
        return own + (1 if self.info.absent and self.via != "root" else 0)

    @property
    def total_lookups(self) -> int:
        return self.lookups + sum(c.total_lookups for c in self.children)

    @property
    def total_voids(self) -> int:
        return self.voids + sum(c.total_voids for c in self.children)

    def walk(self) -> Iterator[SpfNode]:
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def has_loop(self) -> bool:
        return any(n.loop for n in self.walk())

    def cost_of(self, term: str) -> int:
        """Lookups a term of this node costs: 1, plus the subtree for include/redirect."""
        child = next((c for c in self.children if c.term == term), None)
        return 1 + (child.total_lookups if child else 0)

    def to_data(self) -> dict[str, object]:
        """JSON-safe form for renderers."""
        data: dict[str, object] = {
            "domain": self.domain,
            "via": self.via,
            "term": self.term,
            "record": self.info.record.text if self.info.record else None,
            "lookups": self.lookups,
            "voids": self.voids,
            "total_lookups": self.total_lookups,
            "total_voids": self.total_voids,
            "terms": [
                {"term": c.text, "target": c.target, "void": c.void, "note": c.note} for c in self.info.costs
            ],
            "children": [c.to_data() for c in self.children],
        }
        if self.info.problem or self.loop or self.truncated:
            data["problem"] = "loop" if self.loop else "truncated" if self.truncated else self.info.problem
            data["error"] = self.info.error
        return data


def evaluated_terms(record: SpfRecord) -> tuple[Term, ...]:
    """Terms check_host() evaluates for a non-matching address: up to the first ``all``,
    then ``redirect`` only if the record has no ``all`` (RFC 7208 6.1)."""
    out: list[Term] = []
    for term in record.mechanisms:
        out.append(term)
        if term.kind == "all":
            return tuple(out)
    if record.redirect is not None:
        out.append(record.redirect)
    return tuple(out)


# -- fetching one node ------------------------------------------------------------------------


async def fetch_node(resolver: Resolver, domain: str) -> NodeInfo:
    """The SPF record at ``domain`` and the cost of its own DNS terms (no recursion)."""
    return await add_costs(resolver, await fetch_record(resolver, domain))


async def fetch_record(resolver: Resolver, domain: str) -> NodeInfo:
    """The SPF record at ``domain``, parsed, without the costs of its terms (one TXT question):
    enough to know the includes and the redirect, which ``build_tree`` follows meanwhile."""
    name = to_name(domain)
    if name is None:
        return NodeInfo(domain, problem="invalid", error=f"{domain!r} is not a valid domain name")
    answer = await resolver.query(name, "TXT")
    if answer.outcome is Outcome.ERROR:
        return NodeInfo(domain, problem="failed", error=answer.describe(), failures=(answer,))
    txt = tuple(raw.decode("utf-8", errors="replace") for raw in answer.txt())
    records = tuple(t for t in txt if is_spf_record(t))
    if not records:
        error = f"{domain}: {answer.outcome.value}" if answer.absent else f"{domain} has no v=spf1 record"
        nxdomain = answer.outcome is Outcome.NXDOMAIN
        return NodeInfo(domain, problem="missing", error=error, absent=answer.absent, nxdomain=nxdomain, txt=txt)
    if len(records) > 1:
        return NodeInfo(domain, records, problem="multiple", error=f"{len(records)} SPF records", txt=txt)
    try:
        record = parse_record(records[0])
    except SpfSyntaxError as err:
        return NodeInfo(domain, records, problem="syntax", error=str(err), txt=txt)
    return NodeInfo(domain, records, record, txt=txt)


async def add_costs(resolver: Resolver, head: NodeInfo) -> NodeInfo:
    """``head`` (from ``fetch_record``) with the costs of its own DNS terms looked up."""
    domain, records, record, txt = head.domain, head.records, head.record, head.txt
    if record is None:
        return head
    dns_terms = [t for t in evaluated_terms(record) if t.queries_dns]
    results = await asyncio.gather(*(_cost(resolver, domain, t) for t in dns_terms[:MAX_RESOLVED]))
    results += [_Result(TermCost(t.text, _kind(t), _static_target(domain, t), note=PAST_LIMIT))
                for t in dns_terms[MAX_RESOLVED:]]
    costs = tuple(r.cost for r in results if r.cost is not None)
    networks = tuple(n for r in results for n in r.networks)
    failures = tuple(f for r in results for f in r.failures)
    networks += tuple((m.qualifier.value, str(m.network)) for m in evaluated_terms(record)
                      if isinstance(m, Mechanism) and m.network is not None)
    problem = "mx_limit" if any(c.note.startswith("more than") for c in costs) else None
    return NodeInfo(domain, records, record, problem, "", costs, networks, failures, txt=txt)


@dataclass(frozen=True, slots=True)
class _Result:
    cost: TermCost | None
    networks: tuple[tuple[str, str], ...] = ()
    failures: tuple[Answer, ...] = ()


def _static_target(domain: str, term: Term) -> str | None:
    """The name a term looks up, when it has no macros (the current domain when it names none)."""
    spec = term.value if isinstance(term, Modifier) else term.domain
    if spec is None:
        return domain
    return None if spec.has_macros else spec.literal.removesuffix(".")


async def _cost(resolver: Resolver, domain: str, term: Term) -> _Result:
    if not term.queries_dns:
        return _Result(None)
    target = _static_target(domain, term)
    if target is None:
        return _Result(TermCost(term.text, _kind(term), None, note="macros: depends on the sender"))
    name = to_name(target)
    if name is None:
        return _Result(TermCost(term.text, _kind(term), target, note="not a valid DNS name"))
    if isinstance(term, Modifier) or term.kind in ("include", "ptr"):
        return _Result(TermCost(term.text, _kind(term), target))
    if term.kind == "exists":
        answer = await resolver.query(name, "A")
        return _Result(TermCost(term.text, "exists", target, _void(answer)), failures=_failed(answer))
    if term.kind == "a":
        return await _addresses(resolver, term, target, [name])
    mx = await resolver.query(name, "MX")
    if _void(mx) or not mx.ok:
        return _Result(TermCost(term.text, "mx", target, _void(mx)), failures=_failed(mx))
    hosts = [rd.exchange for rd in mx.rdatas if rd.exchange != dns.name.root]  # type: ignore[attr-defined]
    if len(mx.rdatas) > MAX_NAMES:
        note = f"more than {MAX_NAMES} MX records ({len(mx.rdatas)}): permerror"
        return _Result(TermCost(term.text, "mx", target, note=note))
    result = await _addresses(resolver, term, target, hosts, void_if_empty=False)
    return result


async def _addresses(
    resolver: Resolver, term: Mechanism, target: str, names: list[dns.name.Name], void_if_empty: bool = True
) -> _Result:
    answers = await asyncio.gather(*(resolver.query(n, t) for n in names for t in ("A", "AAAA")))
    networks: list[tuple[str, str]] = []
    for answer in answers:
        for address in answer.addresses():
            ip = ipaddress.ip_address(address)
            length = (term.cidr4 if ip.version == 4 else term.cidr6)
            length = (32 if ip.version == 4 else 128) if length is None else length
            networks.append((term.qualifier.value, str(ipaddress.ip_network(f"{ip}/{length}", strict=False))))
    failures = tuple(a for a in answers if not a.ok)
    void = void_if_empty and not failures and all(_void(a) for a in answers)
    note = "" if networks or not names else "no A/AAAA"
    return _Result(TermCost(term.text, term.kind, target, void, note), tuple(networks), failures)


def _kind(term: Term) -> str:
    return term.name if isinstance(term, Modifier) else term.kind


def _void(answer: Answer) -> bool:
    return answer.outcome in (Outcome.NXDOMAIN, Outcome.NODATA) or (answer.ok and not answer.rdatas)


def _failed(answer: Answer) -> tuple[Answer, ...]:
    return () if answer.ok else (answer,)


# -- assembling the tree ----------------------------------------------------------------------


@dataclass
class _Budget:
    nodes: int = 0


Fetch = Callable[[str], Awaitable[NodeInfo]]


@dataclass(frozen=True, slots=True)
class _Walk:
    fetch: Fetch  # a node's whole facts
    head: Fetch  # its record alone (``fetch_record``): the children are known from it
    budget: _Budget


async def build_tree(domain: str, fetch: Fetch, head: Fetch | None = None) -> SpfNode:
    """The whole tree below ``domain``; ``fetch`` gives one node's facts (memoise it).

    With ``head`` (a node's record alone, ``fetch_record``, memoised with ``fetch`` built on
    it), a node's includes and redirect are fetched while its own a/mx/exists terms are still
    being looked up: a round of DNS latency less per level with such terms. The tree, and the
    questions asked, are the same either way."""
    return await _node(domain, _Walk(fetch, head or fetch, _Budget()), "root", "", "+", ())


async def _node(domain: str, walk: _Walk, via: str, term: str, qualifier: str, path: tuple[str, ...]) -> SpfNode:
    key = domain.lower().removesuffix(".")
    depth = len(path)
    if key in path:
        return SpfNode(NodeInfo(domain), via, term, qualifier, loop=True, depth=depth)
    walk.budget.nodes += 1
    if walk.budget.nodes > MAX_NODES or depth > MAX_DEPTH:  # not even fetched: hostile trees end here
        return SpfNode(NodeInfo(key), via, term, qualifier, truncated=True, depth=depth)
    head = await walk.head(key)
    if head.record is None:
        return SpfNode(await _info(walk, key, head), via, term, qualifier, depth=depth)
    targets = [
        (t, target) for t in _dns_terms(head.record)
        if _kind(t) in ("include", "redirect") and (target := _static_target(key, t)) is not None
    ]
    info, children = await asyncio.gather(_info(walk, key, head), asyncio.gather(*(
        _node(target, walk, _kind(t), t.text, _qualifier(t), (*path, key)) for t, target in targets
    )))
    return SpfNode(info, via, term, qualifier, tuple(children), depth=depth)


async def _info(walk: _Walk, key: str, head: NodeInfo) -> NodeInfo:
    """The node's whole facts: ``head`` itself when no separate record fetch was given."""
    return head if walk.head is walk.fetch else await walk.fetch(key)


def _dns_terms(record: SpfRecord) -> list[Term]:
    return [t for t in evaluated_terms(record) if t.queries_dns]


def _qualifier(term: Term) -> str:
    return term.qualifier.value if isinstance(term, Mechanism) else "+"


# -- what the tree authorises -----------------------------------------------------------------


def authorised_networks(root: SpfNode) -> tuple[list[str], list[str]]:
    """Every network the tree gives ``pass`` (through ``+`` includes and redirects), merged:
    (IPv4 networks, IPv6 networks)."""
    v4: list[ipaddress.IPv4Network] = []
    v6: list[ipaddress.IPv6Network] = []
    for node in _passing(root):
        for qualifier, text in node.info.networks:
            if qualifier != "+":
                continue
            network = ipaddress.ip_network(text)
            if isinstance(network, ipaddress.IPv4Network):
                v4.append(network)
            else:
                v6.append(network)
    return (
        [str(n) for n in ipaddress.collapse_addresses(v4)],
        [str(n) for n in ipaddress.collapse_addresses(v6)],
    )


def _passing(node: SpfNode) -> Iterator[SpfNode]:
    yield node
    for child in node.children:
        if child.qualifier == "+":
            yield from _passing(child)
