"""Signed fixture zones made at test time with dnspython (keys from ``cryptography``).

``World`` builds a small signed tree under a test root: ``.`` -> ``test.`` -> one zone per
scenario, with faults baked in (expired or future signatures, a DS that matches no key, a
tampered record, RSASHA1, a DS of an algorithm validators refuse, an unsigned delegation).
The root's DS records are the test trust anchor.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.DNSKEY
import dns.zone
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

Algorithm = dns.dnssec.Algorithm
PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
HOUR = 3600
DAY = 86400


@dataclass(frozen=True)
class Key:
    private: PrivateKey
    dnskey: dns.rdtypes.ANY.DNSKEY.DNSKEY

    @property
    def tag(self) -> int:
        return dns.dnssec.key_id(self.dnskey)


def new_key(algorithm: Algorithm = Algorithm.ECDSAP256SHA256, flags: int = 257) -> Key:
    private: PrivateKey
    if algorithm == Algorithm.ED25519:
        private = ed25519.Ed25519PrivateKey.generate()
    elif algorithm in (Algorithm.RSASHA1, Algorithm.RSASHA256, Algorithm.RSASHA1NSEC3SHA1):
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        private = ec.generate_private_key(ec.SECP256R1())
    return Key(private, dns.dnssec.make_dnskey(private.public_key(), algorithm, flags=flags))


def ds_text(origin: str, key: Key, digest: str = "SHA256") -> str:
    return dns.dnssec.make_ds(origin, key.dnskey, digest, policy=dns.dnssec.allow_all_policy).to_text()


def sign(text: str, origin: str, keys: list[Key], *, inception: float, expiration: float) -> dns.zone.Zone:
    zone = dns.zone.from_text(text, origin=origin, relativize=False, check_origin=False)
    with zone.writer() as txn:
        dns.dnssec.sign_zone(
            zone,
            txn,
            keys=[(k.private, k.dnskey) for k in keys],
            inception=inception,
            expiration=expiration,
            policy=dns.dnssec.allow_all_policy,
        )
    return zone


def unsigned(text: str, origin: str) -> dns.zone.Zone:
    return dns.zone.from_text(text, origin=origin, relativize=False, check_origin=False)


def soa(origin: str) -> str:
    below = "" if origin == "." else origin
    return f"$TTL 300\n{origin} SOA ns.{below} hostmaster.{below} 1 3600 600 86400 300\n{origin} NS ns.{below}\n"


def mail_zone(origin: str, tlsa: str | None = None) -> str:
    """A mail domain: MX to mx.<origin>, its address, and optionally TLSA at _25._tcp.mx.<origin>."""
    text = soa(origin) + f"ns.{origin} A 192.0.2.53\n{origin} MX 10 mx.{origin}\nmx.{origin} A 192.0.2.25\n"
    if tlsa:
        text += f"_25._tcp.mx.{origin} TLSA {tlsa}\n"
    return text


TLSA_311 = "3 1 1 " + "ab" * 32
TLSA_OTHER = "3 1 1 " + "cd" * 32
TLSA_PKIX = "1 1 1 " + "ab" * 32
DANE_ZONE = (
    soa("dane.test.") + "ns.dane.test. A 192.0.2.53\n"
    "dane.test. MX 10 mx.dane.test.\ndane.test. MX 20 mx2.dane.test.\ndane.test. MX 30 mx3.unsigned.test.\n"
    "mx.dane.test. A 192.0.2.31\nmx2.dane.test. A 192.0.2.32\n"
    f"_25._tcp.mx.dane.test. TLSA {TLSA_PKIX}\n"
    f"_25._tcp.mx2.dane.test. TLSA {TLSA_311}\n_25._tcp.mx2.dane.test. TLSA {TLSA_OTHER}\n"
)


@dataclass
class World:
    """The signed tree. ``zones`` are ready to serve; ``anchor_text`` is the root's DS file."""

    now: float = field(default_factory=time.time)
    zones: list[dns.zone.Zone] = field(default_factory=list)
    anchor_text: str = ""
    keys: dict[str, Key] = field(default_factory=dict)

    def window(self, *, expired: bool = False, future: bool = False) -> tuple[float, float]:
        if expired:
            return self.now - 10 * DAY, self.now - DAY
        if future:
            return self.now + DAY, self.now + 10 * DAY
        return self.now - HOUR, self.now + 7 * DAY

    def child(
        self,
        origin: str,
        text: str,
        *,
        algorithm: Algorithm = Algorithm.ECDSAP256SHA256,
        expired: bool = False,
        future: bool = False,
    ) -> Key:
        key = self.keys[origin] = new_key(algorithm)
        inception, expiration = self.window(expired=expired, future=future)
        self.zones.append(sign(text, origin, [key], inception=inception, expiration=expiration))
        return key


