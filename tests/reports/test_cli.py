"""`mailaudit reports` end to end: the loopback DNS server (tests/dnsserver.py) answers the live
join, the loopback IMAP server (tests/imapserver.py) delivers reports as real messages."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from mailaudit.cli import main

from ..dnsserver import DNSServer
from ..imapserver import ImapServer
from . import corpus

ZONES = pathlib.Path(__file__).parent / "zones"
DMARC_FILES = ("google.xml", "microsoft.xml", "yahoo.xml", "mailru.xml")


@pytest.fixture
def server(dns_server: Any) -> DNSServer:
    served: DNSServer = dns_server()
    served.load(ZONES / "example.com.zone", ZONES / "example.net.zone", ZONES / "bl.reports.test.zone")
    served.add("10.2.0.192.in-addr.arpa.", "PTR", "mail.example.com.")
    served.add("7.113.0.203.in-addr.arpa.", "PTR", "old.example.com.")
    return served


def files(*names: str) -> list[str]:
    return [str(corpus.DATA / n) for n in names]


def run(capsys: Any, server: DNSServer | None, *args: str) -> tuple[int, str, str]:
    dns = ["--nameserver", server.address, "--timeout", "0.5"] if server else []
    code = main(["reports", *args, *dns])
    out = capsys.readouterr()
    return code, out.out, out.err


def doc_of(capsys: Any, server: DNSServer, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = run(capsys, server, *args, "--format", "json", "--no-dnsbl")
    return code, json.loads(out)


def test_json_joins_live_dns(server: DNSServer, capsys: Any) -> None:
    code, doc = doc_of(capsys, server, *files(*DMARC_FILES, "tlsrpt-rfc8460.json"))
    assert code == 1 and doc["version"] == 1 and doc["errors"] == [] and doc["lookup_errors"] == []
    (domain,) = doc["domains"]
    assert domain["period"] == {"begin": "2026-11-01T00:00:00Z", "end": "2026-11-02T23:59:59Z"}
    assert domain["reports"] == 4 and domain["messages"] == 3154
    sources = {s["ip"]: s for s in domain["sources"]}
    assert sources["203.0.113.7"]["category"] == "suspicious"
    assert sources["203.0.113.7"]["authorized_by"] == "a:old.example.com"
    assert sources["203.0.113.7"]["ptr"] == "old.example.com"
    assert sources["192.0.2.10"] == sources["192.0.2.10"] | {
        "ptr": "mail.example.com", "messages": 550, "spf_aligned": 550, "dkim_aligned": 550, "dmarc_pass": 550,
        "category": "authorized", "authorized_by": "ip4:192.0.2.0/28"}
    assert sources["192.0.2.55"]["category"] == "authorized_failing"
    assert sources["192.0.2.55"]["authorized_by"] == "include:news.example.net"
    assert sources["203.0.113.66"]["category"] == "unauthorized" and sources["203.0.113.66"]["ptr"] is None
    assert sources["198.51.100.99"]["category"] == "forwarded"
    by_id = {f["id"]: f for f in domain["findings"]}
    fix = by_id["reports.source.suspicious"]["fix"]
    assert fix["records"] == [{"name": "example.com.", "type": "TXT",
                               "value": "v=spf1 ip4:192.0.2.0/28 include:news.example.net -all"}]
    assert by_id["reports.source.suspicious"]["severity"] == "high"
    assert "return_path" not in by_id["reports.source.failing"]["fix"]["summary"]
    readiness = domain["readiness"]
    assert readiness["next_policy"] == "quarantine" and readiness["ready"] is False
    assert readiness["aligned_share"] == round(3059 / 3119, 4)
    assert "192.0.2.55 (60)" in readiness["detail"]
    assert doc["tls"][0] == doc["tls"][0] | {"domain": "example.com", "policy_type": "sts", "successful": 5326,
                                             "failed": 303}
    assert doc["tls"][0]["failures"][0] == {"result_type": "starttls-not-supported", "count": 200}


def test_ptr_asked_once_per_address(server: DNSServer, capsys: Any) -> None:
    doc_of(capsys, server, *files(*DMARC_FILES))
    assert server.count("10.2.0.192.in-addr.arpa.", "PTR") == 1
    assert server.count("example.com.", "TXT") == 1


def test_listed_authorised_host_and_ready_domain(server: DNSServer, capsys: Any, tmp_path: pathlib.Path) -> None:
    report = tmp_path / "r.xml"
    report.write_bytes(corpus.aggregate("receiver.example", "x1", "example.com", [
        ("192.0.2.10", 5000, "pass", "pass"), ("203.0.113.7", 40, "fail", "pass"),
        ("203.0.113.66", 9, "fail", "fail")]))
    code, out, _ = run(capsys, server, str(report), "--format", "json", "--dnsbl", "bl.reports.test")
    doc = json.loads(out)
    sources = {s["ip"]: s for s in doc["domains"][0]["sources"]}
    assert sources["203.0.113.7"]["category"] == "suspicious" and sources["203.0.113.7"]["signals"] == ["listed"]
    assert sources["192.0.2.10"]["listed"] == []
    readiness = doc["domains"][0]["readiness"]
    assert readiness["ready"] is True and readiness["aligned_share"] == 1.0
    ready = next(f for f in doc["domains"][0]["findings"] if f["id"] == "reports.readiness.ready")
    assert ready["fix"]["records"][0]["value"] == "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com"
    assert code == 1


def test_timeout_is_not_an_absence(server: DNSServer, capsys: Any) -> None:
    server.timeout("example.com.", "TXT")
    code, out, _ = run(capsys, server, *files("google.xml"), "--format", "json", "--no-dnsbl", "--fail-on", "never")
    doc = json.loads(out)
    assert code == 3 and doc["lookup_errors"]
    sources = {s["ip"]: s for s in doc["domains"][0]["sources"]}
    assert all(s["authorized_by"] is None for s in sources.values())
    assert sources["203.0.113.7"]["category"] == "suspicious"  # from what the reporters saw
    assert sources["192.0.2.10"]["category"] == "authorized"


def test_unreadable_file_exit_3(server: DNSServer, capsys: Any, tmp_path: pathlib.Path) -> None:
    (tmp_path / "bad.xml.gz").write_bytes(b"\x1f\x8bnope")
    (tmp_path / "r.xml").write_bytes(corpus.aggregate("r", "1", "example.com", [("192.0.2.10", 5, "pass", "pass")]))
    code, doc = doc_of(capsys, server, str(tmp_path))
    assert code == 3 and doc["errors"][0]["file"].endswith("bad.xml.gz") and doc["domains"][0]["messages"] == 5


@pytest.mark.parametrize("args", [[], ["/nonexistent/reports"], ["--imap", "imap://u:pw@127.0.0.1/"],
                                  ["--imap", "ftp://x/"], ["--format", "pdf", "x"]])
def test_bad_usage_exit_2(capsys: Any, args: list[str]) -> None:
    code, out, err = run(capsys, None, *args)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("fmt", ["table", "csv", "html"])
def test_formats_escape_hostile_text(server: DNSServer, capsys: Any, tmp_path: pathlib.Path, fmt: str) -> None:
    (tmp_path / "<script>x.xml").write_bytes(b"<feedback>broken")
    (tmp_path / "r.xml").write_bytes(corpus.aggregate("r", "1", "example.com", [("203.0.113.7", 500, "fail", "pass"),
                                                                                ("192.0.2.10", 50, "pass", "pass")]))
    _, out, _ = run(capsys, server, str(tmp_path), "--format", fmt, "--no-dnsbl")
    assert ("203.0.113.7" in out and "<script>" not in out.replace("&lt;script&gt;", "")) or fmt != "html"
    if fmt == "html":
        assert "&lt;script&gt;x.xml" in out and "Content-Security-Policy" in out
    if fmt == "csv":
        assert out.splitlines()[0].startswith("domain,begin,end,ip")
    if fmt == "table":
        assert "suspicious" in out and "v=spf1 ip4:192.0.2.0/28 include:news.example.net -all" in out


def test_indonesian(server: DNSServer, capsys: Any) -> None:
    _, out, _ = run(capsys, server, *files("google.xml"), "--format", "json", "--no-dnsbl", "--lang", "id")
    titles = {f["id"]: f["title"] for f in json.loads(out)["domains"][0]["findings"]}
    assert titles["reports.source.suspicious"] == "Host yang diizinkan SPF tampak disalahgunakan"


def test_offline_alone_looks_nothing_up(capsys: Any) -> None:
    code, out, _ = run(capsys, None, *files("google.xml"), "--offline", "--format", "json", "--no-dnsbl")
    doc = json.loads(out)
    assert doc["lookup_errors"] == [] and code == 1  # the suspicious host is still found, from the reports


def test_imap_through_the_cli(server: DNSServer, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTS_PW", "s3cret")  # the environment, not a network stub
    with ImapServer({"dmarc": "s3cret"}) as imap:
        imap.deliver(corpus.message(corpus.gz(corpus.raw("google.xml")), "g.xml.gz"))
        url = f"imap://dmarc@127.0.0.1:{imap.port}/INBOX"
        _, out, err = run(capsys, server, "--imap", url, "--imap-password-env", "REPORTS_PW", "--format", "json",
                             "--no-dnsbl")
        assert json.loads(out)["domains"][0]["messages"] == 2835 and "s3cret" not in out + err
        assert imap.commands["EXAMINE"] == 1


def test_imap_without_password_is_usage(capsys: Any) -> None:
    code, _, err = run(capsys, None, "--imap", "imap://u@127.0.0.1:1/", "--imap-password-env", "NOPE_NOT_SET")
    assert code == 2 and "NOPE_NOT_SET" in err


def test_the_shipped_example_finds_the_forgotten_cpanel_host(capsys: Any) -> None:
    """README: `mailaudit reports examples/reports --offline --zone examples/zones`."""
    root = pathlib.Path(__file__).resolve().parents[2] / "examples"
    code, out, _ = run(capsys, None, str(root / "reports"), "--offline", "--zone", str(root / "zones"),
                       "--format", "json")
    doc = json.loads(out)
    (domain,) = doc["domains"]
    assert code == 1 and domain["domain"] == "batikmurni.example" and doc["duplicates"] == 1
    cpanel = domain["sources"][0]
    assert cpanel["ip"] == "103.147.9.66" and cpanel["category"] == "suspicious"
    assert cpanel["authorized_by"] == "a:cpanel.batikmurni.example" and "listed" in cpanel["signals"]
    finding = next(f for f in domain["findings"] if f["id"] == "reports.source.suspicious")
    # `mx` also reaches the host (mail -> cpanel): both terms go, the relay's include stays
    assert finding["fix"]["records"][0]["value"] == "v=spf1 include:spf.relaycloud.example ptr ~all"


def test_db_hook(server: DNSServer, capsys: Any, tmp_path: pathlib.Path) -> None:
    """--db hands the data to the history package (issue 17); a build without it says so (exit 2)."""
    import importlib.util

    db = tmp_path / "history.sqlite"
    code, _, err = run(capsys, server, *files("google.xml"), "--format", "json", "--no-dnsbl", "--db", str(db))
    if importlib.util.find_spec("mailaudit.history") is None:
        assert code == 2 and "history database" in err
    else:
        assert code == 1 and db.exists()
