"""The `bulk` check against the project's DNS test server."""

from __future__ import annotations

from typing import Any

from mailaudit.catalogue import Catalogue
from mailaudit.dnscore.resolver import run_sync
from mailaudit.engine import Auditor
from mailaudit.model import DomainReport
from mailaudit.options import AuditOptions

from ..conftest import resolver_for


def audit(server: Any, domain: str, lang: str = "en", **options: Any) -> DomainReport:
    auditor = Auditor(resolver_for(server), AuditOptions(checks=("bulk",), dnsbl=False, **options),
                      Catalogue.load(lang))
    return run_sync(lambda: auditor.audit(domain))


def unmet(report: DomainReport) -> dict[str, list[str]]:
    check = report.check("bulk")
    assert check is not None
    return {r["receiver"]: r["unmet"] for r in check.datum("receivers")}  # type: ignore[union-attr]


def test_no_dkim_unmet_at_every_receiver_one_finding_each(dns_server: Any) -> None:
    report = audit(dns_server("plan"), "tokobaju.example")
    assert unmet(report) == {"gmail": ["dkim"], "yahoo": ["dkim"], "microsoft": ["dkim"]}
    findings = [f for f in report.findings if f.id == "bulk.requirement.unmet"]
    assert sorted(f.subject for f in findings) == ["gmail", "microsoft", "yahoo"]
    microsoft = next(f for f in findings if f.subject == "microsoft")
    assert "550 5.7.515" in microsoft.detail and microsoft.severity.value == "medium"


def test_sending_addresses_spf_and_ptr(dns_server: Any) -> None:
    report = audit(dns_server("plan"), "tokobaju.example", sending_ips=("198.51.100.10", "192.0.2.99"))
    assert unmet(report)["gmail"] == ["dkim", "sending_ip_spf", "ptr"]


def test_a_timeout_is_unknown_never_unmet(dns_server: Any) -> None:
    server = dns_server("plan")
    server.timeout("_dmarc.sudahaman.example", "TXT")
    report = audit(server, "sudahaman.example")
    check = report.check("bulk")
    assert check is not None
    receivers = check.datum("receivers")
    assert all("dmarc" in r["unknown"] and "dmarc" not in r["unmet"] for r in receivers)  # type: ignore[union-attr]


def test_indonesian_text(dns_server: Any) -> None:
    report = audit(dns_server("plan"), "tokobaju.example", lang="id")
    finding = next(f for f in report.findings if f.id == "bulk.requirement.unmet")
    assert "kunci DKIM untuk domain" in finding.detail


def test_nothing_readable_is_a_check_error_not_a_finding(dns_server: Any) -> None:
    server = dns_server("plan")
    for name in ("tokobaju.example", "_dmarc.tokobaju.example", "_domainkey.tokobaju.example"):
        server.timeout(name, "TXT")
    report = audit(server, "tokobaju.example")
    check = report.check("bulk")
    assert check is not None and check.status.value == "error"
    assert not [f for f in report.findings if f.id == "bulk.requirement.unmet"]
