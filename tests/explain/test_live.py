"""explain end to end against the project's test DNS server on 127.0.0.1: the story's bounce, a
listing that expired, raw messages signed at test time (valid, body altered, unaligned From, key
rotated), failures that are not absences, and each DNS question asked once."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable

import jsonschema
import pytest

from .conftest import Keys

DATA = pathlib.Path(__file__).parent / "data"
SCHEMA = json.loads((pathlib.Path(__file__).parents[2] / "docs" / "schema" / "explain.schema.json").read_text())
Run = Callable[..., tuple[int, str, str]]


def _doc(out: str) -> dict[str, object]:
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    assert doc["version"] == 1 and set(doc) == {"version", "kind", "diagnosis", "message"}
    for finding in doc["diagnosis"]:
        texts = [finding["title"], finding["detail"], (finding["fix"] or {}).get("summary", "")]
        assert not any("{" in t for t in texts), texts  # every template field filled
    return doc


def _ids(doc: dict[str, object]) -> list[str]:
    return [f["id"] for f in doc["diagnosis"]]  # type: ignore[index, union-attr]


def test_story_bounce_listed_relay_is_your_own_host(cli: Run) -> None:
    code, out, err = cli(str(DATA / "postfix-spamhaus-relay.eml"), "--format", "json")
    doc = _doc(out)
    assert doc["kind"] == "bounce" and doc["message"] is None
    finding = doc["diagnosis"][0]  # type: ignore[index]
    assert finding["id"] == "explain.ip.listed" and finding["subject"] == "203.0.113.7"
    assert "still listed now" in finding["detail"] and "own SPF record authorises 203.0.113.7" in finding["detail"]
    assert "forgotten cPanel" in finding["detail"]
    assert finding["fix"]["records"] == [{"name": "example.com.", "type": "TXT", "value": "v=spf1 mx ~all"}]
    assert finding["fix"]["remove"][0]["value"] == "v=spf1 mx ip4:203.0.113.7 ~all"
    assert any("zen.spamhaus.org: listed" in e for e in finding["evidence"])
    assert code == 1 and err == ""


def test_expired_listing_says_cleared_and_weighs_low(cli: Run) -> None:
    code, out, _ = cli(str(DATA / "spamcop.txt"), "--format", "json")
    finding = _doc(out)["diagnosis"][0]  # type: ignore[index]
    assert finding["id"] == "explain.ip.listed" and finding["severity"] == "low"
    assert "no longer listed" in finding["detail"]
    assert code == 0


def test_mailbox_unknown_asks_no_dns_and_gives_no_dns_fix(cli: Run, server: object) -> None:
    code, out, _ = cli(str(DATA / "gmail-user-unknown.eml"), "--format", "json")
    doc = _doc(out)
    assert _ids(doc) == ["explain.recipient.unknown"]
    assert doc["diagnosis"][0]["fix"]["records"] == []  # type: ignore[index]
    assert server.total == 0  # type: ignore[attr-defined]
    assert code == 0


def test_gmail_dmarc_bounce_shows_policy_now(cli: Run) -> None:
    code, out, _ = cli(str(DATA / "postfix-gmail-dmarc.eml"), "--format", "json")
    finding = _doc(out)["diagnosis"][0]  # type: ignore[index]
    assert finding["id"] == "explain.dmarc.rejected" and "Policy now: reject" in finding["detail"]
    assert code == 1


def _message(keys: Keys, *, sender: str = "news@example.com", ip: str = "203.0.113.7", selector: str = "s1",
             domain: str = "example.com", auth: str = "", return_path: str = "news@example.com") -> bytes:
    body = (f"From: Example News <{sender}>\r\nTo: alice.reader@gmail.com\r\nSubject: December offers\r\n"
            f"Date: Tue, 1 Dec 2026 08:12:00 +0000\r\nMessage-ID: <offer-1@{domain}>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\nour December offers.\r\n").encode()
    signed = keys.sign(body, selector, domain)
    top = (f"Return-Path: <{return_path}>\r\n"
           f"Received: from mail.sender.test (mail.sender.test [{ip}])\r\n"
           "        by mx.google.com with ESMTPS id x1si2.2026.12.01.00.12.01\r\n"
           "        for <alice.reader@gmail.com>; Tue, 01 Dec 2026 00:12:01 -0800 (PST)\r\n")
    if auth:
        top += f"Authentication-Results: mx.google.com;\r\n       {auth}\r\n"
    return top.encode() + signed


def test_valid_signed_message_passes(cli: Run, keys: Keys, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "valid.eml"
    path.write_bytes(_message(keys, auth="dkim=pass header.i=@example.com header.s=s1; spf=pass "
                                         "smtp.mailfrom=news@example.com; dmarc=pass header.from=example.com"))
    _code, out, _ = cli(str(path), "--format", "json")
    doc = _doc(out)
    assert doc["kind"] == "message"
    assert doc["message"] == {"from_domain": "example.com", "connecting_ip": "203.0.113.7", "spf": "pass",
                              "dkim": [{"domain": "example.com", "selector": "s1", "result": "pass"}],
                              "dmarc": "pass"}
    assert "explain.message.authenticated" in _ids(doc)
    assert "explain.message.dkim.failed" not in _ids(doc)
    _code, table, _ = cli(str(path), "--format", "table")
    assert "mail.sender.test [203.0.113.7] -> mx.google.com, ESMTPS (TLS)" in table
    listed = next(f for f in doc["diagnosis"] if f["id"] == "explain.message.listed")  # type: ignore[union-attr]
    assert listed["subject"] == "203.0.113.7" and "zen.spamhaus.org" in listed["detail"]


def test_body_altered_after_signing(cli: Run, keys: Keys, tmp_path: pathlib.Path) -> None:
    raw = _message(keys, ip="198.51.100.77").replace(b"our December offers.", b"our December offers.\r\n-- footer")
    (tmp_path / "altered.eml").write_bytes(raw)
    code, out, _ = cli(str(tmp_path / "altered.eml"), "--format", "json")
    doc = _doc(out)
    failed = [f for f in doc["diagnosis"] if f["id"] == "explain.message.dkim.failed"]  # type: ignore[union-attr]
    assert failed and "body was changed after signing" in failed[0]["detail"]
    assert doc["message"]["dkim"][0]["result"] == "fail"  # type: ignore[index]
    assert doc["message"]["dmarc"] == "fail" and "explain.message.dmarc.failed" in _ids(doc)  # type: ignore[index]
    assert code == 1


def test_unaligned_from(cli: Run, keys: Keys, tmp_path: pathlib.Path) -> None:
    raw = _message(keys, ip="198.51.100.99", selector="esp1", domain="esp.example", return_path="bounce@esp.example")
    (tmp_path / "esp.eml").write_bytes(raw)
    _code, out, _ = cli(str(tmp_path / "esp.eml"), "--format", "json")
    doc = _doc(out)
    assert doc["message"]["dkim"] == [{"domain": "esp.example", "selector": "esp1", "result": "pass"}]  # type: ignore[index]
    assert doc["message"]["spf"] == "pass" and doc["message"]["dmarc"] == "fail"  # type: ignore[index]
    dmarc = next(f for f in doc["diagnosis"] if f["id"] == "explain.message.dmarc.failed")  # type: ignore[union-attr]
    assert "not aligned" in dmarc["detail"]


def test_key_rotated_since_delivery(cli: Run, keys: Keys, tmp_path: pathlib.Path) -> None:
    raw = _message(keys, selector="old", auth="dkim=pass header.i=@example.com header.s=old; spf=pass "
                                             "smtp.mailfrom=news@example.com")
    (tmp_path / "rotated.eml").write_bytes(raw)
    _code, out, _ = cli(str(tmp_path / "rotated.eml"), "--format", "json")
    doc = _doc(out)
    changed = next(f for f in doc["diagnosis"] if f["id"] == "explain.message.changed")  # type: ignore[union-attr]
    assert "rotated or deleted since delivery" in changed["detail"]
    failed = next(f for f in doc["diagnosis"] if f["id"] == "explain.message.dkim.failed")  # type: ignore[union-attr]
    assert "no key at old._domainkey.example.com" in failed["detail"]


def test_each_question_asked_once(cli: Run, keys: Keys, server: object, tmp_path: pathlib.Path) -> None:
    (tmp_path / "m.eml").write_bytes(_message(keys))
    cli(str(tmp_path / "m.eml"), "--format", "json")
    assert server.count("s1._domainkey.example.com.", "TXT") == 1  # type: ignore[attr-defined]
    assert server.repeated() == {}  # type: ignore[attr-defined]


def test_key_lookup_timeout_is_not_a_missing_key(cli: Run, keys: Keys, server: object,
                                                 tmp_path: pathlib.Path) -> None:
    server.timeout("s1._domainkey.example.com.", "TXT")  # type: ignore[attr-defined]
    (tmp_path / "m.eml").write_bytes(_message(keys))
    code, out, _ = cli(str(tmp_path / "m.eml"), "--format", "json", "--fail-on", "critical")
    doc = _doc(out)
    assert doc["message"]["dkim"][0]["result"] == "temperror"  # type: ignore[index]
    failed = next(f for f in doc["diagnosis"] if f["id"] == "explain.message.dkim.failed")  # type: ignore[union-attr]
    assert "could not be looked up" in failed["detail"]
    assert code == 3


def test_offline_outside_the_zones_is_not_verifiable(keys: Keys, capsys: pytest.CaptureFixture[str]) -> None:
    from mailaudit.cli import main

    zone = pathlib.Path(__file__).parent / "zones" / "example.com.zone"
    code = main(["explain", str(DATA / "postfix-spamhaus-relay.eml"), "--offline", "--zone", str(zone),
                 "--format", "json", "--dnsbl", "zen.spamhaus.org"])
    finding = json.loads(capsys.readouterr().out)["diagnosis"][0]
    assert finding["id"] == "explain.ip.listed" and "could not be looked up now" in finding["detail"]
    assert code == 1


@pytest.mark.parametrize("fmt", ["table", "markdown"])
@pytest.mark.parametrize("lang", ["en", "id"])
def test_table_and_markdown_in_both_languages(cli: Run, fmt: str, lang: str) -> None:
    _code, out, err = cli(str(DATA / "postfix-spamhaus-relay.eml"), "--format", fmt, "--lang", lang)
    assert "203.0.113.7" in out and err == ""
    assert ("terdaftar" in out) == (lang == "id")
    assert "\x1b" not in out


def test_python_api(server: object, keys: Keys) -> None:
    from mailaudit.dnscore.resolver import Resolver
    from mailaudit.explain.run import explain_bytes

    resolver = Resolver([server.address], timeout=0.5, retries=0)  # type: ignore[attr-defined]
    report = explain_bytes((DATA / "postfix-gmail-dmarc.eml").read_bytes(), resolver=resolver, lang="id")
    assert report.kind == "bounce" and report.findings[0].id == "explain.dmarc.rejected"
    assert "menolak" in report.findings[0].detail


def test_ptr_rejection_checks_reverse_dns_now(cli: Run, server: object) -> None:
    code, out, _ = cli(str(DATA / "gmail-5.7.25-ptr.txt"), "--format", "json")
    finding = _doc(out)["diagnosis"][0]  # type: ignore[index]
    assert finding["id"] == "explain.ptr.rejected" and "still has none now" in finding["detail"]
    server.add("7.113.0.203.in-addr.arpa.", "PTR", "mail.example.com.")  # type: ignore[attr-defined]
    server.add("mail.example.com.", "A", "203.0.113.7")  # type: ignore[attr-defined]
    code, out, _ = cli(str(DATA / "gmail-5.7.25-ptr.txt"), "--format", "json")
    finding = _doc(out)["diagnosis"][0]  # type: ignore[index]
    assert "fixed since" in finding["detail"] and "mail.example.com" in finding["detail"]
    assert finding["severity"] == "low" and code == 0


def test_arc_chain_is_validated_now(cli: Run, keys: Keys, tmp_path: pathlib.Path) -> None:
    import dkim

    signed = _message(keys)
    at_list = b"Authentication-Results: lists.example.org; dkim=pass header.d=example.com\r\n" + signed
    arc = dkim.arc_sign(at_list, b"esp1", b"esp.example", keys.private["esp1"], b"lists.example.org",
                        include_headers=[b"from", b"to", b"subject"])
    forwarded = b"".join(arc) + at_list
    (tmp_path / "arc.eml").write_bytes(forwarded)
    _code, out, _ = cli(str(tmp_path / "arc.eml"), "--format", "json")
    finding = next(f for f in _doc(out)["diagnosis"] if f["id"] == "explain.message.arc")  # type: ignore[union-attr]
    assert "1 ARC set(s)" in finding["detail"] and "validated now: pass" in finding["detail"]


def test_forwarded_with_arc_explains_the_dmarc_failure(cli: Run, keys: Keys, tmp_path: pathlib.Path) -> None:
    import dkim

    signed = _message(keys, ip="198.51.100.77").replace(b"our December offers.", b"our offers. [list footer]")
    at_list = b"Authentication-Results: lists.example.org; dkim=pass header.d=example.com; dmarc=pass\r\n" + signed
    arc = dkim.arc_sign(at_list, b"esp1", b"esp.example", keys.private["esp1"], b"lists.example.org",
                        include_headers=[b"from", b"to", b"subject"])
    (tmp_path / "list.eml").write_bytes(b"".join(arc) + at_list)
    _code, out, _ = cli(str(tmp_path / "list.eml"), "--format", "json")
    dmarc = next(f for f in _doc(out)["diagnosis"] if f["id"] == "explain.message.dmarc.failed")  # type: ignore[union-attr]
    assert "valid ARC chain" in dmarc["detail"] and "lists.example.org" in dmarc["detail"]


def test_copy_changed_after_delivery(cli: Run, keys: Keys, tmp_path: pathlib.Path) -> None:
    raw = _message(keys, auth="dkim=pass header.i=@example.com header.s=s1; spf=pass smtp.mailfrom=news@example.com")
    (tmp_path / "saved.eml").write_bytes(raw.replace(b"Hello,", b"Hello (edited),"))
    _code, out, _ = cli(str(tmp_path / "saved.eml"), "--format", "json")
    failed = next(f for f in _doc(out)["diagnosis"] if f["id"] == "explain.message.dkim.failed")  # type: ignore[union-attr]
    assert "changed after delivery" in failed["detail"]
