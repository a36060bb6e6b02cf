"""Each bounce and reply of the corpus (tests/explain/data) gets the expected kind and diagnosis."""

from __future__ import annotations

import pathlib

import pytest

from mailaudit.explain.clues import diagnose
from mailaudit.explain.evidence import read_evidence

DATA = pathlib.Path(__file__).parent / "data"

# file -> (kind, first finding id, its subject, receiver named by the rule)
EXPECTED = {
    "postfix-gmail-dmarc.eml": ("bounce", "explain.dmarc.rejected", "example.com", "Gmail"),
    "postfix-spamhaus-relay.eml": ("bounce", "explain.ip.listed", "203.0.113.7", "Spamhaus"),
    "gmail-user-unknown.eml": ("bounce", "explain.recipient.unknown", "no.such.person@gmail.com", "Gmail"),
    "exim-gmail-rate.eml": ("bounce", "explain.reputation.low", "example.com", "Gmail"),
    "exchange-banned-ip.eml": ("bounce", "explain.ip.blocked", "203.0.113.7", "Microsoft"),
    "gmail-5.7.26-unauthenticated.txt": ("smtp_reply", "explain.auth.rejected", "example.com", "Gmail"),
    "gmail-5.7.25-ptr.txt": ("smtp_reply", "explain.ptr.rejected", "203.0.113.7", "Gmail"),
    "gmail-4.7.28-rate.txt": ("smtp_reply", "explain.reputation.rate", "example.com", "Gmail"),
    "gmail-5.7.30-bulk-dkim.txt": ("smtp_reply", "explain.dkim.rejected", "?", "Gmail"),
    "gmail-4.7.32-alignment.txt": ("smtp_reply", "explain.alignment.rejected", "?", "Gmail"),
    "microsoft-5.7.515.txt": ("smtp_reply", "explain.auth.rejected", "example.com", "Microsoft"),
    "microsoft-5.7.509.txt": ("smtp_reply", "explain.dmarc.rejected", "example.com", "Microsoft"),
    "microsoft-s3150.txt": ("smtp_reply", "explain.ip.blocked", "203.0.113.7", "Microsoft"),
    "yahoo-5.7.9.txt": ("smtp_reply", "explain.auth.rejected", "?", "Yahoo"),
    "yahoo-tss04.txt": ("smtp_reply", "explain.reputation.low", "203.0.113.7", "Yahoo"),
    "yahoo-bl21.txt": ("smtp_reply", "explain.ip.listed", "203.0.113.7", "Yahoo"),
    "spamcop.txt": ("smtp_reply", "explain.ip.listed", "203.0.113.9", "SpamCop"),
    "barracuda.txt": ("smtp_reply", "explain.ip.listed", "203.0.113.9", "Barracuda"),
    "proofpoint.txt": ("smtp_reply", "explain.ip.blocked", "203.0.113.7", "Proofpoint"),
    "proofpoint-dmarc.txt": ("smtp_reply", "explain.dmarc.rejected", "?", "Proofpoint"),
    "mimecast-dmarc.txt": ("smtp_reply", "explain.dmarc.rejected", "?", "Mimecast"),
    "mimecast-spoof.txt": ("smtp_reply", "explain.spoofing.rejected", "?", "Mimecast"),
    "mimecast-relay.txt": ("smtp_reply", "explain.relay.denied", "?", "Mimecast"),
    "dane-exchange.txt": ("smtp_reply", "explain.dane.failed", "?", "Microsoft"),
    "mta-sts.txt": ("smtp_reply", "explain.mta_sts.failed", "?", "Microsoft"),
    "quota.txt": ("smtp_reply", "explain.recipient.full", "bob@partner.example", ""),
    "too-big.txt": ("smtp_reply", "explain.message.too_big", "5.3.4", ""),  # names no receiver
    "unknown-reply.txt": ("smtp_reply", "explain.rejection.unknown", "5.7.0", ""),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_diagnosis(name: str) -> None:
    kind, finding, subject, receiver = EXPECTED[name]
    evidence = read_evidence((DATA / name).read_bytes())
    assert evidence.kind == kind
    clues = diagnose(evidence)
    assert clues, name
    assert clues[0].id == finding, (name, clues)
    assert clues[0].subject == subject, (name, clues[0])
    if receiver:
        assert dict(clues[0].params)["receiver"] == receiver


def test_every_corpus_file_has_an_expectation() -> None:
    assert sorted(p.name for p in DATA.iterdir() if p.suffix in (".eml", ".txt")) == sorted(EXPECTED)


def test_story_bounce_names_the_relay_address_and_the_list() -> None:
    evidence = read_evidence((DATA / "postfix-spamhaus-relay.eml").read_bytes())
    clue = diagnose(evidence)[0]
    params = dict(clue.params)
    assert params["list"] == "zen.spamhaus.org"
    assert params["domain"] == "example.com"  # from the returned message's From
    assert clue.variant == "then"  # nothing looked up yet


def test_mailbox_unknown_gets_no_dns_fix() -> None:
    clues = diagnose(read_evidence((DATA / "gmail-user-unknown.eml").read_bytes()))
    assert [c.id for c in clues] == ["explain.recipient.unknown"]
    assert not clues[0].records


def test_dsn_fields_are_read() -> None:
    evidence = read_evidence((DATA / "postfix-gmail-dmarc.eml").read_bytes())
    assert evidence.reporting_mta == "relay.example.com"
    rejection = evidence.rejections[0]
    assert rejection.recipient == "alice.reader@gmail.com"
    assert rejection.remote_mta == "gmail-smtp-in.l.google.com"
    assert rejection.reply.code == 550 and rejection.reply.status == "5.7.26"
    assert evidence.message is not None and evidence.message.headers_only
    assert evidence.message.from_domain == "example.com"


def test_html_only_ndr_text_is_read_without_script() -> None:
    evidence = read_evidence((DATA / "exchange-banned-ip.eml").read_bytes())
    assert "alert" not in str(evidence.rejections[0].reply)
    assert evidence.addresses == ("203.0.113.7",)


def _forward(inner: bytes) -> bytes:
    return (b"From: Client <boss@client.example>\r\nTo: support@consultant.example\r\nSubject: Fwd: see this\r\n"
            b"Date: Tue, 1 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="fwd"\r\n\r\n--fwd\r\nContent-Type: text/plain\r\n\r\n'
            b"Why did this fail?\r\n--fwd\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--fwd--\r\n")


def test_bounce_forwarded_as_attachment() -> None:
    evidence = read_evidence(_forward((DATA / "postfix-spamhaus-relay.eml").read_bytes()))
    assert evidence.kind == "bounce"
    assert diagnose(evidence)[0].id == "explain.ip.listed"


def test_message_forwarded_as_attachment_is_the_one_analysed() -> None:
    inner = (b"Received: from out.esp.example (out.esp.example [198.51.100.99]) by mx.client.example with ESMTPS;"
             b" Tue, 1 Dec 2026 09:00:00 +0000\r\nFrom: News <news@example.com>\r\nTo: boss@client.example\r\n"
             b"Subject: offer\r\n\r\nhello\r\n")
    evidence = read_evidence(_forward(inner))
    assert evidence.kind == "message"
    assert evidence.message is not None
    assert (evidence.message.from_domain, evidence.message.connecting_ip) == ("example.com", "198.51.100.99")
    missing = [c for c in diagnose(evidence) if c.id == "explain.message.headers.missing"]
    assert missing and dict(missing[0].params)["fields"] == "Date, Message-Id"


def test_bounce_forwarded_inline() -> None:
    text = (b"From: Client <boss@client.example>\r\nTo: support@consultant.example\r\nSubject: Fwd: returned mail\r\n"
            b"\r\n---------- Forwarded message ---------\r\nFrom: Mail Delivery System\r\n\r\n"
            b"<bob@client.example>: host mx1.client.example[198.51.100.20] said: 554 5.7.1 Service\r\n"
            b"    unavailable; Client host [203.0.113.7] blocked using zen.spamhaus.org\r\n")
    evidence = read_evidence(text)
    assert evidence.kind == "bounce"
    assert diagnose(evidence)[0].subject == "203.0.113.7"


@pytest.mark.parametrize("lang", ["en", "id"])
def test_every_text_is_filled_in_both_languages(lang: str) -> None:
    from mailaudit.catalogue import Catalogue
    from mailaudit.explain.clues import Now
    from mailaudit.explain.report import build_report

    catalogue = Catalogue.load(lang)
    for name in EXPECTED:
        report = build_report(read_evidence((DATA / name).read_bytes()), Now(), catalogue)
        for finding in report.findings:
            texts = [finding.title, finding.detail, finding.fix.summary if finding.fix else ""]
            assert not any("{" in t for t in texts), (name, finding.id, finding.variant, texts)
            assert not finding.detail.startswith("the "), (name, finding.detail)
