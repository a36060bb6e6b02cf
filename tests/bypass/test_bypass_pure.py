"""The filtering-service table, origin candidates and RCPT interpretation (pure parts)."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from mailaudit.bypass.candidates import Reason, Signals, candidates, shows_m365, single_address, tenant_endpoint
from mailaudit.bypass.interpret import Verdict, read
from mailaudit.bypass.providers import filter_of, load_providers, provider_of
from mailaudit.smtp.outcomes import Failure, FailureKind, RcptProbe
from mailaudit.smtp.replies import assemble, parse_line

TABLE = load_providers()

REQUIRED = {
    "proofpoint", "mimecast", "barracuda", "cisco", "broadcom", "trend", "sophos", "spamexperts",
    "mailchannels", "hornetsecurity", "microsoft", "google",
}  # fmt: skip


def test_table_has_the_required_services_with_sources() -> None:
    keys = {p.key for p in TABLE}
    assert keys >= REQUIRED
    assert len(keys) == len(TABLE)  # keys are unique
    for provider in TABLE:
        assert provider.suffixes and provider.sources and provider.lock in ("ranges", "certificate", "hostname")
    raw = tomllib.loads(resources.files("mailaudit.bypass").joinpath("providers.toml").read_text())
    assert all("sources" in entry and "verified" in entry for entry in raw["provider"])


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("mx0a-001234.pphosted.com", "proofpoint"),
        ("mx1-us1.ppe-hosted.com.", "proofpoint"),
        ("EU-SMTP-INBOUND-1.MIMECAST.COM", "mimecast"),
        ("d123.ess.barracudanetworks.com", "barracuda"),
        ("mx1.hc1234-56.iphmx.com", "cisco"),
        ("cluster1.eu.messagelabs.com", "broadcom"),
        ("in.tmes.trendmicro.eu", "trend"),
        ("mx-01-eu-west-1.prod.hydra.sophos.com", "sophos"),
        ("mx.spamexperts.com", "spamexperts"),
        ("mx1.mailchannels.net", "mailchannels"),
        ("mx01.hornetsecurity.com", "hornetsecurity"),
        ("contoso-com.mail.protection.outlook.com", "microsoft"),
        ("aspmx.l.google.com", "google"),
    ],
)
def test_provider_of(host: str, key: str) -> None:
    found = provider_of(host, TABLE)
    assert found is not None and found.key == key


def test_lookalikes_are_not_providers() -> None:
    assert provider_of("evilmimecast.com", TABLE) is None
    assert provider_of("mimecast.com.attacker.test", TABLE) is None


def test_filter_is_the_primary_mx() -> None:
    assert filter_of([(10, "mx1.example.org"), (5, "eu-smtp-inbound-1.mimecast.com")], TABLE).key == "mimecast"  # type: ignore[union-attr]
    assert filter_of([(10, "mail.example.org"), (20, "eu-smtp-inbound-1.mimecast.com")], TABLE) is None
    assert filter_of([], TABLE) is None


def test_candidates_from_dns_signals() -> None:
    mimecast = provider_of("eu-smtp-inbound-1.mimecast.com", TABLE)
    assert mimecast is not None
    signals = Signals(
        domain="Example.ORG.",
        mx=((10, "eu-smtp-inbound-1.mimecast.com"), (20, "old-exchange.example.org.")),
        baseline_mx=("mx.hoster.example.net", "eu-smtp-inbound-1.mimecast.com"),
        spf_a_hosts=("mail.example.org", "web.example.org"),
        spf_ip_terms=("192.0.2.7", "198.51.100.0/24", "2001:db8::25/128", "203.0.113.9/32", "bogus"),
        spf_includes=("spf.protection.outlook.com", "_netblocks.mimecast.com"),
    )
    found = candidates(signals, mimecast)
    pairs = [(c.reason, c.host or c.address) for c in found]
    assert pairs == [
        (Reason.OTHER_MX, "old-exchange.example.org"),
        (Reason.BASELINE_MX, "mx.hoster.example.net"),
        (Reason.M365_TENANT, "example-org.mail.protection.outlook.com"),
        (Reason.APEX, "example.org"),
        (Reason.CONVENTIONAL, "mail.example.org"),
        (Reason.CONVENTIONAL, "smtp.example.org"),
        (Reason.CONVENTIONAL, "mx.example.org"),
        (Reason.CONVENTIONAL, "webmail.example.org"),
        (Reason.CONVENTIONAL, "cpanel.example.org"),
        (Reason.SPF_A, "web.example.org"),
        (Reason.SPF_IP, "192.0.2.7"),
        (Reason.SPF_IP, "2001:db8::25"),
        (Reason.SPF_IP, "203.0.113.9"),
    ]


def test_no_tenant_endpoint_without_m365_signs_or_behind_eop() -> None:
    eop = provider_of("x.mail.protection.outlook.com", TABLE)
    assert eop is not None
    signals = Signals(domain="example.org", spf_includes=("spf.protection.outlook.com",))
    assert all(c.reason is not Reason.M365_TENANT for c in candidates(signals, eop))
    assert not shows_m365(Signals(domain="example.org"))
    assert shows_m365(Signals(domain="example.org", txt=("MS=ms12345678",)))
    assert tenant_endpoint("Sub.Example.co.uk.") == "sub-example-co-uk.mail.protection.outlook.com"
    assert single_address("192.0.2.1/31") is None


def probe(*raw: bytes, failure: Failure | None = None, mail_only: bool = False) -> RcptProbe:
    if failure is not None:
        return RcptProbe("192.0.2.1", None, "example.org", failure)
    reply = assemble([parse_line(r) for r in raw])
    ok = assemble([parse_line(b"250 2.1.0 Sender OK\r\n")])
    if mail_only:
        return RcptProbe("192.0.2.1", None, "example.org", mail=reply)
    return RcptProbe("192.0.2.1", None, "example.org", mail=ok, rcpt=reply)


@pytest.mark.parametrize(
    ("raw", "verdict"),
    [
        (b"250 2.1.5 Recipient OK\r\n", Verdict.ACCEPTS),
        (b"251 2.1.5 will forward\r\n", Verdict.ACCEPTS),
        (b"550 5.7.51 TenantInboundAttribution; There is a partner connector configured\r\n", Verdict.LOCKED),
        (b"550 5.7.68 TenantInboundAttribution; Direct Send not allowed for this organization\r\n", Verdict.LOCKED),
        (b"550 5.1.1 No such user here\r\n", Verdict.NOT_SERVED),
        (b"554 5.7.1 Relay access denied\r\n", Verdict.NOT_SERVED),
        (b"451 4.7.1 Greylisted, try again later\r\n", Verdict.INCONCLUSIVE),
        (b"554 5.7.1 Service unavailable; Client host blocked using zen.spamhaus.org\r\n", Verdict.INCONCLUSIVE),
        (b"550 5.7.0 policy says no\r\n", Verdict.REFUSED),
    ],
)
def test_interpretation(raw: bytes, verdict: Verdict) -> None:
    reading = read(probe(raw))
    assert reading.verdict is verdict
    assert reading.accepts is (verdict is Verdict.ACCEPTS)


def test_mail_refused_is_not_acceptance_and_failures_are_untested() -> None:
    assert read(probe(b"550 5.7.1 null sender refused\r\n", mail_only=True)).verdict is Verdict.REFUSED
    untested = read(probe(failure=Failure(FailureKind.TIMEOUT, "no TCP connection")))
    assert untested.verdict is Verdict.UNTESTED and not untested.accepts


def test_google_workspace_candidate() -> None:
    mimecast = provider_of("eu-smtp-inbound-1.mimecast.com", TABLE)
    google = provider_of("aspmx.l.google.com", TABLE)
    assert mimecast is not None and google is not None
    signals = Signals(domain="example.org", spf_includes=("_spf.google.com",))
    assert (Reason.GOOGLE_WORKSPACE, "aspmx.l.google.com") in [
        (c.reason, c.host) for c in candidates(signals, mimecast)
    ]
    assert all(c.reason is not Reason.GOOGLE_WORKSPACE for c in candidates(signals, google))
