"""The engine as a library: typed results, sync and async, streaming many domains."""

from __future__ import annotations

import asyncio

from mailaudit import AuditOptions, DomainReport, Status, audit, audit_async, audit_many
from mailaudit.model import Severity

from .conftest import resolver_for

MX_ONLY = AuditOptions(checks=("mx",))


def test_audit_returns_a_typed_report(dns_server):
    report = audit("good.mx.test", resolver=resolver_for(dns_server("mx")), checks=("mx",))
    assert isinstance(report, DomainReport)
    assert report.domain == "good.mx.test" and report.check("mx").status is Status.PASS


def test_audit_async(dns_server):
    r = resolver_for(dns_server("mx"))
    report = asyncio.run(audit_async("nullmx.mx.test", resolver=r, options=MX_ONLY))
    assert [f.id for f in report.findings] == ["mx.null"]
    assert report.findings[0].severity is Severity.INFO


def test_audit_many_streams_every_domain(dns_server):
    server = dns_server("mx")
    names = ["good.mx.test", "nullmx.mx.test", "dangling.mx.test", "shared1.mx.test"]
    stream = audit_many(names, resolver=resolver_for(server), options=MX_ONLY, concurrency=2)
    first = next(stream)
    assert first.domain in names
    rest = list(stream)
    assert sorted(r.domain for r in [first, *rest]) == sorted(names)


def test_skipped_checks_are_not_run(dns_server):
    report = audit("good.mx.test", resolver=resolver_for(dns_server("mx")), options=MX_ONLY)
    assert [c.id for c in report.checks] == ["mx"]


def test_keyword_api_takes_the_cli_options_and_reports_grade_and_score():
    """The contract: audit() takes nameservers/timeout/zones/offline/lang/... as keywords, and a
    report has .grade and .score with findings worst first."""
    import pathlib

    from mailaudit import audit as audit_fn

    zones = pathlib.Path(__file__).resolve().parent.parent / "examples" / "zones"
    report = audit_fn("batikmurni.example", zones=[str(zones)], offline=True, timeout=2.0, lang="id",
                      dkim_selectors=["extra"], dnsbl=False)
    assert report.grade in ("A", "B", "C", "D", "F") and 0 <= report.score <= 100
    ranks = [f.severity.rank for f in report.findings]
    assert ranks == sorted(ranks, reverse=True)
    assert any(f.title == "Tidak ada record DMARC" for f in report.findings)  # lang reached the catalogue
    assert report.check("dnsbl").status.value == "skipped"


def test_keyword_api_refuses_unknown_options():
    import pytest

    from mailaudit import InputError
    from mailaudit import audit as audit_fn

    with pytest.raises(InputError):
        audit_fn("example.test", offline=True, zones=[], no_such_option=True)
