"""check_host() through the project's DNS test server (tests/zones/spf)."""

from __future__ import annotations

import asyncio
import time

import pytest

from mailaudit.dns import Resolver
from mailaudit.spf import SpfResult, check_host, check_host_async

from .conftest import resolver_for


@pytest.fixture
def spf_resolver(dns_server):
    server = dns_server("spf")
    return resolver_for(server)


def result(resolver, ip, domain, sender=None, helo="mail.example.net"):
    return check_host(ip, domain, sender or f"alice@{domain}", helo, resolver=resolver)


@pytest.mark.parametrize(
    ("ip", "domain", "expected"),
    [
        ("94.130.12.9", "basic.spf.test", "pass"),
        ("2a01:4f8:1::5", "basic.spf.test", "pass"),
        ("::ffff:94.130.12.9", "basic.spf.test", "pass"),
        ("5.6.7.8", "basic.spf.test", "fail"),
        ("94.130.12.1", "amx.spf.test", "pass"),
        ("94.130.12.2", "amx.spf.test", "pass"),
        ("2a01:4f8::2", "amx.spf.test", "pass"),
        ("94.130.12.3", "amx.spf.test", "fail"),
        ("5.9.1.1", "inc.spf.test", "pass"),
        ("2a00:1450::1", "inc.spf.test", "softfail"),  # the nested include is ?all: not a match
        ("94.130.12.7", "split.spf.test", "pass"),
        ("94.130.12.9", "redir.spf.test", "pass"),
        ("5.6.7.8", "redir.spf.test", "fail"),
        ("94.130.12.4", "macro.spf.test", "pass"),
        ("94.130.12.10", "ptrok.spf.test", "pass"),
        ("94.130.12.11", "ptrok.spf.test", "fail"),
        ("5.6.7.8", "absent.spf.test", "none"),
        ("5.6.7.8", "nolabel", "none"),
        ("5.6.7.8", "twice.spf.test", "permerror"),
        ("5.6.7.8", "loop1.spf.test", "permerror"),
        ("5.6.7.8", "voids.spf.test", "permerror"),
    ],
)
def test_results(spf_resolver, ip, domain, expected):
    outcome = result(spf_resolver, ip, domain)
    assert outcome.result == expected, outcome
    assert isinstance(outcome.result, SpfResult)


def test_outcome_details(spf_resolver):
    outcome = result(spf_resolver, "94.130.12.4", "macro.spf.test")
    assert outcome.mechanism == "exists:%{ir}.%{l1r-}.ok.spf.test" and outcome.lookups == 1
    loop = result(spf_resolver, "5.6.7.8", "loop1.spf.test")
    assert loop.lookups == 11 and "more than 10" in loop.reason
    voids = result(spf_resolver, "5.6.7.8", "voids.spf.test")
    assert voids.voids == 3 and "void" in voids.reason


def test_explanation_expanded_on_fail_only(spf_resolver):
    outcome = check_host("2001:db8::1", "exp.spf.test", "bob@exp.spf.test", "h.example", resolver=spf_resolver)
    nibbles = ".".join("20010DB8000000000000000000000001")
    assert outcome.result == "fail"
    assert outcome.explanation == f"{nibbles} may not send as bob@exp.spf.test (spf.test)"
    assert result(spf_resolver, "5.6.7.8", "basic.spf.test").explanation is None


def test_dns_failure_is_temperror(dns_server):
    server = dns_server("spf")
    server.timeout("slow.spf.test", "TXT")
    outcome = result(resolver_for(server, timeout=0.2), "5.6.7.8", "slowinc.spf.test")
    assert outcome.result == "temperror" and "timeout" in outcome.reason
    server.servfail("basic.spf.test")
    assert result(resolver_for(server), "5.6.7.8", "basic.spf.test").result == "temperror"


def test_async_twin_and_sync_refuses_inside_loop(spf_resolver):
    async def run():
        with pytest.raises(RuntimeError):
            check_host("5.6.7.8", "basic.spf.test", "a@basic.spf.test", "h", resolver=spf_resolver)
        return await check_host_async("94.130.12.9", "basic.spf.test", "", "basic.spf.test",
                                      resolver=spf_resolver)

    assert asyncio.run(run()).result == "pass"


def test_hostile_records_end_within_limits(dns_server):
    server = dns_server("spf")
    big = "v=spf1 " + " ".join(f"ip4:10.{i // 256 % 256}.{i % 256}.0/24" for i in range(2800)) + " -all"
    pieces = [big[i:i + 255] for i in range(0, len(big), 255)]
    server.add("big.spf.test", "TXT", " ".join(f'"{p}"' for p in pieces))  # ~60 KB: what DNS can carry
    server.add("deep0.spf.test", "TXT", '"v=spf1 redirect=deep1.spf.test"')
    for i in range(1, 40):
        server.add(f"deep{i}.spf.test", "TXT", f'"v=spf1 redirect=deep{i + 1}.spf.test"')
    macro = "exists:" + "%{s}." * 60 + "x.spf.test"
    server.add("huge-macro.spf.test", "TXT", f'"v=spf1 {macro[:200]}" "{macro[200:]} -all"')
    r = resolver_for(server)
    started = time.monotonic()
    assert result(r, "10.5.5.5", "big.spf.test").result == "pass"  # over TCP
    assert result(r, "11.5.5.5", "big.spf.test").result == "fail"
    deep = result(r, "5.6.7.8", "deep0.spf.test")
    assert deep.result == "permerror" and deep.lookups == 11
    long_sender = ("x" * 60 + ".") * 4 + "spf.test"
    assert result(r, "5.6.7.8", "huge-macro.spf.test", sender=f"me@{long_sender}").result == "fail"
    assert time.monotonic() - started < 10


def test_100kb_record_from_a_zone_file(tmp_path):
    big = "v=spf1 " + " ".join(f"ip4:10.{i // 256 % 256}.{i % 256}.0/24" for i in range(6000)) + " -all"
    assert len(big) > 100_000
    strings = " ".join(f'"{big[i:i + 255]}"' for i in range(0, len(big), 255))
    (tmp_path / "huge.test.zone").write_text(f"@ SOA ns.test. h.test. 1 1 1 1 1\n@ TXT {strings}\n")
    resolver = Resolver(zones=[tmp_path / "huge.test.zone"], offline=True)
    started = time.monotonic()
    assert check_host("10.20.30.1", "huge.test", "", "huge.test", resolver=resolver).result == "pass"
    assert check_host("11.0.0.1", "huge.test", "", "huge.test", resolver=resolver).result == "fail"
    assert time.monotonic() - started < 5


def test_unicode_domain_is_evaluated_in_a_label_form(dns_server):
    server = dns_server("spf")
    server.add("xn--bcher-kva.spf.test", "TXT", '"v=spf1 ip4:94.130.12.0/24 -all"')
    resolver = resolver_for(server)
    assert check_host("94.130.12.1", "bücher.spf.test", "", "h.example", resolver=resolver).result == "pass"