def build_world(now: float | None = None) -> World:
    """Every scenario the tests use, signed now."""
    world = World(now=now or time.time())
    delegations: list[str] = []

    def delegate(origin: str, ds: str | None) -> None:
        delegations.append(f"{origin} NS ns.{origin}\nns.{origin} A 192.0.2.53\n")
        if ds:
            delegations.append(f"{origin} DS {ds}\n")

    good = world.child("example.test.", mail_zone("example.test.", TLSA_311))
    delegate("example.test.", ds_text("example.test.", good))
    for origin, kw in (
        ("expired.test.", {"expired": True}),
        ("future.test.", {"future": True}),
        ("sha1.test.", {"algorithm": Algorithm.RSASHA1}),
    ):
        key = world.child(origin, mail_zone(origin), **kw)  # type: ignore[arg-type]
        delegate(origin, ds_text(origin, key))
    sha1ds = world.child("sha1ds.test.", mail_zone("sha1ds.test."))
    delegate("sha1ds.test.", ds_text("sha1ds.test.", sha1ds, "SHA1"))
    world.child("mismatch.test.", mail_zone("mismatch.test."))
    delegate("mismatch.test.", ds_text("mismatch.test.", new_key()))  # the DS of a key nobody uses
    tampered = world.child("tampered.test.", mail_zone("tampered.test."))
    delegate("tampered.test.", ds_text("tampered.test.", tampered))
    _tamper(world.zones[-1], "tampered.test.")
    n3_key = world.keys["n3.test."] = new_key()
    n3_text = (
        mail_zone("n3.test.", TLSA_311) + "legacy.n3.test. NS ns.legacy.n3.test.\nns.legacy.n3.test. A 192.0.2.9\n"
    )
    world.zones.append(
        sign_nsec3(n3_text, "n3.test.", n3_key, inception=world.now - HOUR, expiration=world.now + 7 * DAY)
    )
    world.zones.append(unsigned(mail_zone("legacy.n3.test."), "legacy.n3.test."))
    delegate("n3.test.", ds_text("n3.test.", n3_key))
    unsigned_text = mail_zone("unsigned.test.", TLSA_311) + "mx3.unsigned.test. A 192.0.2.26\n"
    unsigned_text += f"_25._tcp.mx3.unsigned.test. TLSA {TLSA_311}\n"
    world.zones.append(unsigned(unsigned_text, "unsigned.test."))
    world.zones.append(unsigned(soa("plain.test.") + "plain.test. MX 10 mx.example.test.\n", "plain.test."))
    delegate("plain.test.", None)  # an unsigned domain whose MX is a signed host with TLSA
    dane = world.child("dane.test.", DANE_ZONE)
    delegate("dane.test.", ds_text("dane.test.", dane))
    badtlsa = world.child("badtlsa.test.", mail_zone("badtlsa.test.", TLSA_311))
    delegate("badtlsa.test.", ds_text("badtlsa.test.", badtlsa))
    _tamper(world.zones[-1], "_25._tcp.mx.badtlsa.test.", "TLSA", "3 1 1 " + "ef" * 32)
    delegate("unsigned.test.", None)
    world.zones.append(unsigned(mail_zone("md5.test."), "md5.test."))
    delegate("md5.test.", "12345 1 2 " + "cd" * 32)  # RSAMD5: validators must treat the zone as unsigned
    tld = world.child("test.", soa("test.") + "ns.test. A 192.0.2.53\n" + "".join(delegations))
    root_key = new_key()
    root_text = soa(".") + "ns. A 192.0.2.53\ntest. NS ns.test.\n" + f"test. DS {ds_text('test.', tld)}\n"
    inception, expiration = world.window()
    world.zones.append(sign(root_text, ".", [root_key], inception=inception, expiration=expiration))
    world.keys["."] = root_key
    world.zones.append(unsigned(soa("in-addr.arpa."), "in-addr.arpa."))  # PTR questions of the MX check: NXDOMAIN
    world.anchor_text = f". IN DS {ds_text('.', root_key)}\n"
    return world


