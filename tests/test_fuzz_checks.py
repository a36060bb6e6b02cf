"""Property test of the checks end to end: hostile records served from a zone (offline, no network)
never make a check fail with an internal error, and the audit finishes quickly."""

from __future__ import annotations

import asyncio
import os
import time

import dns.zone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailaudit import AuditOptions, audit_async
from mailaudit.dns import Resolver
from mailaudit.dnscore.zonefile import ZoneSet
from mailaudit.model import DnsRecord
from mailaudit.render.records import zone_line

FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")), deadline=20_000,
                suppress_health_check=[HealthCheck.too_slow])

HOSTILE = ["\x1b[31m", "\u202e", "\x00", "\ufffd", "%{i}", "%{", ";", "=", "!", "@", ":", " ", "..", "\\", '"']
SPF = ["v=spf1", " ", "include:fuzz.test", "include:b.fuzz.test", "redirect=b.fuzz.test", "mx", "a", "ptr",
       "ip4:94.130.12.0/24", "exists:%{i}.fuzz.test", "-all", "~all", "?all", "+all", "include:none.fuzz.test"]
DMARC = ["v=DMARC1", "; ", "p=", "sp=", "none", "reject", "quarantine", "pct=", "50", "rua=", "ruf=",
         "mailto:", "r@fuzz.test", "r@other.test", "!10m", ",", "fo=1", "adkim=s", "np=", "t=y", "psd=y"]
DKIM = ["v=DKIM1", "; ", "k=", "rsa", "ed25519", "p=", "MCowBQYDK2VwAyEA" + "A" * 43, "t=y", "h=", "sha1",
        "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC"]


def record(words: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(words + HOSTILE) | st.text(max_size=5), max_size=16).map("".join)


def zone(spf: str, other: str, dmarc: str, dkim: str, mx: str) -> dns.zone.Zone:
    txt = [DnsRecord("fuzz.test.", "TXT", spf), DnsRecord("b.fuzz.test.", "TXT", other),
           DnsRecord("_dmarc.fuzz.test.", "TXT", dmarc), DnsRecord("default._domainkey.fuzz.test.", "TXT", dkim)]
    lines = ["$TTL 60", "@ SOA ns.fuzz.test. h.fuzz.test. 1 2 3 4 5", f"@ MX {mx}",
             "mx A 94.130.12.1", "alias CNAME alias", *(zone_line(r, None) for r in txt)]
    return dns.zone.from_text("\n".join(lines), origin="fuzz.test.", relativize=False, check_origin=False)


@FUZZ
@given(record(SPF), record(SPF), record(DMARC), record(DKIM),
       st.sampled_from(["10 mx", "0 .", "10 alias", "10 94.130.12.1.", "10 mx.other.test.", "5 fuzz.test."]))
def test_hostile_records_never_break_a_check(spf: str, other: str, dmarc: str, dkim: str, mx: str) -> None:
    resolver = Resolver(zones=ZoneSet([zone(spf, other, dmarc, dkim, mx)]), offline=True, timeout=0.5)
    options = AuditOptions(dnsbl=False, sending_ips=("94.130.12.7",))
    start = time.monotonic()
    report = asyncio.run(audit_async("fuzz.test", resolver=resolver, options=options))
    assert time.monotonic() - start < 10
    broken = [c.error for c in report.checks if c.error and "internal error" in c.error]
    assert not broken, broken
