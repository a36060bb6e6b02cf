"""A batch costs one round of selector probes per domain: concurrent, cached, never repeated."""

from __future__ import annotations

import asyncio
import time

from mailaudit import AuditOptions, Auditor, Status
from mailaudit.dkim.selectors import BUILTIN

from .conftest import resolver_for

DOMAINS = 500


def test_500_domains_cost_one_round_of_probes_each(dns_server):
    server = dns_server("dkim")  # batch.dkim.test.zone: d0..d499, every tenth with a CNAME'd key
    domains = [f"d{i}.batch.dkim.test" for i in range(DOMAINS)]
    auditor = Auditor(resolver_for(server, timeout=3.0), AuditOptions(checks=("dkim",)))

    async def audit_all():
        return [r async for r in auditor.audit_many(domains)]

    started = time.perf_counter()
    reports = asyncio.run(audit_all())
    elapsed = time.perf_counter() - started
    assert len(reports) == DOMAINS
    assert all(r.check("dkim").status is not Status.ERROR for r in reports)
    assert sum(1 for r in reports if r.check("dkim").datum("selectors")) == DOMAINS // 10
    # at most one round per domain: _domainkey.<domain> and each selector once, plus MX and TXT
    # for "does it send mail?"; a domain whose _domainkey is NXDOMAIN costs no selector probe
    per_domain = 1 + len(BUILTIN) + 2
    self_check = 2  # once per run: the resolver's root SOA and .invalid questions
    assert server.total <= DOMAINS * per_domain + self_check, server.total
    with_keys = DOMAINS // 10
    assert server.total <= with_keys * per_domain + (DOMAINS - with_keys) * 3 + self_check, server.total
    assert server.repeated() == {}
    assert elapsed < 60
