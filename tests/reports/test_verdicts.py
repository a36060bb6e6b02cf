"""Categories of every kind, and readiness arithmetic."""

from __future__ import annotations

import io

from mailaudit.reports.aggregate import DomainStats, ingest
from mailaudit.reports.classify import LiveFacts, classify_domain
from mailaudit.reports.extract import iter_payload
from mailaudit.reports.model import Category
from mailaudit.reports.readiness import Policy, next_step, readiness

from . import corpus

FILES = ("google.xml", "microsoft.xml", "yahoo.xml", "mailru.xml")
LIVE = LiveFacts(
    authorized_by={"192.0.2.10": "ip4:192.0.2.0/26", "203.0.113.7": "a:old.example.com",
                   "192.0.2.55": "include:news.example.net"},
    ptr={"192.0.2.10": "mail.example.com"},
    listed={},
)


def stats(*docs: bytes) -> DomainStats:
    items = [i for n, d in enumerate(docs) for i in iter_payload(f"d{n}", io.BytesIO(d))]
    (domain,) = ingest(items).domains
    return domain


def categories(domain: DomainStats, facts: LiveFacts = LIVE) -> dict[str, Category]:
    return {s.ip: s.category for s in classify_domain(domain, facts)}


def test_every_category() -> None:
    got = categories(stats(*(corpus.raw(f) for f in FILES)))
    assert got == {
        "192.0.2.10": Category.AUTHORIZED,  # in SPF, aligned
        "203.0.113.7": Category.SUSPICIOUS,  # in SPF, no DKIM, 2400 vs a median of ~60
        "203.0.113.66": Category.UNAUTHORIZED,  # spoofing
        "198.51.100.99": Category.FORWARDED,  # SPF fails, DKIM passes, ARC
        "198.51.100.20": Category.AUTHORIZED,  # ESP: DKIM aligned, SPF for its own bounce domain
        "192.0.2.55": Category.AUTHORIZED_FAILING,  # in SPF, neither aligned
        "2001:db8::25": Category.AUTHORIZED,  # not in live SPF, but the reporter saw SPF and DKIM aligned
    }
    sources = {s.ip: s for s in classify_domain(stats(*(corpus.raw(f) for f in FILES)), LIVE)}
    assert sources["203.0.113.7"].signals == ("no_dkim", "volume")
    assert sources["203.0.113.7"].authorized_by == "a:old.example.com"
    assert sources["192.0.2.55"].signals == ("spf_unaligned", "dkim_unaligned")
    assert sources["192.0.2.10"].ptr == "mail.example.com"


def test_listed_authorised_host_is_suspicious_whatever_its_volume() -> None:
    domain = stats(corpus.aggregate("r", "1", "example.com", [("192.0.2.10", 5, "pass", "pass")]))
    facts = LiveFacts({"192.0.2.10": "mx"}, {}, {"192.0.2.10": ("zen.spamhaus.org",)})
    assert categories(domain, facts) == {"192.0.2.10": Category.SUSPICIOUS}


def test_lone_unsigned_server_is_not_suspicious() -> None:
    """No other source signs: an on-premises server without DKIM is just a source to fix, not an abuse."""
    domain = stats(corpus.aggregate("r", "1", "example.com", [("192.0.2.10", 900, "fail", "pass")]))
    assert categories(domain, LiveFacts({"192.0.2.10": "mx"}, {}, {})) == {"192.0.2.10": Category.AUTHORIZED}


def test_offline_uses_the_reports_spf_view() -> None:
    domain = stats(corpus.raw("google.xml"))
    facts = LiveFacts({}, {}, {}, unknown=frozenset(s.ip for s in domain.sources))
    got = categories(domain, facts)
    assert got["203.0.113.7"] is Category.SUSPICIOUS and got["203.0.113.66"] is Category.UNAUTHORIZED


def test_next_step() -> None:
    assert next_step(Policy("none")) == ("quarantine", 100)
    assert next_step(Policy("quarantine", 50)) == ("quarantine", 100)
    assert next_step(Policy("quarantine")) == ("reject", 100)
    assert next_step(Policy("reject", 20)) == ("reject", 100)
    assert next_step(Policy("reject")) == (None, 100)


def test_readiness_share_excludes_unauthorized() -> None:
    domain = stats(corpus.aggregate("r", "1", "example.com", [
        ("192.0.2.10", 990, "pass", "pass"), ("192.0.2.11", 10, "fail", "pass"),  # 10 pass via SPF
        ("203.0.113.66", 5000, "fail", "fail")]))
    facts = LiveFacts({"192.0.2.10": "ip4:192.0.2.0/24", "192.0.2.11": "ip4:192.0.2.0/24"}, {}, {})
    result = readiness(Policy("none"), classify_domain(domain, facts), domain.reports)
    assert result.aligned_share == 1.0 and result.ready and result.next_policy == "quarantine"
    assert result.considered == 1000 and result.failing == 0


def test_readiness_not_ready_names_the_sources_hurt() -> None:
    domain = stats(corpus.raw("google.xml"), corpus.raw("yahoo.xml"))
    sources = classify_domain(domain, LIVE)
    result = readiness(Policy("none"), sources, domain.reports)
    # legitimate: .10 (400 pass), .7 suspicious (2400 SPF pass), ESP 90 pass, .55 60 failing
    assert result.considered == 400 + 2400 + 90 + 60 and result.failing == 60
    assert result.aligned_share == round(2890 / 2950, 4)
    assert not result.ready and result.reason == "share_low" and result.hurt == (("192.0.2.55", 60),)


def test_readiness_blocked_by_one_legitimate_source() -> None:
    domain = stats(corpus.aggregate("r", "1", "example.com", [
        ("192.0.2.10", 10000, "pass", "pass"), ("192.0.2.55", 20, "fail", "fail")]))
    facts = LiveFacts({"192.0.2.10": "mx", "192.0.2.55": "include:news.example.net"}, {}, {})
    result = readiness(Policy("quarantine", sp="none"), classify_domain(domain, facts), domain.reports)
    assert result.aligned_share == 0.998 and result.reason == "source_hurt" and not result.ready
    assert result.next_policy == "reject" and result.subdomain_weaker


def test_readiness_enforced_and_empty() -> None:
    domain = stats(corpus.aggregate("r", "1", "example.com", [("203.0.113.66", 5, "fail", "fail")]))
    sources = classify_domain(domain, LIVE)
    assert readiness(Policy("reject"), sources, 1).next_policy is None
    empty = readiness(Policy("none"), sources, 1)
    assert empty.aligned_share is None and not empty.ready and empty.reason == "no_legitimate_mail"
