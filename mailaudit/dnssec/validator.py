"""A DNSSEC chain-of-trust validator over a :class:`~mailaudit.dnssec.model.Fetch` (no network code).

For a name and type it walks from the closest trust anchor down, one label at a time:

* the anchor zone's DNSKEY RRset must contain a key the anchor names and be signed by it;
* at each label below, a DS question: a signed DS RRset is a secure delegation (its DNSKEY
  RRset must hold a key matching a DS, signed by that key); a signed denial (NSEC/NSEC3)
  shows either no zone cut at that label or an unsigned delegation (insecure); a DS RRset of
  algorithms no validator may accept is insecure too (RFC 4035 section 5.2);
* finally the RRset itself must be signed by its zone's keys, or its absence proven.

A failure to get an answer, or a resolver that returns no signatures or DNSKEYs for the anchor
zone, is *indeterminate*: it never becomes *insecure*. Results per zone are shared by every
name validated with the same instance (one instance per run; it holds no global state).
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import dns.dnssec
import dns.exception
import dns.name
import dns.rdata
import dns.rdatatype
import dns.rdtypes.ANY.DNSKEY
import dns.rdtypes.ANY.DS
import dns.rdtypes.ANY.RRSIG
import dns.rrset

from . import algorithms
from .algorithms import DSDigest
from .anchors import Anchor, TrustAnchors, root_anchors
from .denial import Kind, Proof, prove_nsec, prove_nsec3
from .model import Fetch, Fetched, Problem, Signed, Status, Verdict

DS = dns.rdatatype.DS
DNSKEY = dns.rdatatype.DNSKEY
EXPIRING = 3 * 86400  # a valid signature that expires sooner than this is noted
MAX_CNAMES = 8
MAX_DEPTH = 24  # labels below the anchor walked one by one (real mail names have far fewer)


def _text(name: dns.name.Name) -> str:
    return name.to_text()


def _problem(code: str, zone: dns.name.Name, **params: object) -> Problem:
    return Problem(code, _text(zone), tuple((k, str(v)) for k, v in params.items()))


@dataclass(frozen=True, slots=True)
class ZoneState:
    """What is known about the zone that holds a name, after walking the chain down to it."""

    name: dns.name.Name
    status: Status
    keys: dns.rrset.RRset | None = None
    chain: tuple[str, ...] = ()
    insecure_at: str | None = None
    problems: tuple[Problem, ...] = ()
    notes: tuple[Problem, ...] = ()
    absent: bool = False  # the walk proved that the name (and all below it) does not exist

    def fail(self, status: Status, problem: Problem) -> ZoneState:
        return replace(self, status=status, keys=None, problems=(*self.problems, problem))


@dataclass
class Validator:
    """Validates RRsets from ``anchors`` (default: the built-in root anchors).

    ``clock`` gives the time signatures are judged at (tests pass a fixed one). The states of the
    zones walked are memoised in an LRU of ``zone_limit`` entries, so a run over any number of
    domains keeps bounded memory (the zones near the root, used by every walk, stay recent)."""

    fetch: Fetch
    anchors: TrustAnchors = field(default_factory=root_anchors)
    clock: Callable[[], float] = time.time
    zone_limit: int = 10_000
    _zones: collections.OrderedDict[dns.name.Name, asyncio.Future[ZoneState]] = field(
        default_factory=collections.OrderedDict, init=False, repr=False)

    # -- public --------------------------------------------------------------------------

    async def validate(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType, *, records: bool = False) -> Verdict:
        """The status of the RRset ``name``/``rdtype`` (or of its proven absence).

        ``records``: also fetch the RRset in an insecure zone, to report it (``Verdict.records``);
        in signed zones it is always fetched, to be verified."""
        return await self._validate(name, rdtype, MAX_CNAMES, records)

    async def zone_status(self, name: dns.name.Name) -> ZoneState:
        """The state of the zone holding ``name`` (secure, insecure, bogus or indeterminate)."""
        return await self._memo(name)

    # -- the walk ------------------------------------------------------------------------

    async def _memo(self, name: dns.name.Name) -> ZoneState:
        future = self._zones.get(name)
        if future is None:
            future = self._zones[name] = asyncio.ensure_future(self._zone_of(name))
            if len(self._zones) > self.zone_limit:
                self._zones.popitem(last=False)  # a walk still waiting on it holds it itself
        else:
            self._zones.move_to_end(name)
        return await asyncio.shield(future)

    async def _zone_of(self, name: dns.name.Name) -> ZoneState:
        anchor = self.anchors.closest(name)
        if anchor is None:
            return ZoneState(name, Status.INSECURE, problems=(_problem("anchor.none", name),))
        if name == anchor.zone:
            return await self._anchor_zone(anchor)
        if len(name) - len(anchor.zone) > MAX_DEPTH:  # a hostile name must not cost a question per label
            return ZoneState(name, Status.INDETERMINATE, problems=(_problem("name.too_deep", name),))
        parent = await self._memo(name.parent())
        if parent.status is not Status.SECURE or parent.absent:
            return parent
        return await self._step(parent, name)

    async def _anchor_zone(self, anchor: Anchor) -> ZoneState:
        zone = anchor.zone
        digests = {(int(ds.key_tag), int(ds.digest_type), bytes(ds.digest)) for ds in anchor.ds}

        def trusted(key: DNSKeyRdata) -> bool:
            return key in anchor.dnskeys or _matches(zone, key, digests)

        start = ZoneState(zone, Status.SECURE)
        return await self._keyset(start, zone, trusted, anchored=True)

    async def _step(self, parent: ZoneState, name: dns.name.Name) -> ZoneState:
        fetched = await self.fetch(name, DS)
        if fetched.error is not None:
            return parent.fail(Status.INDETERMINATE, _failed(fetched))
        found = fetched.find(name, DS)
        if found is not None:
            return await self._delegation(parent, name, found)
        alias = fetched.find(name, dns.rdatatype.CNAME)
        if alias is not None:  # an alias is never a zone cut; its signature is checked with the data
            return parent
        proof, state = await self._deny(parent, fetched, name, DS)
        if proof is None:
            return state
        if proof.kind is Kind.NXDOMAIN:
            return replace(parent, absent=True)
        if proof.kind is Kind.OPT_OUT or (dns.rdatatype.NS in proof.types and dns.rdatatype.SOA not in proof.types):
            unsigned = _problem("nsec3.opt_out" if proof.kind is Kind.OPT_OUT else "delegation.unsigned", name)
            return replace(parent, status=Status.INSECURE, keys=None, insecure_at=_text(name), problems=(unsigned,))
        return parent  # no zone cut here

    async def _delegation(self, parent: ZoneState, name: dns.name.Name, found: Signed) -> ZoneState:
        problem, notes = self._verify(found, parent)
        if problem is not None:
            return parent.fail(Status.BOGUS, problem)
        usable = [ds for ds in _ds(found.rrset) if algorithms.usable(ds.algorithm, ds.digest_type)]
        if not usable:
            names = ", ".join(sorted({algorithms.algorithm_name(ds.algorithm) for ds in found.rrset}))
            bad = _problem("algorithm.unsupported", name, algorithms=names)
            return replace(parent, status=Status.INSECURE, keys=None, insecure_at=_text(name), problems=(bad,))
        digests = {(int(ds.key_tag), int(ds.digest_type), bytes(ds.digest)) for ds in usable}

        def trusted(key: DNSKeyRdata) -> bool:
            return _matches(name, key, digests)

        notes = (*parent.notes, *notes, *_ds_notes(name, usable))
        child = ZoneState(name, Status.SECURE, chain=parent.chain, notes=notes)
        return await self._keyset(child, name, trusted, anchored=False, ds_tags=sorted({ds.key_tag for ds in usable}))

    async def _keyset(
        self,
        state: ZoneState,
        zone: dns.name.Name,
        trusted: Callable[[DNSKeyRdata], bool],
        *,
        anchored: bool,
        ds_tags: Sequence[int] = (),
    ) -> ZoneState:
        """The zone's DNSKEY RRset, authenticated by the keys ``trusted`` accepts.

        At the anchor zone a missing DNSKEY RRset or missing signatures mean the resolver does
        not pass DNSSEC data (indeterminate); below it they mean a broken zone (bogus)."""
        fetched = await self.fetch(zone, DNSKEY)
        if fetched.error is not None and anchored and fetched.error == "REFUSED":  # an authoritative-only server
            return state.fail(Status.INDETERMINATE, _problem("anchor.refused", zone))
        if fetched.error is not None:
            return state.fail(Status.INDETERMINATE, _failed(fetched))
        found = fetched.find(zone, DNSKEY)
        lacking = Status.INDETERMINATE if anchored else Status.BOGUS
        if found is None:
            return state.fail(lacking, _problem("dnskey.absent" if anchored else "dnskey.missing", zone))
        if found.rrsigs is None:
            code = "signatures.absent" if anchored else "rrsig.missing"
            return state.fail(lacking, _problem(code, zone, rrset="DNSKEY"))
        keys = [key for key in _dnskeys(found.rrset) if key.flags & 0x0100 and trusted(key)]
        if not keys:
            tags = ", ".join(str(dns.dnssec.key_id(key)) for key in _dnskeys(found.rrset))
            wanted = ", ".join(str(tag) for tag in ds_tags) or "the trust anchor"
            proposed = " | ".join(self._proposed_ds(zone, found))
            return state.fail(Status.BOGUS, _problem("ds.mismatch", zone, ds=wanted, dnskeys=tags, proposed=proposed))
        signing = dns.rrset.from_rdata_list(zone, found.rrset.ttl, keys)
        problem, notes = self._verify(found, replace(state, keys=signing))
        if problem is not None:
            return state.fail(Status.BOGUS, problem)
        deprecated = _algorithm_notes(zone, found.rrset)
        return replace(
            state, keys=found.rrset, chain=(*state.chain, _text(zone)), notes=(*state.notes, *notes, *deprecated)
        )

    def _proposed_ds(self, zone: dns.name.Name, found: Signed) -> list[str]:
        """DS records (SHA-256) for the zone's key-signing keys that do sign its DNSKEY RRset:
        what the parent should publish so the chain validates again (never a key that signs nothing)."""
        out: list[str] = []
        for key in _dnskeys(found.rrset):
            if not key.flags & 0x0001 or not algorithms.usable(key.algorithm):  # SEP bit: a KSK
                continue
            alone = ZoneState(zone, Status.SECURE, keys=dns.rrset.from_rdata_list(zone, found.rrset.ttl, [key]))
            if self._verify(found, alone)[0] is None:
                out.append(dns.dnssec.make_ds(zone, key, DSDigest.SHA256).to_text())
        return out

    # -- signatures and denials ------------------------------------------------------------

    def _verify(self, item: Signed, zone: ZoneState) -> tuple[Problem | None, tuple[Problem, ...]]:
        """Whether one RRSIG by ``zone``'s keys validates ``item``: (why not, notes)."""
        what = dns.rdatatype.to_text(item.rrset.rdtype)
        owner = _text(item.rrset.name)
        sigs = [sig for sig in _rrsigs(item.rrsigs) if sig.signer == zone.name]
        if not sigs or zone.keys is None:
            return _problem("rrsig.missing", zone.name, rrset=what, owner=owner), ()
        now = self.clock()
        failures: list[Problem] = []
        for sig in sigs:
            failure = self._check_one(item.rrset, sig, zone, now)
            if failure is None:
                if sig.expiration - now < EXPIRING:
                    return None, (
                        _problem(
                            "rrsig.expiring", zone.name, rrset=what, owner=owner, expiration=_stamp(sig.expiration)
                        ),
                    )
                return None, ()
            failures.append(replace(failure, params=(("rrset", what), ("owner", owner), *failure.params)))
        return min(failures, key=lambda p: _RANK.get(p.code, 9)), ()

    def _check_one(self, rrset: dns.rrset.RRset, sig: RRSIG, zone: ZoneState, now: float) -> Problem | None:
        if not algorithms.usable(sig.algorithm):
            return _problem("rrsig.algorithm", zone.name, algorithm=algorithms.algorithm_name(sig.algorithm))
        if sig.expiration < now:
            return _problem("rrsig.expired", zone.name, key_tag=sig.key_tag, expiration=_stamp(sig.expiration))
        if sig.inception > now:
            return _problem("rrsig.not_yet_valid", zone.name, key_tag=sig.key_tag, inception=_stamp(sig.inception))
        assert zone.keys is not None
        try:
            dns.dnssec.validate_rrsig(rrset, sig, {zone.name: zone.keys}, now=now)
        except (dns.exception.DNSException, ValueError) as err:  # ValidationFailure, UnsupportedAlgorithm...
            return _problem("rrsig.invalid", zone.name, key_tag=sig.key_tag, reason=" ".join(str(err).split()))
        return None

    async def _deny(
        self, zone: ZoneState, fetched: Fetched, name: dns.name.Name, rdtype: dns.rdatatype.RdataType
    ) -> tuple[Proof | None, ZoneState]:
        """The proof a negative answer carries, or (None, the failed state) when there is none."""
        records = (*fetched.denial(dns.rdatatype.NSEC), *fetched.denial(dns.rdatatype.NSEC3))
        if not records:
            if not fetched.authority:  # nothing at all: the resolver (or path) dropped it
                return None, zone.fail(Status.INDETERMINATE, _problem("authority.absent", zone.name, owner=_text(name)))
            return None, zone.fail(Status.BOGUS, _problem("denial.missing", zone.name, owner=_text(name)))
        valid: list[dns.rrset.RRset] = []
        first: Problem | None = None
        for item in records:
            problem, _ = self._verify(item, zone)
            if problem is None:
                valid.append(item.rrset)
            first = first or problem
        nsec = [r for r in valid if r.rdtype == dns.rdatatype.NSEC]
        nsec3 = [r for r in valid if r.rdtype == dns.rdatatype.NSEC3]
        proof = prove_nsec(nsec, name, rdtype) if nsec else prove_nsec3(nsec3, name, rdtype, zone.name)
        if proof is not None:
            return proof, zone
        why = first or _problem("denial.unproven", zone.name, owner=_text(name), rrset=dns.rdatatype.to_text(rdtype))
        return None, zone.fail(Status.BOGUS, why)

    # -- data ------------------------------------------------------------------------------

    async def _validate(
        self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType, depth: int, records: bool
    ) -> Verdict:
        zone = await self._memo(name)
        if zone.status in (Status.BOGUS, Status.INDETERMINATE) or zone.absent:
            return _verdict(name, rdtype, zone)
        if zone.status is Status.INSECURE and not records:
            return _verdict(name, rdtype, zone)  # nothing to verify, and no question asked for nothing
        fetched = await self.fetch(name, rdtype)
        if fetched.error is not None:
            return _verdict(name, rdtype, zone.fail(Status.INDETERMINATE, _failed(fetched)))
        if zone.status is Status.INSECURE:  # nothing to verify, but the records are still reported
            return _verdict(name, rdtype, zone, fetched.find(name, rdtype))
        found = fetched.find(name, rdtype)
        alias = None if found is not None or rdtype == dns.rdatatype.CNAME else fetched.find(name, dns.rdatatype.CNAME)
        item = found or alias
        if item is None:
            _, state = await self._deny(zone, fetched, name, rdtype)
            return _verdict(name, rdtype, state)
        problem, notes = self._verify(item, zone)
        if problem is not None:
            return _verdict(name, rdtype, zone.fail(Status.BOGUS, problem), item)
        here = _verdict(name, rdtype, replace(zone, notes=(*zone.notes, *notes)), item)
        if alias is None:
            return here
        target = alias.rrset[0].target
        if depth <= 0 or target == name:
            return replace(here, status=Status.BOGUS, problems=(_problem("cname.loop", zone.name, owner=_text(name)),))
        return _combine(here, await self._validate(target, rdtype, depth - 1, records))


