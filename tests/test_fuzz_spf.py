"""Property tests of the RFC 7208 evaluator: hostile records, senders and HELO names from a zone
(offline, no network) always give one of the seven results, quickly, and never raise."""

from __future__ import annotations

import os
import time

import dns.zone
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mailaudit.dns import Resolver
from mailaudit.dnscore.zonefile import ZoneSet
from mailaudit.errors import InputError
from mailaudit.model import DnsRecord
from mailaudit.render.records import zone_line
from mailaudit.spf import SpfResult, check_host

FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "80")), deadline=10_000,
                suppress_health_check=[HealthCheck.too_slow])

TERMS = ["include:fuzz.test", "include:b.fuzz.test", "redirect=b.fuzz.test", "exists:%{i}.%{l}.fuzz.test",
         "a", "mx", "ptr", "a:%{d2r}.fuzz.test/24//64", "mx:%{o}", "ip4:94.130.12.0/24", "ip6:2a01::/16",
         "exp=e.fuzz.test", "include:%{S}.fuzz.test", "exists:%{h1r-}.%{v}.%{p}.fuzz.test", "-all", "~all",
         "?all", "+all", "include:missing.fuzz.test", "a:%{s}", "exists:%{i128r}.%{d9999999}.fuzz.test"]
QUALIFIERS = ["", "-", "~", "?", "+"]
HOSTILE = ["\x1b[31m", "\u202e", "\udcff", "%", "%{", "é", "..", "@", " "]


def record() -> st.SearchStrategy[str]:
    term = st.tuples(st.sampled_from(QUALIFIERS), st.sampled_from(TERMS)).map("".join) | st.text(max_size=10)
    return st.lists(term, max_size=12).map(lambda terms: " ".join(["v=spf1", *terms]))


def words() -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from([*HOSTILE, "a", "b.c", "fuzz.test", "x@y"]) | st.text(max_size=6),
                    max_size=5).map("".join)


def zone(main: str, other: str, explanation: str) -> dns.zone.Zone:
    records = [DnsRecord("fuzz.test.", "TXT", main), DnsRecord("b.fuzz.test.", "TXT", other),
               DnsRecord("e.fuzz.test.", "TXT", explanation)]
    text = "\n".join(["$TTL 60", "@ SOA ns.fuzz.test. h.fuzz.test. 1 2 3 4 5", "@ MX 10 mx", "mx A 94.130.12.1",
                      *(zone_line(r, None) for r in records)])
    return dns.zone.from_text(text, origin="fuzz.test.", relativize=False, check_origin=False)


@FUZZ
@given(record(), record(), words(), words(), words(), st.sampled_from(["94.130.12.7", "2a01::1", "::ffff:1.2.3.4"]))
@example("v=spf1 exists:%{L}.fuzz.test -all exp=e.fuzz.test", "", "%{S} %{h}", "\udcff@x.test", "\ud800", "1.2.3.4")
@example("v=spf1 -all exp=e.fuzz.test", "", "%{S}", "\ud800\x1b@x.test", "h", "1.2.3.4")
def test_check_host_always_gives_a_result(main: str, other: str, explanation: str, sender: str, helo: str,
                                          ip: str) -> None:
    resolver = Resolver(zones=ZoneSet([zone(main, other, explanation)]), offline=True, timeout=0.5)
    start = time.monotonic()
    outcome = check_host(ip, "fuzz.test", sender, helo or "fuzz.test", resolver=resolver)
    assert time.monotonic() - start < 5
    assert SpfResult(outcome.result) in set(SpfResult)
    assert outcome.explanation is None or len(outcome.explanation) <= 1024


def test_a_bad_client_address_is_an_input_error() -> None:
    resolver = Resolver(zones=ZoneSet([zone("v=spf1 -all", "", "")]), offline=True, timeout=0.5)
    with pytest.raises(InputError, match="not an IPv4 or IPv6 address"):
        check_host("\x1b[31m", "fuzz.test", "", "fuzz.test", resolver=resolver)


def test_a_zone_index_is_dropped_from_the_client_address() -> None:
    resolver = Resolver(zones=ZoneSet([zone("v=spf1 ip6:2a01:4f8::/32 -all", "", "")]), offline=True, timeout=0.5)
    assert check_host("2a01:4f8::1%eth0", "fuzz.test", "", "fuzz.test", resolver=resolver).result == "pass"
