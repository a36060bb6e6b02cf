"""The tls_rpt check end to end against the real DNS server (and the HTTPS server for MTA-STS)."""

from __future__ import annotations

from mailaudit.model import Status
from tests.transportrig import Rig

POLICY = "version: STSv1\nmode: enforce\nmx: mx1.rpt.test\nmax_age: 604800\n"
TLSA = "3 1 1 " + "ab" * 32


def test_missing_while_mta_sts_in_use(rig: Rig) -> None:
    rig.mx("rpt.test", "mx1.rpt.test")
    rig.sts("rpt.test", POLICY)
    result = rig.audit("rpt.test", "tls_rpt").check("tls_rpt")
    [finding] = result.findings
    assert (finding.id, finding.variant, finding.subject, finding.severity.value) == (
        "tls_rpt.missing", "sts", "_smtp._tls.rpt.test", "low")
    assert finding.fix is not None
    assert [(r.name, r.type, r.value) for r in finding.fix.records] == [
        ("_smtp._tls.rpt.test.", "TXT", "v=TLSRPTv1; rua=mailto:tls-reports@rpt.test")]
    assert dict(result.data) == {"record": None}
    assert rig.https.connections == 0  # TLS-RPT needs the record, not the policy


def test_missing_while_dane_in_use(rig: Rig) -> None:
    rig.mx("rpt.test", "mx1.rpt.test")
    rig.dns.add("_25._tcp.mx1.rpt.test.", "TLSA", TLSA)
    [finding] = rig.audit("rpt.test", "tls_rpt").check("tls_rpt").findings
    assert (finding.id, finding.variant) == ("tls_rpt.missing", "dane")


def test_neither_in_use_passes(rig: Rig) -> None:
    rig.mx("rpt.test", "mx1.rpt.test")
    result = rig.audit("rpt.test", "tls_rpt").check("tls_rpt")
    assert result.status is Status.PASS and result.findings == ()


def test_tlsa_lookup_timeout_is_an_error_not_an_absence(rig: Rig) -> None:
    rig.mx("rpt.test", "mx1.rpt.test")
    rig.dns.timeout("_25._tcp.mx1.rpt.test.", "TLSA")
    result = rig.audit("rpt.test", "tls_rpt").check("tls_rpt")
    assert result.status is Status.ERROR and result.findings == ()
    assert "DANE" in (result.error or "")


def test_present_record_is_data(rig: Rig) -> None:
    rig.mx("rpt.test", "mx1.rpt.test")
    rig.sts("rpt.test", POLICY)
    rig.dns.add("_smtp._tls.rpt.test.", "TXT", '"v=TLSRPTv1; rua=mailto:tls@rpt.test"')
    result = rig.audit("rpt.test", "tls_rpt").check("tls_rpt")
    assert result.status is Status.PASS and dict(result.data) == {"record": "v=TLSRPTv1; rua=mailto:tls@rpt.test"}


def test_invalid_record(rig: Rig) -> None:
    rig.mx("rpt.test", "mx1.rpt.test")
    rig.dns.add("_smtp._tls.rpt.test.", "TXT", '"v=TLSRPTv1; rua=http://reports.rpt.test/"')
    [finding] = rig.audit("rpt.test", "tls_rpt").check("tls_rpt").findings
    assert (finding.id, finding.variant) == ("tls_rpt.invalid", "rua_invalid")


def test_record_lookup_timeout(rig: Rig) -> None:
    rig.dns.timeout("_smtp._tls.rpt.test.", "TXT")
    assert rig.audit("rpt.test", "tls_rpt").check("tls_rpt").status is Status.ERROR


def test_report_address_must_receive_mail(rig: Rig) -> None:
    rig.mx("rpt.test", "mx1.rpt.test")
    rig.mx("reports.test", "mx.reports.test")
    rig.dns.add("nullmx.test.", "MX", "0 .")
    rig.dns.add("implicit.test.", "A", "192.0.2.80")
    rua = ",".join(f"mailto:tls@{d}" for d in ("reports.test", "gone.test", "nullmx.test", "implicit.test"))
    rig.dns.add("_smtp._tls.rpt.test.", "TXT", f'"v=TLSRPTv1; rua={rua}"')
    result = rig.audit("rpt.test", "tls_rpt").check("tls_rpt")
    got = sorted((f.id, f.variant, f.subject) for f in result.findings)
    assert got == [("tls_rpt.rua.undeliverable", "null_mx", "mailto:tls@nullmx.test"),
                   ("tls_rpt.rua.undeliverable", "nxdomain", "mailto:tls@gone.test")]


def test_report_address_lookup_timeout_is_an_error(rig: Rig) -> None:
    rig.mx("rpt.test", "mx1.rpt.test")
    rig.dns.add("_smtp._tls.rpt.test.", "TXT", '"v=TLSRPTv1; rua=mailto:tls@slow.test"')
    rig.dns.timeout("slow.test.", "MX")
    result = rig.audit("rpt.test", "tls_rpt").check("tls_rpt")
    assert result.status is Status.ERROR and result.findings == ()
