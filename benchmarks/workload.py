"""A realistic benchmark workload: zone files for Knot DNS and the list of client domains.

Everything lives under the ``test.`` TLD (served by knotd on loopback):

* providers, each with its shared SPF include tree and MX hosts (with PTRs):
  ``gmailish.test`` (Google-like: aspmx + alt MX, ``_spf`` -> three ``_netblocks``),
  ``outlookish.test`` (Microsoft-365-like: one MX host per tenant under
  ``mail.protection``, ``spf.protection`` -> spfa/spfb, DKIM selectors CNAME'd to the tenant's
  ``onmicrosoftish.test`` name), and sending services (``sendgridish``, ``mcsvish``,
  ``salesforceish``, ``zendeskish`` with nested includes);
* DMARC reporting services (``rua.dmarcish.test``, ``rua.vmailish.test``) that authorise
  every domain with a ``*._report._dmarc`` wildcard;
* client domains (``NAME-NNNNN.test``): about 45 % on the Google-like provider, 35 % on the
  Microsoft-like one, 20 % self-hosted (own MX and address, usually with a PTR); 60-80 % of each
  publish DKIM keys (``DKIM_SHARE``); with a realistic share of problems (no DMARC, ``p=none``,
  ``~all``, missing SPF, too many lookups, weak keys, listed addresses);
* two blocklists: ``bl.test`` (IP list) and ``dbl.test`` (domain list), with RFC 5782 test entries;
* MTA-STS, TLS-RPT and BIMI records for part of the clients (``transport``).

Providers and clients share one zone (``test``) so that knotd follows the CNAMEs from client
DKIM selectors to the provider, as a recursive resolver would; blocklists and reverse names
are zones of their own. Deterministic for a given seed.
"""

from __future__ import annotations

import base64
import hashlib
import pathlib
import random
from dataclasses import dataclass, field

SOA = "@ 3600 SOA ns.test. hostmaster.test. 1 3600 600 86400 60\n@ 3600 NS ns.test.\n"
WORDS = (
    "acme", "northwind", "contoso", "fabrikam", "tailspin", "wingtip", "adatum", "litware",
    "proseware", "fourth", "coffee", "alpine", "blue", "yonder", "trey", "margie", "graphic",
    "lucerne", "humongous", "wide", "world", "woodgrove", "baldwin", "bellows", "city", "power",
    "school", "fine", "art", "nod", "relecloud", "southridge", "munson", "pickles",
)
DMARC_SERVICES = ("rua.dmarcish.test", "rua.vmailish.test")
# Share of clients publishing DKIM keys where a checker can find them (an assumption: Microsoft
# 365 tenants often leave the selector CNAMEs unpublished and sign with the onmicrosoft domain).
DKIM_SHARE = {"google": 0.8, "microsoft": 0.6, "self": 0.6}
ESP_INCLUDES = ("sendgridish.test", "servers.mcsvish.test", "_spf.salesforceish.test", "mail.zendeskish.test")


@dataclass
class Workload:
    zone_dir: pathlib.Path
    domains: list[str]
    kinds: dict[str, int] = field(default_factory=dict)  # provider -> number of clients
    provider_of: list[str] = field(default_factory=list)  # each domain's provider kind, in order
    dnsbl_args: tuple[str, ...] = ("--dnsbl", "bl.test", "--dnsbl", "domain:dbl.test")

    def write_domain_file(self, path: pathlib.Path, domains: list[str] | None = None) -> pathlib.Path:
        path.write_text("\n".join(domains if domains is not None else self.domains) + "\n")
        return path


class Keys:
    """A small pool of real RSA public keys (base64 DER), reused across clients: generating one
    per client would dominate the generator's time and changes nothing for DNS."""

    def __init__(self, seed: int) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.pool: dict[int, list[str]] = {1024: [], 2048: []}
        for bits, count in ((2048, 6), (1024, 2)):
            for _ in range(count):
                public = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
                der = public.public_bytes(
                    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
                )
                self.pool[bits].append(base64.b64encode(der).decode())
        self.rng = random.Random(seed)

    def get(self, bits: int) -> str:
        return self.rng.choice(self.pool[bits])


def txt(text: str) -> str:
    """TXT rdata text: long values split into 255-byte strings."""
    parts = [text[i : i + 250] for i in range(0, len(text), 250)] or [""]
    return " ".join('"' + p.replace('"', '\\"') + '"' for p in parts)


