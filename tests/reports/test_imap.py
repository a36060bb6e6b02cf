"""IMAP input against a real IMAP4rev1 server on loopback (tests/imapserver.py)."""

from __future__ import annotations

import pathlib
import ssl

import pytest

from mailaudit.reports.aggregate import ingest
from mailaudit.reports.imap import ImapOptions, ImapUrlError, iter_imap, parse_imap_url

from ..imapserver import Faults, ImapServer
from ..testca import make_ca
from . import corpus

USERS = {"dmarc": "s3cret"}


def loaded(faults: Faults | None = None) -> ImapServer:
    server = ImapServer(USERS, faults)
    server.deliver(corpus.message(corpus.gz(corpus.raw("google.xml")), "google.com!example.com!1!2.xml.gz",
                                  "application/gzip"))
    server.deliver(corpus.message(corpus.raw("tlsrpt-microsoft.json"), "tls.json", "application/tlsrpt+json"))
    server.deliver(b"From: someone@example.org\r\nSubject: hello\r\n\r\nnot a report\r\n")
    server.deliver(corpus.message(corpus.gz(corpus.raw("google.xml")), "copy.xml.gz"))  # duplicate
    return server


def url(server: ImapServer, folder: str = "INBOX") -> str:
    return f"imap://dmarc@127.0.0.1:{server.port}/{folder}"


def test_reads_read_only() -> None:
    with loaded() as server:
        result = ingest(iter_imap(parse_imap_url(url(server)), "s3cret", ImapOptions(timeout=5)))
        assert not result.errors and result.duplicates == 1
        assert result.domains[0].messages == 2835 and result.tls[0].failed == 2
        assert server.commands["EXAMINE"] == 1 and server.commands["SELECT"] == 0
        assert server.commands["UID MOVE"] == 0 and server.commands["UID STORE"] == 0
        assert all(not m.flags for m in server.folders["INBOX"])  # BODY.PEEK: nothing marked \Seen
        assert server.commands["UID FETCH"] == 1 + 4  # sizes in one batch, then one body each


def test_moves_processed_mail() -> None:
    with loaded() as server:
        options = ImapOptions(timeout=5, move_to="Processed")
        server.folders["Processed"] = []
        ingest(iter_imap(parse_imap_url(url(server)), "s3cret", options))
        assert len(server.folders["Processed"]) == 3  # the reports, duplicate included
        assert len(server.folders["INBOX"]) == 1  # the non-report stays


def test_move_without_move_capability_uses_uidplus() -> None:
    with loaded(Faults(capabilities=("IMAP4rev1", "UIDPLUS"))) as server:
        ingest(iter_imap(parse_imap_url(url(server)), "s3cret", ImapOptions(timeout=5, move_to="Processed")))
        assert server.commands["UID COPY"] == 1 and server.commands["UID EXPUNGE"] == 1
        assert len(server.folders["INBOX"]) == 1


def test_bad_password_is_one_error() -> None:
    with loaded() as server:
        result = ingest(iter_imap(parse_imap_url(url(server)), "wrong", ImapOptions(timeout=5)))
        assert len(result.errors) == 1 and "AUTHENTICATIONFAILED" in result.errors[0].error
        assert "wrong" not in result.errors[0].error and "wrong" not in result.errors[0].file


def test_connection_dropped_midway_keeps_what_was_read() -> None:
    with loaded(Faults(drop_after=6)) as server:
        result = ingest(iter_imap(parse_imap_url(url(server)), "s3cret", ImapOptions(timeout=5)))
        assert result.domains[0].messages == 2835
        assert len(result.errors) == 1 and result.errors[0].error.startswith("IMAP:")


def test_server_that_never_answers_times_out() -> None:
    with loaded(Faults(hang_on="FETCH")) as server:
        result = ingest(iter_imap(parse_imap_url(url(server)), "s3cret", ImapOptions(timeout=0.5)))
        assert len(result.errors) == 1 and not result.domains


def test_missing_folder() -> None:
    with loaded() as server:
        result = ingest(iter_imap(parse_imap_url(url(server, "Nope")), "s3cret", ImapOptions(timeout=5)))
        assert "Nope" in result.errors[0].error


def test_refused_port() -> None:
    with ImapServer(USERS) as server:
        port = server.port
    result = ingest(iter_imap(parse_imap_url(f"imap://dmarc@127.0.0.1:{port}/"), "x", ImapOptions(timeout=2)))
    assert len(result.errors) == 1


@pytest.mark.parametrize("bad", ["http://x/", "imap://host/", "imap://u:pw@host/", "imap://u@host:99999/"])
def test_bad_urls(bad: str) -> None:
    with pytest.raises(ImapUrlError):
        parse_imap_url(bad)


def test_plain_text_login_refused_off_loopback() -> None:
    target = parse_imap_url("imap://u@192.0.2.1:143/")
    assert target.label == "imap://u@192.0.2.1:143/INBOX"


def test_imaps_with_a_test_ca(tmp_path: pathlib.Path) -> None:
    ca_file, server_tls = make_ca(tmp_path)
    with ImapServer(USERS, tls=server_tls) as server:
        server.deliver(corpus.message(corpus.raw("google.xml"), "r.xml", "text/xml"))
        target = parse_imap_url(f"imaps://dmarc@127.0.0.1:{server.port}/INBOX")
        trusting = ssl.create_default_context(cafile=str(ca_file))
        result = ingest(iter_imap(target, "s3cret", ImapOptions(timeout=5, ssl_context=trusting)))
        assert not result.errors and result.domains[0].messages == 2835
        untrusting = ssl.create_default_context()
        refused = ingest(iter_imap(target, "s3cret", ImapOptions(timeout=5, ssl_context=untrusting)))
        assert len(refused.errors) == 1 and "CERTIFICATE" in refused.errors[0].error.upper()
        assert server.commands["LOGIN"] == 1  # the untrusted run never sent the password
