"""Scheduling rules of one audit: a question goes out as soon as what it depends on is known,
not after answers it does not need (issue 19: one domain's audit in few rounds of latency).

Each case holds the answers for one name at the test DNS server (``DNSServer.hold``) and waits
until the question that must not depend on it reaches the server; then releases the held name
and lets the audit finish. No clock is asserted: with the rule broken, the awaited question only
goes out after the release, and the case fails when its wait (far shorter than the resolver's
timeout, so the held answer cannot time out first) ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from mailaudit import AuditOptions, Auditor, Status

from .conftest import resolver_for
from .dnsserver import DNSServer

DOMAIN = "sched.test"
WAIT = 5.0  # seconds for the awaited question: a bound for a failure, not a measured time
RESOLVER_TIMEOUT = 30.0  # a held answer must never time out while the case waits


@dataclass(frozen=True)
class Case:
    checks: tuple[str, ...]
    held: str  # every answer for this name waits
    expected: tuple[str, str]  # (name, type) that must be asked meanwhile
    dnsbl_zones: tuple[str, ...] = ()


CASES = {
    # report authorisation needs the _dmarc record, not the SPF include tree (facts/posture.py)
    "dmarc report authorisation before the SPF tree": Case(
        ("spf", "dmarc"), "slow.other.test", ("sched.test._report._dmarc.reports.other.test", "TXT")),
    # an include is followed from the record, while the record's own a: term is looked up
    "spf include before the a: term's addresses": Case(
        ("spf",), "slowhost.sched.test", ("inc.other.test", "TXT")),
    # TLSA needs the MX host's name, not its addresses
    "tlsa with the mx host's addresses": Case(
        ("mx", "tls_rpt"), "mx.sched.test", ("_25._tcp.mx.sched.test", "TLSA")),
    # the BIMI record is asked while the organizational domain's DMARC record is looked for
    "bimi record before dmarc discovery": Case(
        ("bimi",), "_dmarc.sched.test", ("default._bimi.sched.test", "TXT")),
    # a domain list needs the domain and the list's health probe, not the MX addresses
    "domain blocklist before the mx addresses": Case(
        ("mx", "dnsbl"), "mx.sched.test", ("sched.test.dbl.other.test", "A"),
        dnsbl_zones=("domain:dbl.other.test",)),
}


def _zones(server: DNSServer) -> None:
    data = server.data
    for origin in (DOMAIN, "other.test"):
        data.add_origin(origin)
    data.add(DOMAIN, "MX", "10 mx.sched.test.")
    data.add("mx.sched.test", "A", "192.0.2.25")
    data.add(DOMAIN, "TXT", '"v=spf1 a:slowhost.sched.test include:inc.other.test include:slow.other.test ~all"')
    data.add("slowhost.sched.test", "A", "192.0.2.26")
    data.add("inc.other.test", "TXT", '"v=spf1 ip4:198.51.100.0/24 -all"')
    data.add("slow.other.test", "TXT", '"v=spf1 ip4:203.0.113.0/24 -all"')
    data.add(f"_dmarc.{DOMAIN}", "TXT", '"v=DMARC1; p=reject; rua=mailto:agg@reports.other.test"')
    data.add("*._report._dmarc.reports.other.test", "TXT", '"v=DMARC1"')
    data.add(f"_smtp._tls.{DOMAIN}", "TXT", f'"v=TLSRPTv1; rua=mailto:tls@{DOMAIN}"')
    data.add("test.dbl.other.test", "A", "127.0.0.2")


async def _audit_while_held(server: DNSServer, case: Case) -> tuple[bool, Status | None]:
    """(whether the expected question was asked while the held name was unanswered, the status
    of the case's last check once the audit finished)."""
    options = AuditOptions(checks=case.checks, dnsbl_zones=case.dnsbl_zones)
    auditor = Auditor(resolver_for(server, timeout=RESOLVER_TIMEOUT), options)
    task = asyncio.ensure_future(auditor.audit(DOMAIN))
    loop = asyncio.get_running_loop()
    until = loop.time() + WAIT
    while not (asked := _asked(server, case)) and not task.done() and loop.time() < until:
        await asyncio.sleep(0.01)
    server.release()
    report = await task
    result = report.check(case.checks[-1])
    await auditor.resolver.aclose()
    return asked, result.status if result else None


def _asked(server: DNSServer, case: Case) -> bool:
    """The held name was asked (its answer is waiting) and so was the expected question."""
    held = server.count(case.held, "A") + server.count(case.held, "TXT")
    return held > 0 and server.count(*case.expected) > 0


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_question_goes_out_before_an_answer_it_does_not_need(dns_server: Callable[..., DNSServer], case: Case) -> None:
    server = dns_server()
    _zones(server)
    server.hold(case.held)
    asked, status = asyncio.run(_audit_while_held(server, case))
    assert asked, f"{case.expected} waited for {case.held}"
    assert status is not Status.ERROR  # the held answer came, and the audit completed
    assert not server.repeated()  # each question asked once