class Zones:
    """Accumulates records for the zone files."""

    def __init__(self, keys: Keys) -> None:
        self.keys = keys
        self.test: list[str] = []
        self.ptr: list[str] = []
        self.bl: list[str] = []
        self.dbl: list[str] = []

    def add(self, name: str, rtype: str, value: str) -> None:
        self.test.append(f"{name}. 300 {rtype} {value}")

    def host(self, name: str, ip: str, ptr: bool = True) -> None:
        self.add(name, "A", ip)
        if ptr:
            self.ptr.append(f"{'.'.join(reversed(ip.split('.')))}.in-addr.arpa. 300 PTR {name}.")

    def write(self, out: pathlib.Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        _zone(out / "test.zone", "test.", self.test)
        _zone(out / "in-addr.arpa.zone", "in-addr.arpa.", self.ptr)
        _zone(out / "bl.test.zone", "bl.test.", self.bl)
        _zone(out / "dbl.test.zone", "dbl.test.", self.dbl)


def _zone(path: pathlib.Path, origin: str, lines: list[str]) -> None:
    path.write_text(f"$ORIGIN {origin}\n{SOA}" + "\n".join(lines) + "\n")


def providers(z: Zones) -> None:
    # Google-like
    z.add("_spf.gmailish.test", "TXT", txt(
        "v=spf1 include:_netblocks.gmailish.test include:_netblocks2.gmailish.test "
        "include:_netblocks3.gmailish.test ~all"))
    z.add("_netblocks.gmailish.test", "TXT", txt(
        "v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 ip4:66.249.80.0/20 "
        "ip4:72.14.192.0/18 ip4:74.125.0.0/16 ip4:108.177.8.0/21 ip4:173.194.0.0/16 ~all"))
    z.add("_netblocks2.gmailish.test", "TXT", txt("v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ~all"))
    z.add("_netblocks3.gmailish.test", "TXT", txt("v=spf1 ip4:172.217.0.0/19 ip4:172.253.56.0/21 ~all"))
    for i, host in enumerate(("aspmx.l", "alt1.aspmx.l", "alt2.aspmx.l", "alt3.aspmx.l", "alt4.aspmx.l")):
        z.host(f"{host}.gmailish.test", f"142.250.{150 + i}.26")
    # Microsoft-365-like
    z.add("spf.protection.outlookish.test", "TXT", txt(
        "v=spf1 include:spfa.protection.outlookish.test include:spfb.protection.outlookish.test -all"))
    z.add("spfa.protection.outlookish.test", "TXT", txt(
        "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/15 ip4:52.102.0.0/16 -all"))
    z.add("spfb.protection.outlookish.test", "TXT", txt("v=spf1 ip4:104.47.0.0/17 ip6:2a01:111:f400::/48 -all"))
    for i in range(4):
        z.host(f"mx{i}.mail.protection.outlookish.test", f"52.101.{40 + i}.5")
    # sending services, one with a nested include
    z.add("sendgridish.test", "TXT", txt("v=spf1 ip4:167.89.0.0/17 ip4:208.117.48.0/20 ~all"))
    z.add("servers.mcsvish.test", "TXT", txt("v=spf1 ip4:205.201.128.0/20 ip4:198.2.128.0/18 ~all"))
    z.add("_spf.salesforceish.test", "TXT",
          txt("v=spf1 exists:%{i}._spf.salesforceish.test include:_spfa.salesforceish.test ~all"))
    z.add("_spfa.salesforceish.test", "TXT", txt("v=spf1 ip4:13.110.208.0/21 ip4:136.146.128.0/20 ~all"))
    z.add("mail.zendeskish.test", "TXT", txt("v=spf1 include:_spf1.zendeskish.test include:_spf2.zendeskish.test ~all"))
    z.add("_spf1.zendeskish.test", "TXT", txt("v=spf1 ip4:192.161.144.0/20 ~all"))
    z.add("_spf2.zendeskish.test", "TXT", txt("v=spf1 ip4:216.198.0.0/18 ~all"))
    for service in DMARC_SERVICES:
        z.add(f"*._report._dmarc.{service}", "TXT", txt("v=DMARC1"))
    # blocklists: RFC 5782 section 5 test entries
    z.bl += ["2.0.0.127 300 A 127.0.0.2", '2.0.0.127 300 TXT "test entry"']
    z.dbl += ["test 300 A 127.0.0.2", '@ 300 TXT "domain list"']


def client(z: Zones, rng: random.Random, index: int) -> tuple[str, str]:
    """Publish one client domain's records; returns (domain, provider kind)."""
    name = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{index:05d}.test"
    roll = rng.random()
    kind = "google" if roll < 0.45 else "microsoft" if roll < 0.80 else "self"
    spf_terms = {"google": ["include:_spf.gmailish.test"],
                 "microsoft": ["include:spf.protection.outlookish.test"],
                 "self": ["mx", "a"]}[kind]
    if rng.random() < 0.3:
        spf_terms.append("include:" + rng.choice(ESP_INCLUDES))
    if rng.random() < 0.02:  # collects every service it ever used: over 10 lookups
        spf_terms += ["include:" + e for e in ESP_INCLUDES] + ["include:spf.protection.outlookish.test"]
    if kind == "google":
        for pref, host in ((1, "aspmx.l"), (5, "alt1.aspmx.l"), (5, "alt2.aspmx.l"), (10, "alt3.aspmx.l")):
            z.add(name, "MX", f"{pref} {host}.gmailish.test.")
        key = z.keys.get(2048 if rng.random() < 0.9 else 1024)
        if rng.random() < DKIM_SHARE[kind]:
            z.add(f"google._domainkey.{name}", "TXT", txt(f"v=DKIM1; k=rsa; p={key}"))
    elif kind == "microsoft":
        label = name.replace(".", "-")
        z.add(name, "MX", f"0 {label}.mail.protection.outlookish.test.")
        z.host(f"{label}.mail.protection.outlookish.test", f"52.101.{40 + index % 4}.5", ptr=False)
        tenant = f"{name.split('.')[0]}.onmicrosoftish.test"
        for sel in ("selector1", "selector2") if rng.random() < DKIM_SHARE[kind] else ():
            target = f"{sel}-{label}._domainkey.{tenant}"
            z.add(f"{sel}._domainkey.{name}", "CNAME", target + ".")
            z.add(target, "TXT", txt(f"v=DKIM1; k=rsa; p={z.keys.get(2048)}"))
    else:
        ip = f"185.{20 + index // 60000}.{(index // 240) % 250}.{10 + index % 240}"
        z.add(name, "MX", f"10 mail.{name}.")
        z.host(f"mail.{name}", ip, ptr=rng.random() < 0.8)
        z.add(name, "A", ip)
        selector = rng.choice(("default", "mail", "dkim", "s1"))
        if rng.random() < DKIM_SHARE[kind]:
            z.add(f"{selector}._domainkey.{name}", "TXT", txt(f"v=DKIM1; p={z.keys.get(2048)}"))
        if rng.random() < 0.03:
            z.bl.append(f"{'.'.join(reversed(ip.split('.')))} 300 A 127.0.0.2")
    if rng.random() > 0.03:
        z.add(name, "TXT", txt("v=spf1 " + " ".join(spf_terms) + (" -all" if rng.random() < 0.6 else " ~all")))
    z.add(name, "TXT", txt(f"google-site-verification={hashlib.sha1(name.encode()).hexdigest()}"))
    dmarc(z, rng, name)
    if rng.random() < 0.01:
        z.dbl.append(f"{name.removesuffix('.test')}.test 300 A 127.0.0.2")
    return name, kind


def dmarc(z: Zones, rng: random.Random, name: str) -> None:
    roll = rng.random()
    if roll < 0.08:
        return  # no DMARC at all
    policy = "none" if roll < 0.40 else "quarantine" if roll < 0.65 else "reject"
    rua = rng.random()
    tags = [f"v=DMARC1; p={policy}"]
    if rua < 0.45:
        tags.append(f"rua=mailto:{hashlib.md5(name.encode()).hexdigest()[:10]}@{rng.choice(DMARC_SERVICES)}")
    elif rua < 0.85:
        tags.append(f"rua=mailto:dmarc@{name}")
    if policy != "none" and rng.random() < 0.2:
        tags.append("pct=50")
    z.add(f"_dmarc.{name}", "TXT", txt("; ".join(tags)))


def transport(z: Zones, name: str, index: int, seed: int) -> None:
    """MTA-STS, TLS-RPT and BIMI records for part of the clients (about 15 %, 20 % and 5 %).

    A generator of its own per client, so the rest of the workload stays what it was. The web
    hosts resolve to TEST-NET addresses, which the auditor does not contact (not public): the
    benchmark measures the DNS cost of the checks, never traffic beyond loopback.
    """
    rng = random.Random(f"transport-{seed}-{index}")
    if rng.random() < 0.15:
        z.add(f"_mta-sts.{name}", "TXT", txt(f"v=STSv1; id=2026{index:06d}"))
        z.host(f"mta-sts.{name}", f"192.0.2.{10 + index % 200}", ptr=False)
    if rng.random() < 0.20:
        z.add(f"_smtp._tls.{name}", "TXT", txt(f"v=TLSRPTv1; rua=mailto:tls@{name}"))
    if rng.random() < 0.05:
        z.add(f"default._bimi.{name}", "TXT", txt(f"v=BIMI1; l=https://brand.{name}/logo.svg"))
        z.host(f"brand.{name}", f"198.51.100.{10 + index % 200}", ptr=False)


def generate(out: pathlib.Path, count: int, seed: int = 7) -> Workload:
    """Write the zone files for ``count`` client domains under ``out``."""
    rng = random.Random(seed)
    zones = Zones(Keys(seed))
    providers(zones)
    domains: list[str] = []
    provider_of: list[str] = []
    for index in range(count):
        name, kind = client(zones, rng, index)
        transport(zones, name, index, seed)
        domains.append(name)
        provider_of.append(kind)
    zones.write(out)
    kinds = {kind: provider_of.count(kind) for kind in ("google", "microsoft", "self")}
    return Workload(out, domains, kinds, provider_of)
