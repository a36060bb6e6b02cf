"""Differential test: our per-tree lookup and void counts against checkdmarc 6.0.4's.

A corpus of SPF records of our own is served by the test DNS server; for each, the counts of
``mailaudit.spftree`` must equal checkdmarc's, or the entry says how and why they differ.
checkdmarc raises instead of counting on when a limit is exceeded or a target is missing; such
entries compare the outcome (both say "over the limit", both say "broken") rather than numbers.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import dns.nameserver
import pytest

from mailaudit.spf.tree import build_tree, fetch_node

from .conftest import ZONES, resolver_for
from .dnsserver import DNSServer

checkdmarc_spf = pytest.importorskip("checkdmarc.spf")

PROVIDER = "include:_spf.provider.test"  # _spf.provider.test includes _spf2: 2 lookups in all


@dataclass(frozen=True)
class Case:
    record: str
    ours: tuple[int, int]  # (lookups, voids) of our tree walk
    theirs: tuple[int, int] | str | None = None  # None: the same as ours; str: the exception checkdmarc raises
    why: str = ""  # when theirs differs: the difference and the reason


DIFFERENT_EXISTS = (
    "checkdmarc does not query exists targets; RFC 7208 4.6.4 counts an exists lookup that returns "
    "no A record as void, and so do we for a target without macros"
)
DIFFERENT_PTR = (
    "checkdmarc looks up A/AAAA of the ptr target domain and counts it void when empty; the RFC's ptr "
    "lookup is the PTR of the client address, unknown without one, so we count the lookup but no void"
)

CORPUS: dict[str, Case] = {
    "ips": Case("v=spf1 ip4:94.130.12.0/24 ip6:2a01:4f8::/32 -all", (0, 0)),
    "amx": Case("v=spf1 a mx -all", (2, 0)),
    "cidr": Case("v=spf1 a/24 mx//64 -all", (2, 0)),
    "upper": Case("v=spf1 A MX -ALL", (2, 0)),
    "provider": Case(f"v=spf1 {PROVIDER} ~all", (2, 0)),
    "duplicate": Case(f"v=spf1 {PROVIDER} {PROVIDER} -all", (4, 0)),
    "nested-void": Case("v=spf1 include:void1.d.spf.test -all", (2, 1)),
    # checkdmarc issue #94 (fixed before 6.0.4) counted 3 voids here: both now say 2
    "issue94": Case("v=spf1 a mx -all", (2, 2)),
    "a-void": Case("v=spf1 a:none1.d.spf.test -all", (1, 1)),
    "a-mx-void": Case("v=spf1 a:none1.d.spf.test mx:none2.d.spf.test -all", (2, 2)),
    "v6-only": Case("v=spf1 a:v6only.d.spf.test -all", (1, 0)),
    "mx-host-no-address": Case("v=spf1 mx:mxnoaddr.d.spf.test -all", (1, 0)),
    "exists-macro": Case("v=spf1 exists:%{i}._spf.d.spf.test -all", (1, 0)),
    "exists-static": Case("v=spf1 exists:none3.d.spf.test -all", (1, 1), (1, 0), DIFFERENT_EXISTS),
    "ptr-no-a": Case("v=spf1 ptr -all", (1, 0), (1, 1), DIFFERENT_PTR),
    "ptr-with-a": Case("v=spf1 ptr:amx.spf.test -all", (1, 0)),
    "redirect": Case("v=spf1 ip4:94.130.12.1 redirect=_spf.provider.test", (2, 0)),
    "redirect-with-all": Case("v=spf1 redirect=_spf.provider.test -all", (0, 0)),
    "after-all": Case("v=spf1 -all a mx", (0, 0)),
    "over-lookups": Case("v=spf1 " + "a " * 11 + "-all", (11, 0), "SPFTooManyDNSLookups"),
    "over-voids": Case("v=spf1 a:none1.d.spf.test a:none2.d.spf.test a:none3.d.spf.test -all", (3, 3),
                       "SPFTooManyVoidDNSLookups"),
    # checkdmarc issue #197 (MX evaluation counted against the 10-lookup limit): in 6.0.4 a name
    # with more than 10 MX still raises SPFTooManyDNSLookups with dns_lookups = the MX count; RFC
    # 7208 4.6.4 makes it a permerror of the mx term, which costs 1 lookup: our spf.mx.too_many
    "many-mx": Case("v=spf1 mx:manymx.spf.test -all", (1, 0), "SPFTooManyDNSLookups",
                    "checkdmarc reports more than 10 MX records as too many DNS lookups (issue #197); "
                    "we count the mx term once and report spf.mx.too_many"),
    "include-nxdomain": Case("v=spf1 include:none4.d.spf.test -all", (1, 1), "SPFRecordNotFound"),
    "include-not-spf": Case("v=spf1 include:txtonly.spf.test -all", (1, 0), "SPFRecordNotFound",
                            "checkdmarc counts a target whose TXT holds no SPF record as a void lookup; "
                            "the TXT answer is not empty, so it is not void (RFC 7208 4.6.4); permerror either way"),
    "loop": Case("v=spf1 include:loop-a.d.spf.test -all", (3, 0), "SPFIncludeLoop"),
}


def zone_text() -> str:
    """The corpus as a zone file (records with names in them are not added in code)."""
    lines = ["$ORIGIN d.spf.test.", "@ SOA ns.test. hostmaster.test. 1 3600 600 86400 60"]
    for name, case in CORPUS.items():
        lines.append(f'{name} TXT "{case.record}"')
        if name in ("amx", "cidr", "upper"):  # "issue94" has neither: NODATA for A, AAAA and MX
            lines += [f"{name} A 94.130.12.40", f"{name} MX 10 mail.amx.spf.test."]
    lines += [
        "over-lookups A 94.130.12.42",
        'void1 TXT "v=spf1 a:none1.d.spf.test -all"',
        "v6only AAAA 2a01:4f8::41",
        "mxnoaddr MX 10 noaddr.d.spf.test.",
        'noaddr TXT "no addresses here"',
        'loop-a TXT "v=spf1 include:loop-b.d.spf.test -all"',
        'loop-b TXT "v=spf1 include:loop-a.d.spf.test -all"',
    ]
    return "\n".join(lines) + "\n"


def ours(resolver, domain: str) -> tuple[int, int, bool]:
    async def walk():
        tree = await build_tree(domain, lambda name: fetch_node(resolver, name))
        return tree.total_lookups, tree.total_voids, tree.has_loop

    return asyncio.run(walk())


def theirs(server, domain: str) -> tuple[int, int] | str:
    nameservers = [dns.nameserver.Do53Nameserver("127.0.0.1", server.port)]
    try:
        result = checkdmarc_spf.get_spf_record(domain, nameservers=nameservers, timeout=1.0)
    except checkdmarc_spf.SPFError as err:
        return type(err).__name__
    return result["dns_lookups"], result["void_dns_lookups"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    zone = tmp_path_factory.mktemp("corpus") / "d.spf.test.zone"
    zone.write_text(zone_text())
    server = DNSServer()
    server.load(ZONES / "root", ZONES / "spf", zone)
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_counts_agree_or_the_difference_is_stated(served, name):
    case = CORPUS[name]
    domain = f"{name}.d.spf.test"
    lookups, voids, loop = ours(resolver_for(served), domain)
    assert (lookups, voids) == case.ours
    expected = case.ours if case.theirs is None else case.theirs
    assert theirs(served, domain) == expected
    if isinstance(expected, tuple) and expected != case.ours:
        assert case.why, "a difference needs its reason"
    if expected == "SPFTooManyDNSLookups" and name != "many-mx":
        assert lookups > 10  # both: over the limit
    if expected == "SPFTooManyVoidDNSLookups":
        assert voids > 2
    if expected == "SPFIncludeLoop":
        assert loop
