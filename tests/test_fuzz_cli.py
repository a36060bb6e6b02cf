"""Property tests of the command line: whatever the arguments, domains or zone files, the exit code
is 0, 1, 2 or 3, an error is one visible line on stderr, and no traceback is ever printed.

Random argument lists run in-process through ``mailaudit.cli.main`` (fast, many examples); hostile
domains and broken zone files run as real subprocesses. Every audit is ``--offline`` over the test
zones, so nothing here needs a network.
"""

from __future__ import annotations

import contextlib
import io
import os
import pathlib
import subprocess
import sys
import time
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailaudit.cli import main

ROOT = pathlib.Path(__file__).resolve().parent.parent
MX_ZONES = str(ROOT / "tests" / "zones" / "mx")
OFFLINE = ["--offline", "--zone", MX_ZONES, "--timeout", "0.5"]
EXIT_CODES = (0, 1, 2, 3)

FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")), deadline=10_000,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def visible(text: str) -> bool:
    """No control character but newline, no bidi override or other invisible format character."""
    return not any(
        (ord(ch) < 0x20 and ch != "\n") or 0x7F <= ord(ch) < 0xA0
        or unicodedata.category(ch) in ("Cf", "Cs", "Co", "Zl", "Zp")
        for ch in text
    )


def run_inprocess(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


def run_cli(*args: str | bytes, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", "import sys; from mailaudit.cli import main; sys.exit(main())", *args],
        capture_output=True, input=stdin, timeout=60,
    )


def assert_one_clean_line(result: subprocess.CompletedProcess[bytes]) -> str:
    err = result.stderr.decode("utf-8", errors="replace")
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mailaudit: "), err[:2000]
    assert visible(err), repr(err[:300])
    return lines[0]


# -- random argument lists (in-process) --------------------------------------------------------

HOSTILE = ["\x1b[31m", "\u202e", "\x00", "\x7f", "\udcff", "\r", "\n", "%", "{", "'", '"', "\\"]
COMMANDS = ["check", "batch", "fix", "spf", "blocklist", "diff", "frobnicate", "--version", "-h", ""]
FRAGMENTS = [
    "good.mx.test", "dangling.mx.test", "example.com", "http://[", "a@b", "--", "-", "-h",
    "--format", "table", "json", "jsonl", "html", "junit", "markdown", "zone", "text", "xml",
    "--fail-on", "never", "critical", "info", "sometimes",
    "--timeout", "0", "-1", "nan", "inf", "1e309", "abc",
    "--nameserver", "127.0.0.1:99999", "[::1]:53", "host:port:x", "",
    "--dkim-selector", "..", "sel\x1b", "--dnsbl", "--no-dnsbl", "zen.example.org", "domain:",
    "--sending-ip", "999.1.1.1", "::1", "192.0.2.1", "--ip", "--sender", "--helo",
    "--baseline", "/etc/passwd", "/nonexistent/x.json", "--lang", "en", "id", "xx",
    "--concurrency", "0", "99999999999999999999", "--stats", "--spamhaus-dqs-key", "k\x1b",
    "--zone", "/", "/etc", "/etc/passwd", "/dev/null", "--offline", "--bogus", "-x", "=",
]
argument = st.sampled_from(FRAGMENTS) | st.lists(st.sampled_from(HOSTILE) | st.text(max_size=8), max_size=4).map(
    "".join)


@FUZZ
@given(st.sampled_from(COMMANDS), st.lists(argument, max_size=8), st.text(max_size=200))
def test_random_arguments_never_crash(command: str, args: list[str], stdin: str) -> None:
    argv = [command, *args] if command else list(args)
    if command not in ("diff", "frobnicate"):
        argv.extend(OFFLINE)
    code, _out, err = run_inprocess(argv, stdin)
    assert code in EXIT_CODES, (argv, err)
    assert "Traceback" not in err
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and err.startswith("mailaudit: "), (argv, err)
        assert visible(err), (argv, err)


@FUZZ
@given(st.lists(st.sampled_from([*HOSTILE, "good.mx.test", "a.b", "#", "http://[", "@", ".", "xn--"])
                | st.text(max_size=20), min_size=1, max_size=6).map("".join))
def test_hostile_domains_never_crash(domain: str) -> None:
    code, _, err = run_inprocess(["check", domain, "--no-dnsbl", "--format", "json", *OFFLINE])
    assert code in EXIT_CODES
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and visible(err), repr(err)
    code, _, err = run_inprocess(["batch", "-", "--no-dnsbl", "--format", "jsonl", *OFFLINE], stdin=domain)
    assert code in EXIT_CODES
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and visible(err), repr(err)


# -- hostile domains as a user types them (subprocess, raw bytes in argv) ----------------------

BAD_DOMAINS: list[bytes] = [
    b"\xff\xfe.com", b"a@\xff.com", b"http://\xff.com/", b"\xed\xa0\x80.com", b"ex\xe2\x80\xaeample.com",
    b"a" * 300 + b".com", b"a." * 200 + b"com", b"http://[", b"https://[::1", b"http://user@:80",
    b"xn--a.com", b"xn--zz-.com", b"\x1b]8;;http://evil\x07x.com", b"\x1b[2Jx.com", b"x.com\r\nInjected: yes",
    b"*.example.com", b"1.2.3.4", b"\xc2\xad.com", b"example.com" + b"\xcc\x81" * 100,
]


@pytest.mark.parametrize("domain", BAD_DOMAINS, ids=range(len(BAD_DOMAINS)))
def test_bad_domain_bytes_exit_2_with_one_visible_line(domain: bytes) -> None:
    result = run_cli(b"check", domain, *OFFLINE)
    assert result.returncode == 2, result.stderr
    assert result.stdout == b""
    assert_one_clean_line(result)


def test_ideographic_full_stops_separate_labels() -> None:
    """U+3002, U+FF0E and U+FF61 are dots in IDNA (RFC 3490 3.1): 'good。mx。test' is good.mx.test."""
    for dot in ("\u3002", "\uff0e", "\uff61"):
        code, out, err = run_inprocess(["check", f"good{dot}mx{dot}test", "--no-dnsbl", "--format", "json",
                                        *OFFLINE])
        assert code in (0, 1, 3), err
        assert '"domain": "good.mx.test"' in out


# -- broken zone files (subprocess) ------------------------------------------------------------

SOA = "@ 300 IN SOA ns.broken.test. hostmaster.broken.test. 1 7200 3600 1209600 300\n"
ZONES: dict[str, bytes] = {
    "binary junk": b"\x00\xff\xfe junk \x1b[31m\n\x80\x81\x1b]8;;x\x07",
    "include passwd": b"$INCLUDE /etc/passwd\n",
    "include after soa": (SOA + "$INCLUDE /etc/hostname\n").encode(),
    "huge generate": (SOA + "$GENERATE 1-100000000 host$ A 1.2.3.4\n").encode(),
    "generates add up": (SOA + "$GENERATE 1-40000 a$ A 1.2.3.4\n$GENERATE 1-40000 b$ A 1.2.3.4\n").encode(),
    "wrong class": (SOA + "www CH A 1.2.3.4\n").encode(),
    "missing soa and ttl": b"www IN A 1.2.3.4\n",
    "soa not at origin": b"$TTL 300\nsub IN SOA a. b. 1 2 3 4 5\n",
    "out of zone name": (SOA + "www.other.org. IN A 1.2.3.4\n").encode(),
    "out of zone origin": ("$ORIGIN broken.test.\n" + SOA + "$ORIGIN other.org.\nmail IN A 1.2.3.4\n").encode(),
    "label too long": (SOA + "a" * 64 + " IN A 1.2.3.4\n").encode(),
    "txt string too long": (SOA + '@ IN TXT "' + "a" * 300 + '"\n').encode(),
    "bad ttl": (SOA + "$TTL 99999999999999999999\n").encode(),
    "unbalanced paren": (SOA + "@ IN TXT ( \"a\"\n").encode(),
    "escape in data": (SOA + "www IN A \x1b[31m1.2.3.4\u202e\n").encode(),
    "bad origin": b"$ORIGIN \xff\x1b[2J..\n",
    "ten megabytes": (SOA + "; " + "x" * 10_000_000 + "\n").encode(),
}


@pytest.mark.parametrize("content", list(ZONES.values()), ids=list(ZONES))
def test_broken_zone_file_exits_2_with_one_line(tmp_path: pathlib.Path, content: bytes) -> None:
    path = tmp_path / "broken.test.zone"
    path.write_bytes(content)
    start = time.monotonic()
    result = run_cli("check", "broken.test", "--offline", "--zone", str(path), "--no-dnsbl")
    assert time.monotonic() - start < 45  # a hang was the bug; generous for a loaded 2-core machine
    assert result.returncode == 2, result.stderr[:500]
    assert result.stdout == b""
    assert assert_one_clean_line(result).startswith("mailaudit: zone file ")


def test_generate_within_the_limit_loads(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "gen.test.zone"
    path.write_text(SOA.replace("broken", "gen") + "$GENERATE 1-100 host$ A 1.2.3.4\n"
                    "@ IN MX 10 host7\n")
    code, out, err = run_inprocess(["check", "gen.test", "--offline", "--zone", str(path), "--no-dnsbl",
                                    "--format", "json"])
    assert code in (0, 1, 3), err
    assert "mx.missing" not in out and "mx.host.unresolvable" not in out


# -- hostile DNS data end to end (a zone file served offline) ----------------------------------

ESC = "\\027[2J\\027]8;;http://evil\\007"  # zone-file escapes: ESC, OSC hyperlink, BEL
BIDI = "\\226\\128\\174"  # U+202E as UTF-8 bytes
BAD_UTF8 = "\\255\\254\\192"


def hostile_zone() -> str:
    big = " ".join(f'"{chr(97 + i % 26) * 250}"' for i in range(250))  # about 64 KB in one TXT record
    mx = "".join(f"@ MX {i} mx{i}\nmx{i} A 94.130.12.{i % 250 + 1}\n" for i in range(300))
    return (
        "$ORIGIN hostile.test.\n$TTL 300\n@ SOA ns.test. hostmaster.test. 1 3600 600 86400 60\n"
        '@ TXT "v=spf1 include:loop.hostile.test -all"\n'
        f'sub TXT "v=spf1 {ESC} -all"\nsub TXT "v=spf1 redirect=hostile.test"\nsub MX 10 mx1.hostile.test.\n'
        'loop TXT "v=spf1 include:hostile.test include:loop.hostile.test exists:%{i}.%{l}.hostile.test ~all"\n'
        f'sub2 TXT "v=spf1 include:%{{i}}.{BIDI}.hostile.test ~all"\n'
        f"big TXT {big}\n"
        f'@ TXT "{BAD_UTF8}{ESC}{BIDI}"\n'
        "@ MX 5 alias\nalias CNAME alias2\nalias2 CNAME alias\n" + mx +
        "_dmarc CNAME _dmarc2\n_dmarc2 CNAME _dmarc\n"
        f'default._domainkey TXT "v=DKIM1; k=rsa; p={ESC}{BAD_UTF8}"\n'
        f'selector1._domainkey TXT "v=DKIM1; t={BIDI}; p=" {big}\n'
    )


@pytest.fixture(scope="module")
def hostile_zone_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("hostile") / "hostile.test.zone"
    path.write_text(hostile_zone())
    return str(path)


@pytest.mark.parametrize("args", [
    ["check", "--format", "table"], ["check", "--format", "markdown"], ["check", "--format", "html"],
    ["check", "--format", "junit"], ["check", "--format", "json"], ["fix", "--format", "text"],
    ["fix", "--format", "zone"], ["spf", "--format", "table"], ["spf", "--ip", "94.130.12.1", "--format", "json"],
])
def test_hostile_dns_data_never_reaches_the_output_raw(hostile_zone_file: str, args: list[str]) -> None:
    command, *rest = args
    extra = ["--no-dnsbl"] if command in ("check", "fix") else []
    start = time.monotonic()
    domains = ["hostile.test", "sub.hostile.test"] if command == "check" else ["hostile.test"]
    result = run_cli(command, *domains, *rest, *extra, "--offline", "--zone", hostile_zone_file)
    assert time.monotonic() - start < 30
    out, err = result.stdout.decode("utf-8"), result.stderr.decode("utf-8", errors="replace")
    assert result.returncode in (0, 1, 3), err[:2000]
    assert "Traceback" not in err
    assert visible(out), [ch for ch in out if not visible(ch)][:5]
    if rest[-1] == "html":
        assert "<script" not in out and 'href="http://evil' not in out


# -- diff and --baseline over hostile report files (in-process) --------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.sampled_from(HOSTILE) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["domain", "findings", "checks", "id", "subject", "severity", "title", "status",
                         "reports", "version", "fix"]) | st.text(max_size=5), inner, max_size=5),
    max_leaves=20,
)
report_files = st.one_of(
    json_values.map(lambda v: __import__("json").dumps(v)),
    st.lists(json_values.map(lambda v: __import__("json").dumps(v)), max_size=3).map("\n".join),
    st.sampled_from(["[" * 50_000, '{"domain": "a.test", "x": ' + "[" * 50_000 + "]" * 50_000 + "}",
                     "1" * 5000, "NaN", '{"version": 1, "reports": [{"domain": "\\u001b[2J"}]}']),
    st.text(max_size=50),
)


