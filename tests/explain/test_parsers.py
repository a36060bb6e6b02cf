"""The pure parsers: Authentication-Results, Received, SMTP replies, alignment, the knowledge table."""

from __future__ import annotations

from mailaudit.explain.align import aligned, org_domain
from mailaudit.explain.authresults import parse_authentication_results
from mailaudit.explain.dkimcheck import signatures, verify
from mailaudit.explain.knowledge import CAUSE_FINDINGS, load_table
from mailaudit.explain.received import connecting_hop, parse_received
from mailaudit.explain.replies import addresses_in, find_replies, sender_domain_in


def test_gmail_authentication_results() -> None:
    ar = parse_authentication_results(
        "mx.google.com; dkim=pass header.i=@example.com header.s=s1 header.b=abcd; "
        "spf=pass (google.com: domain of bounce@example.com designates 203.0.113.7 as permitted sender) "
        "smtp.mailfrom=bounce@example.com; dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com")
    assert ar.authserv_id == "mx.google.com"
    assert [(r.method, r.result) for r in ar.results] == [("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]
    assert ar.of("dkim")[0].prop("header.s") == "s1"
    assert ar.client_ip() == "203.0.113.7"
    assert "p=REJECT" in ar.of("dmarc")[0].comment


def test_microsoft_authentication_results_without_authserv_id() -> None:
    ar = parse_authentication_results(
        "spf=pass (sender IP is 203.0.113.7) smtp.mailfrom=example.com; dkim=pass (signature was verified) "
        "header.d=example.com;dmarc=pass action=none header.from=example.com;compauth=pass reason=100")
    assert ar.authserv_id == ""
    assert [r.method for r in ar.results] == ["spf", "dkim", "dmarc", "compauth"]
    assert ar.of("compauth")[0].reason == "100" and ar.of("dmarc")[0].prop("action") == "none"
    assert ar.client_ip() == "203.0.113.7"


def test_yahoo_trailing_semicolon_and_glued_comment() -> None:
    ar = parse_authentication_results(
        "mta4.am0.yahoodns.net; dkim=pass header.i=@example.com header.s=s1; spf=pass smtp.mailfrom=example.com;"
        " dmarc=pass(p=REJECT) header.from=example.com;")
    assert [(r.method, r.result) for r in ar.results] == [("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]


def test_arc_authentication_results_instance() -> None:
    ar = parse_authentication_results("i=2; lists.example.org; dkim=pass header.d=example.com", arc=True)
    assert ar.instance == 2 and ar.authserv_id == "lists.example.org"


def test_received_postfix_exim_exchange() -> None:
    postfix = parse_received("from mail.example.com (mail.example.com [203.0.113.7]) by mx.google.com with ESMTPS "
                             "id x; Tue, 1 Dec 2026 08:00:00 +0000")
    assert (postfix.helo, postfix.rdns, postfix.address, postfix.by, postfix.tls) == (
        "mail.example.com", "mail.example.com", "203.0.113.7", "mx.google.com", True)
    exim = parse_received("from [198.51.100.5] (helo=laptop) by web3.hosting.example.net with esmtpa (Exim 4.98) "
                          "id 1t; Tue, 01 Dec 2026 09:15:01 +0000")
    assert exim.address == "198.51.100.5" and not exim.tls
    ipv6 = parse_received("from out.example.com (out.example.com [IPv6:2001:db8::25]) by mx.example.net "
                          "with ESMTPS; Tue, 1 Dec 2026")
    assert ipv6.address == "2001:db8::25"
    local = parse_received("by mail.example.com (Postfix, from userid 33) id 4X; Tue, 1 Dec 2026")
    assert local.address == ""


def test_connecting_hop_skips_private_and_receiver_internal_hops() -> None:
    hops = (parse_received("from mx1.google.com (mx1.google.com [209.85.220.41]) by mx.google.com with ESMTPS"),
            parse_received("from internal (unknown [10.0.0.3]) by mx1.google.com with SMTP"),
            parse_received("from mail.example.com (mail.example.com [203.0.113.7]) by mx1.google.com with ESMTPS"))
    hop = connecting_hop(hops, ("mx.google.com",))
    assert hop is not None and hop.address == "203.0.113.7"


def test_replies_multiline_and_mid_line() -> None:
    replies = find_replies("host x[1.2.3.4] said: 550-5.7.26 first line\n    550-5.7.26 second\n"
                           "    550 5.7.26 third (in reply to end of DATA command)\n\nStatus: 5.7.26\n")
    assert len(replies) == 1
    assert replies[0].status == "5.7.26" and replies[0].text.startswith("first line second third")
    assert find_replies("We sent 250 messages today.") == ()
    assert addresses_in("[203.0.113.7      12] and [IPv6:2001:db8::1]") == ("203.0.113.7", "2001:db8::1")
    assert sender_domain_in("Unauthenticated email from example.com is not accepted") == "example.com"


def test_alignment_uses_the_public_suffix_list() -> None:
    assert org_domain("mail.news.example.co.uk") == "example.co.uk"
    assert aligned("example.co.uk", "bounce.example.co.uk")
    assert not aligned("example.co.uk", "other.co.uk")
    assert not aligned("example.com", "mail.example.com", strict=True)


def test_knowledge_table_rows_have_sources_and_cover_every_receiver() -> None:
    table = load_table()
    assert all(rule.source.startswith("https://") and rule.cause in CAUSE_FINDINGS for rule in table.rules)
    receivers = {rule.receiver for rule in table.rules}
    for name in ("Gmail", "Microsoft", "Yahoo", "Spamhaus", "SpamCop", "Barracuda", "Proofpoint", "Mimecast"):
        assert name in receivers
    causes = {rule.cause for rule in table.rules}
    assert {"dane", "mta_sts", "mailbox_unknown", "quota", "too_big"} <= causes
    assert len({rule.id for rule in table.rules}) == len(table.rules)


def test_dkim_signature_fields_and_missing_key() -> None:
    headers = (("dkim-signature", "v=1; a=rsa-sha256; d=Example.COM; s=s1; h=from:to:subject; bh=x; b=y"),)
    sig = signatures(headers)[0]
    assert (sig.domain, sig.selector, sig.key_name) == ("example.com", "s1", "s1._domainkey.example.com.")
    assert verify(b"From: a@example.com\r\n\r\nbody\r\n", sig, {}).reason == "no_key"
    failed = verify(b"From: a@example.com\r\n\r\nbody\r\n", sig, {sig.key_name: LookupError("timeout")})
    assert (failed.result, failed.reason) == ("temperror", "key_lookup")


def test_a_bare_phrase_does_not_beat_the_status_code() -> None:
    table = load_table()
    reply = find_replies("550 5.1.1 <bob@example.org>: this address is not listed in our directory")[0]
    match = table.match(reply)
    assert match is not None and match.rule.cause == "mailbox_unknown"
    reply = find_replies("554 5.7.1 Client host [203.0.113.5] blocked using bl.example.net")[0]
    match = table.match(reply)
    assert match is not None and match.rule.cause == "blocklist"


def test_only_the_receivers_authentication_results_are_trusted() -> None:
    from mailaudit.explain.evidence import message_facts
    from mailaudit.explain.mime import parse_message

    raw = (b"Authentication-Results: mx.google.com; dkim=fail header.d=example.com; spf=fail "
           b"smtp.mailfrom=example.com\r\n"
           b"Received: from evil.test (evil.test [198.51.100.66]) by mx.google.com with ESMTPS; Tue, 1 Dec 2026\r\n"
           b"Authentication-Results: mx.google.com.evil.test; dkim=pass header.d=example.com; spf=pass\r\n"
           b"From: a@example.com\r\n\r\nbody\r\n")
    facts = message_facts(parse_message(raw))
    assert [a.authserv_id for a in facts.auth] == ["mx.google.com"]
    assert facts.connecting_ip == "198.51.100.66"


def test_idn_from_domain_in_a_label_form() -> None:
    from mailaudit.explain.evidence import message_facts
    from mailaudit.explain.mime import parse_message

    facts = message_facts(parse_message("From: Büro <info@bücher.example>\r\n\r\nx\r\n".encode()))
    assert facts.from_domain == "xn--bcher-kva.example"