def _tamper(zone: dns.zone.Zone, owner: str, rdtype: str = "MX", value: str | None = None) -> None:
    """Change a record set after signing: its RRSIG no longer verifies."""
    with zone.writer() as txn:
        name = dns.name.from_text(owner)
        kind = dns.rdatatype.from_text(rdtype)
        txn.delete(name, kind)
        txn.add(name, 300, dns.rdata.from_text(dns.rdataclass.IN, kind, value or f"20 evil.{owner}"))


def sign_nsec3(text: str, origin: str, key: Key, *, inception: float, expiration: float) -> dns.zone.Zone:
    """A zone signed with an NSEC3 chain (SHA-1, 0 iterations, no salt, opt-out), which
    dnspython's ``sign_zone`` does not make: insecure delegations are left out of the chain."""
    zone = unsigned(text, origin)
    apex = dns.name.from_text(origin)
    with zone.writer() as txn:
        txn.add(apex, 300, key.dnskey)
        txn.add(apex, 300, dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.NSEC3PARAM, "1 0 0 -"))
    cuts = {n for n, node in zone.nodes.items() if n != apex and node.get_rdataset(zone.rdclass, dns.rdatatype.NS)}
    names = _nsec3_names(zone, apex, cuts)
    hashed = sorted((base64.b32hexdecode(dns.dnssec.nsec3_hash(n, b"", 0, 1)), types) for n, types in names.items())
    with zone.writer() as txn:
        for index, (digest, types) in enumerate(hashed):
            nxt = base64.b32hexencode(hashed[(index + 1) % len(hashed)][0]).decode()
            bitmap = " ".join(sorted(dns.rdatatype.to_text(t) for t in types))
            rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.NSEC3, f"1 1 0 - {nxt} {bitmap}")
            owner = dns.name.Name((base64.b32hexencode(digest).lower(),)).concatenate(apex)
            txn.add(owner, 300, rdata)
    todo = [
        (n, rds)
        for n, node in zone.nodes.items()
        if not _below_cut(n, cuts)
        for rds in node.rdatasets
        if rds.rdtype != dns.rdatatype.RRSIG and not (n in cuts and rds.rdtype == dns.rdatatype.NS)
    ]
    with zone.writer() as txn:
        for name, rdataset in todo:
            sig = dns.dnssec.sign(
                (name, rdataset),
                key.private,
                apex,
                key.dnskey,
                inception=inception,  # type: ignore[arg-type]
                expiration=expiration,
            )
            txn.add(name, rdataset.ttl, sig)
    return zone


def _below_cut(name: dns.name.Name, cuts: set[dns.name.Name]) -> bool:
    return any(name != cut and name.is_subdomain(cut) for cut in cuts)


def _nsec3_names(zone: dns.zone.Zone, apex: dns.name.Name, cuts: set[dns.name.Name]) -> dict[dns.name.Name, set[int]]:
    names: dict[dns.name.Name, set[int]] = {}
    for name, node in list(zone.nodes.items()):
        types = {rds.rdtype for rds in node.rdatasets}
        if _below_cut(name, cuts) or (name in cuts and dns.rdatatype.DS not in types):
            continue  # glue, or an insecure delegation (opt-out)
        if name in cuts:
            types &= {dns.rdatatype.NS, dns.rdatatype.DS}
        names[name] = types | {dns.rdatatype.RRSIG}
        while name != apex:
            name = name.parent()
            names.setdefault(name, set())
    return names


def small_tree(children: dict[str, str], now: float | None = None) -> World:
    """A signed root, ``test.`` and the given signed child zones of ``test.`` (origin -> text)."""
    world = World(now=now or time.time())
    delegations = ""
    for origin, text in children.items():
        key = world.child(origin, text)
        delegations += f"{origin} NS ns.{origin}\nns.{origin} A 192.0.2.53\n{origin} DS {ds_text(origin, key)}\n"
    tld = world.child("test.", soa("test.") + "ns.test. A 192.0.2.53\n" + delegations)
    root_key = world.keys["."] = new_key()
    root_text = soa(".") + "ns. A 192.0.2.53\ntest. NS ns.test.\n" + f"test. DS {ds_text('test.', tld)}\n"
    inception, expiration = world.window()
    world.zones.append(sign(root_text, ".", [root_key], inception=inception, expiration=expiration))
    world.anchor_text = f". IN DS {ds_text('.', root_key)}\n"
    return world