@FUZZ
@given(report_files, report_files, st.sampled_from(["json", "table"]))
def test_diff_of_any_files_never_crashes(tmp_path: pathlib.Path, old: str, new: str, fmt: str) -> None:
    (tmp_path / "old.json").write_text(old, encoding="utf-8", errors="surrogateescape")
    (tmp_path / "new.json").write_text(new, encoding="utf-8", errors="surrogateescape")
    code, out, err = run_inprocess(["diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "--format", fmt])
    assert code in (0, 2), err
    assert "Traceback" not in err and visible(err)
    if fmt == "table":
        assert visible(out)
    code, _, err = run_inprocess(["check", "good.mx.test", "--no-dnsbl", "--baseline", str(tmp_path / "old.json"),
                                  "--format", "json", *OFFLINE])
    assert code in EXIT_CODES and "Traceback" not in err


def test_deeply_nested_report_file_is_one_line(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    result = run_cli("diff", str(path), str(path))
    assert result.returncode == 2
    assert "nested too deeply" in assert_one_clean_line(result)


@pytest.mark.parametrize("server", ["no-such-host.invalid", "999.1.1.1", "host:port:x", "\x1b[31m", "a b", "h:99999"])
def test_nameserver_must_resolve(server: str) -> None:
    """A nameserver name that cannot be resolved was accepted and every check then 'timed out'
    (exit 3): it is a usage error. (Names that resolve are used at their address.)"""
    code, out, err = run_inprocess(["check", "good.mx.test", "--nameserver", server, "--no-dnsbl"])
    assert code == 2 and out == ""
    assert err.startswith("mailaudit: ") and "nameserver" in err and visible(err)


def test_out_of_zone_glue_is_ignored_like_bind(tmp_path: pathlib.Path) -> None:
    """Exported zones carry A records of their name servers in other zones: not an error."""
    path = tmp_path / "glue.test.zone"
    path.write_text(SOA.replace("broken", "glue") + "@ IN NS ns1.provider.example.\n"
                    "ns1.provider.example. IN A 94.130.12.2\nns1.provider.example. IN AAAA 2a01::2\n"
                    "@ IN MX 10 mail\nmail IN A 94.130.12.3\n")
    code, out, err = run_inprocess(["check", "glue.test", "--offline", "--zone", str(path), "--no-dnsbl",
                                    "--format", "json"])
    assert code in (0, 1, 3), err
    assert '"domain": "glue.test"' in out
    path.write_text(path.read_text() + "ns1.provider.example. IN TXT \"not glue\"\n")
    code, _, err = run_inprocess(["check", "glue.test", "--offline", "--zone", str(path), "--no-dnsbl"])
    assert code == 2 and "ns1.provider.example. is outside the zone glue.test." in err


@pytest.mark.parametrize("seconds", ["nan", "inf", "1e309", "-1", "0", "601"])
def test_timeout_must_be_a_finite_positive_number(seconds: str) -> None:
    """nan and inf were accepted and a query to a silent server then waited for ever."""
    code, out, err = run_inprocess(["check", "good.mx.test", "--nameserver", "127.0.0.1:9", "--timeout", seconds])
    assert code == 2 and out == "" and err.startswith("mailaudit: --timeout ")


@pytest.mark.parametrize("args", [["check", "good.mx.test", "--sending-ip", "2a01:4f8::1%x.y", "--no-dnsbl"],
                                  ["blocklist", "2a01:4f8::1%eth0"]])
def test_scoped_addresses_are_usage_errors(args: list[str]) -> None:
    """A sending IP with a %zone index ended as 'internal error in the spf check'."""
    code, out, err = run_inprocess([*args, *OFFLINE])
    assert code == 2 and out == "" and "%zone index" in err