_RANK = {"rrsig.expired": 0, "rrsig.not_yet_valid": 1, "rrsig.invalid": 2, "rrsig.algorithm": 3}


DNSKeyRdata = dns.rdtypes.ANY.DNSKEY.DNSKEY
DSRdata = dns.rdtypes.ANY.DS.DS
RRSIG = dns.rdtypes.ANY.RRSIG.RRSIG


def _dnskeys(rrset: dns.rrset.RRset) -> list[DNSKeyRdata]:
    return [rd for rd in rrset if isinstance(rd, DNSKeyRdata)]


def _ds(rrset: dns.rrset.RRset) -> list[DSRdata]:
    return [rd for rd in rrset if isinstance(rd, DSRdata)]


def _rrsigs(rrset: dns.rrset.RRset | None) -> list[RRSIG]:
    return [rd for rd in rrset or () if isinstance(rd, RRSIG)]


def _matches(zone: dns.name.Name, key: DNSKeyRdata, digests: set[tuple[int, int, bytes]]) -> bool:
    """Whether ``key`` hashes to one of the DS ``digests`` (key tag, digest type, digest)."""
    tag = dns.dnssec.key_id(key)
    for digest_type in {d[1] for d in digests if d[0] == tag}:
        try:
            made = bytes(dns.dnssec.make_ds(zone, key, DSDigest(digest_type), validating=True).digest)
        except (dns.exception.DNSException, ValueError):  # an unsupported or refused digest
            continue
        if (tag, digest_type, made) in digests:
            return True
    return False


