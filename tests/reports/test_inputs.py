"""Files, archives, messages, mailboxes and folders, through the whole ingest (de-duplication included)."""

from __future__ import annotations

from pathlib import Path

from mailaudit.reports.aggregate import Ingested, ingest
from mailaudit.reports.sources import iter_paths

from . import corpus


def run(*paths: Path) -> Ingested:
    return ingest(iter_paths([str(p) for p in paths]))


def test_plain_gzip_zip(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(corpus.raw("google.xml"))
    (tmp_path / "b.xml.gz").write_bytes(corpus.gz(corpus.raw("microsoft.xml")))
    (tmp_path / "c.zip").write_bytes(corpus.zipped(**{"yahoo.xml": corpus.raw("yahoo.xml"),
                                                      "mailru.xml.gz": corpus.gz(corpus.raw("mailru.xml"))}))
    result = run(tmp_path)
    assert not result.errors
    (domain,) = result.domains
    assert domain.domain == "example.com" and domain.reports == 4
    assert domain.messages == 400 + 2400 + 35 + 12 + 150 + 90 + 60 + 7
    assert domain.period == ("2026-11-01T00:00:00Z", "2026-11-02T23:59:59Z")
    assert domain.sources[0].ip == "203.0.113.7"
    ten = next(s for s in domain.sources if s.ip == "192.0.2.10")
    assert ten.messages == 550 and ten.reporters == ("Enterprise Outlook", "google.com")


def test_duplicates_count_once(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(corpus.raw("google.xml"))
    (tmp_path / "copy.xml.gz").write_bytes(corpus.gz(corpus.raw("google.xml")))
    (tmp_path / "t1.json").write_bytes(corpus.raw("tlsrpt-google.json"))
    (tmp_path / "t2.json.gz").write_bytes(corpus.gz(corpus.raw("tlsrpt-google.json")))
    result = run(tmp_path)
    assert result.domains[0].reports == 1 and result.domains[0].messages == 2835
    assert result.duplicates == 2 and result.tls[0].successful == 1000


def test_amazon_ses_octet_stream_eml(tmp_path: Path) -> None:
    eml = corpus.message(corpus.gz(corpus.raw("google.xml")), "amazonses.com!example.com!1793491200!1793577599.xml.gz")
    (tmp_path / "ses.eml").write_bytes(eml)
    result = run(tmp_path / "ses.eml")
    assert not result.errors and result.domains[0].messages == 2835


def test_tlsrpt_eml_and_mbox_and_maildir(tmp_path: Path) -> None:
    tls = corpus.message(corpus.gz(corpus.raw("tlsrpt-rfc8460.json")), "google.com!example.com!1!2!001.json.gz",
                         "application/tlsrpt+gzip")
    dmarc = corpus.message(corpus.zipped(**{"r.xml": corpus.raw("microsoft.xml")}), "r.zip", "application/zip")
    (tmp_path / "box.mbox").write_bytes(corpus.mbox(tls, dmarc))
    corpus.maildir(tmp_path / "Maildir", corpus.message(corpus.raw("yahoo.xml"), "y.xml", "text/xml"),
                   corpus.message(b"not a report at all", "logo.png", "image/png"))
    result = run(tmp_path / "box.mbox", tmp_path / "Maildir")
    assert not result.errors
    assert result.domains[0].reports == 2 and result.tls[0].failed == 303
    assert list((tmp_path / "Maildir" / "new").iterdir())  # read-only: nothing moved to cur/


def test_broken_files_are_errors_and_the_rest_counts(tmp_path: Path) -> None:
    (tmp_path / "good.xml").write_bytes(corpus.raw("google.xml"))
    (tmp_path / "cut.xml").write_bytes(corpus.raw("microsoft.xml")[:900])
    (tmp_path / "unused.xml.gz").write_bytes(b"unused")  # Yahoo, May 2023
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04" + b"\0" * 40)
    (tmp_path / "x.json").write_bytes(b"{nope")
    result = run(tmp_path, tmp_path / "missing.xml")
    assert result.domains[0].messages == 2835 and result.domains[0].reports == 1
    files = sorted(Path(e.file).name for e in result.errors)
    assert files == ["bad.gz", "bad.zip", "cut.xml", "missing.xml", "unused.xml.gz", "x.json"]
    assert all("\n" not in e.error and e.error for e in result.errors)


def test_half_read_report_adds_nothing(tmp_path: Path) -> None:
    (tmp_path / "cut.xml").write_bytes(corpus.raw("google.xml")[:-30])
    result = run(tmp_path)
    assert not result.domains and len(result.errors) == 1


def test_explicit_eml_without_report_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "hello.eml").write_bytes(b"From: a@example.com\nSubject: hi\n\nhello\n")
    result = run(tmp_path / "hello.eml")
    assert [e.error for e in result.errors] == ["no DMARC or TLS-RPT report attached to this message"]
