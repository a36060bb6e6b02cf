from __future__ import annotations

import asyncio

from mailaudit import AuditOptions, Auditor, Status, audit

from .conftest import resolver_for

MX_ONLY = AuditOptions(checks=("mx",))


def ids(report):
    return sorted((f.id, f.subject) for f in report.findings)


def test_good_domain_passes(dns_server):
    server = dns_server("mx")
    report = audit("good.mx.test", resolver=resolver_for(server), options=MX_ONLY)
    assert report.check("mx").status is Status.PASS
    assert ids(report) == []


def test_missing_and_implicit(dns_server):
    server = dns_server("mx")
    r = resolver_for(server)
    report = audit("nomx.mx.test", resolver=r, options=MX_ONLY)
    [finding] = report.findings
    assert finding.id == "mx.missing" and finding.variant == "implicit"
    assert finding.fix and finding.fix.records[0].value == "0 ."
    report = audit("absent.mx.test", resolver=r, options=MX_ONLY)
    assert [f.variant for f in report.findings] == ["nxdomain"]


def test_null_and_mixed(dns_server):
    r = resolver_for(dns_server("mx"))
    assert ids(audit("nullmx.mx.test", resolver=r, options=MX_ONLY)) == [("mx.null", "nullmx.mx.test")]
    assert ("mx.null.mixed", "mixed.mx.test") in ids(audit("mixed.mx.test", resolver=r, options=MX_ONLY))


def test_host_problems(dns_server):
    r = resolver_for(dns_server("mx"))
    assert ("mx.host.cname", "mx-alias.alias.mx.test") in ids(audit("alias.mx.test", resolver=r, options=MX_ONLY))
    assert ids(audit("dangling.mx.test", resolver=r, options=MX_ONLY)) == [
        ("mx.host.unresolvable", "nowhere.dangling.mx.test")
    ]
    assert ids(audit("literal.mx.test", resolver=r, options=MX_ONLY))[0][0] == "mx.host.ip_literal"
    private = ids(audit("private.mx.test", resolver=r, options=MX_ONLY))
    assert ("mx.host.private", "mail.private.mx.test") in private


def test_typo_of_known_provider(dns_server):
    r = resolver_for(dns_server("mx"))
    [finding] = audit("typo.mx.test", resolver=r, options=MX_ONLY).findings
    assert finding.id == "mx.host.unresolvable" and finding.variant == "typo"
    assert "aspmx.l.google.com" in finding.detail


def test_ptr_mismatch_is_reported(dns_server):
    r = resolver_for(dns_server("mx"))
    [finding] = audit("slow.mx.test", resolver=r, options=MX_ONLY).findings
    assert finding.id == "mx.host.ptr" and finding.variant == "mismatch"


def test_timeout_is_error_not_missing(dns_server):
    server = dns_server("mx")
    server.timeout("slow.mx.test", "MX")
    report = audit("slow.mx.test", resolver=resolver_for(server, timeout=0.2), options=MX_ONLY)
    check = report.check("mx")
    assert check.status is Status.ERROR and "timeout" in (check.error or "")
    assert report.findings == ()


def test_servfail_is_error(dns_server):
    server = dns_server("mx")
    server.servfail("good.mx.test")
    check = audit("good.mx.test", resolver=resolver_for(server), options=MX_ONLY).check("mx")
    assert check.status is Status.ERROR and "SERVFAIL" in (check.error or "")


def test_inflight_deduplication_across_domains(dns_server):
    server = dns_server("mx")
    auditor = Auditor(resolver_for(server), MX_ONLY)

    async def run():
        return [r async for r in auditor.audit_many(["shared1.mx.test", "shared2.mx.test", "shared3.mx.test"] * 3)]

    reports = asyncio.run(run())
    assert len(reports) == 9
    assert server.count("mx1.provider.mx.test", "A") == 1
    assert server.count("50.12.130.94.in-addr.arpa", "PTR") == 1
    assert server.repeated() == {}