def _algorithm_notes(zone: dns.name.Name, keys: dns.rrset.RRset) -> tuple[Problem, ...]:
    algos = {key.algorithm for key in _dnskeys(keys)}
    return tuple(
        _problem("algorithm.deprecated", zone, algorithm=algorithms.algorithm_name(a))
        for a in sorted(algos & algorithms.DEPRECATED)
    )


def _ds_notes(zone: dns.name.Name, usable: Sequence[DSRdata]) -> tuple[Problem, ...]:
    if all(ds.digest_type in algorithms.DEPRECATED_DIGESTS for ds in usable):
        return (_problem("ds.digest.sha1", zone),)
    return ()


def _stamp(when: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))


def _failed(fetched: Fetched) -> Problem:
    return _problem(
        "fetch.failed",
        fetched.name,
        owner=_text(fetched.name),
        rrset=dns.rdatatype.to_text(fetched.rdtype),
        error=fetched.error,
    )


def _verdict(
    name: dns.name.Name, rdtype: dns.rdatatype.RdataType, zone: ZoneState, item: Signed | None = None
) -> Verdict:
    records = tuple(rd.to_text() for rd in item.rrset) if item is not None else ()
    return Verdict(
        _text(name),
        dns.rdatatype.to_text(rdtype),
        zone.status,
        zone.chain,
        zone.insecure_at,
        zone.problems,
        zone.notes,
        records,
    )


_WORST = {Status.BOGUS: 0, Status.INDETERMINATE: 1, Status.INSECURE: 2, Status.SECURE: 3}


def _combine(first: Verdict, second: Verdict) -> Verdict:
    """An alias and its target: the worse status, both explanations."""
    status = min(first.status, second.status, key=_WORST.__getitem__)
    return replace(
        second,
        status=status,
        problems=(*first.problems, *second.problems),
        notes=(*first.notes, *second.notes),
        records=(*first.records, *second.records),
    )


def worst(verdicts: Sequence[Verdict]) -> Status:
    """The worst status of several (bogus, then indeterminate, insecure, secure)."""
    return min((v.status for v in verdicts), key=_WORST.__getitem__, default=Status.INDETERMINATE)
