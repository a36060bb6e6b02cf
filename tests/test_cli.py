"""The command line as a user meets it: exit codes, one-line errors, formats, hostile data."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import jsonschema
import pytest

from mailaudit.cli import main, main_group

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "schema" / "report.schema.json").read_text())
MX_ZONES = ROOT / "tests" / "zones" / "mx"


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import sys; from mailaudit.cli import main; sys.exit(main())", *args],
        capture_output=True, text=True, input=stdin, timeout=60,
    )


@pytest.mark.parametrize("bad", ["not a domain!", "", "a..b", "a" * 64 + ".com", "exa mple.com",
                                 "http://", "@example.com", "com", "-bad-.com", "1.2.3.4",
                                 "\x1b[31mred.com"])
def test_bad_domain_exits_2_with_one_line(bad):
    result = run_cli("check", bad, "--offline", "--zone", str(MX_ZONES))
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mailaudit: ")
    assert "Traceback" not in result.stderr and "\x1b" not in result.stderr


@pytest.mark.parametrize("args", [["check", "x.test", "--bogus"], ["frobnicate"], ["batch", "/no/such/file"],
                                  ["check", "x.test", "--zone", "/no/such.zone"],
                                  ["check", "x.test", "--fail-on", "sometimes"],
                                  ["check", "x.test", "--sending-ip", "999.1.1.1"],
                                  ["diff", "/no/old.json", "/no/new.json"]])
def test_usage_errors_exit_2(args):
    result = run_cli(*args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_broken_zone_file_is_one_line(tmp_path):
    bad = tmp_path / "broken.test.zone"
    bad.write_text("@ SOA ns.test. h.test. 1 2 3 4 5\nwww IN A not-an-address\n")
    result = run_cli("check", "broken.test", "--offline", "--zone", str(bad))
    assert result.returncode == 2
    assert result.stderr.startswith("mailaudit: zone file") and len(result.stderr.strip().splitlines()) == 1


def test_inputs_are_normalised(tmp_path):
    result = run_cli("check", "Postmaster@GOOD.mx.test.", "https://good.mx.test/path?q=1", "--offline",
                     "--zone", str(MX_ZONES), "--no-dnsbl", "--format", "json", "--exact")
    data = json.loads(result.stdout)
    jsonschema.validate(data, SCHEMA)
    assert [r["domain"] for r in data["reports"]] == ["good.mx.test"]  # the same domain, audited once
    assert data["reports"][0]["notes"]


def test_a_url_means_its_registered_domain():
    result = run_cli("check", "https://www.good.mx.test/kontak", "--offline", "--zone", str(MX_ZONES),
                     "--no-dnsbl", "--format", "json")
    report = json.loads(result.stdout)["reports"][0]
    assert report["domain"] == "mx.test"  # by the Public Suffix List: .test is a suffix
    assert "registered domain" in report["notes"][0] and "--exact" in report["notes"][0]


def test_idn_is_audited_in_a_label_form():
    result = run_cli("check", "bücher.test", "--offline", "--zone", str(MX_ZONES), "--format", "json")
    assert json.loads(result.stdout)["reports"][0]["domain"] == "xn--bcher-kva.test"


def test_json_validates_and_exit_code_follows_fail_on():
    args = ["check", "dangling.mx.test", "good.mx.test", "--offline", "--zone", str(MX_ZONES), "--format", "json"]
    result = run_cli(*args)
    data = json.loads(result.stdout)
    jsonschema.validate(data, SCHEMA)
    ids = {f["id"] for r in data["reports"] for f in r["findings"]}
    assert "mx.host.unresolvable" in ids
    assert result.returncode == 1
    assert run_cli(*args, "--fail-on", "never").returncode in (0, 3)
    assert run_cli(*args, "--fail-on", "critical").returncode in (0, 3)


def test_jsonl_streams_one_report_per_line():
    result = run_cli("check", "good.mx.test", "nullmx.mx.test", "--offline", "--zone", str(MX_ZONES),
                     "--format", "jsonl", "--fail-on", "never")
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    for line in lines:
        jsonschema.validate({"version": 1, "reports": [json.loads(line)]}, SCHEMA)


def test_batch_reads_file_and_stdin(tmp_path):
    listing = tmp_path / "domains.txt"
    listing.write_text("# clients\ngood.mx.test\n\nnullmx.mx.test  # no mail\n")
    for source, stdin in ((str(listing), None), ("-", listing.read_text())):
        result = run_cli("batch", source, "--offline", "--zone", str(MX_ZONES), "--format", "json",
                         "--fail-on", "never", stdin=stdin)
        assert sorted(r["domain"] for r in json.loads(result.stdout)["reports"]) == ["good.mx.test", "nullmx.mx.test"]
        assert result.stderr == ""  # no progress on a non-terminal


def test_batch_bad_line_names_the_line(tmp_path):
    listing = tmp_path / "domains.txt"
    listing.write_text("good.mx.test\nnot valid!\n")
    result = run_cli("batch", str(listing), "--offline", "--zone", str(MX_ZONES))
    assert result.returncode == 2 and "line 2" in result.stderr


def test_timeout_is_status_error_and_exit_3(dns_server):
    server = dns_server("mx")
    server.timeout("good.mx.test", "MX")
    result = run_cli("check", "good.mx.test", "--nameserver", server.address, "--timeout", "0.2",
                     "--no-dnsbl", "--format", "json", "--fail-on", "critical")
    report = json.loads(result.stdout)["reports"][0]
    mx = next(c for c in report["checks"] if c["id"] == "mx")
    assert mx["status"] == "error" and "timeout" in mx["error"]
    assert not any(f["id"].startswith("mx.") for f in report["findings"])
    assert result.returncode == 3


def test_hostile_txt_never_reaches_the_terminal_raw(dns_server):
    server = dns_server("mx")
    result = run_cli("check", "hostile.test", "--nameserver", server.address, "--no-dnsbl", "--format", "table")
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    for fmt in ("json", "jsonl"):
        out = run_cli("check", "hostile.test", "--nameserver", server.address, "--no-dnsbl", "--format", fmt).stdout
        assert "\x1b" not in out and "\x07" not in out


def test_every_contract_option_is_accepted():
    result = run_cli("check", "good.mx.test", "--offline", "--zone", str(MX_ZONES), "--nameserver", "127.0.0.1:5300",
                     "--timeout", "1", "--dkim-selector", "sel1", "--dkim-selector", "sel2", "--dnsbl", "bl.test",
                     "--sending-ip", "94.130.12.10", "--sending-ip", "2a01:4f8::1", "--fail-on", "low",
                     "--format", "json")
    assert result.returncode in (0, 1, 3), result.stderr
    jsonschema.validate(json.loads(result.stdout), SCHEMA)
    assert run_cli("check", "good.mx.test", "--offline", "--zone", str(MX_ZONES), "--no-dnsbl",
                   "--format", "jsonl").returncode in (0, 1, 3)


def test_library_import_does_not_import_click():
    code = "import sys, mailaudit; mailaudit.audit; assert 'click' not in sys.modules, 'click imported'"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_click_group_help():
    from click.testing import CliRunner

    result = CliRunner().invoke(main_group, ["--help"])
    assert result.exit_code == 0 and "check" in result.output and "batch" in result.output


def test_every_command_is_listed_for_lazy_loading():
    """The group imports a command's module only when it runs: every command of every cli
    module must be in COMMANDS under its own name, or it would vanish from the CLI."""
    import importlib

    import click

    from mailaudit.cli import COMMANDS

    found = {}
    for module in set(COMMANDS.values()):
        for value in vars(importlib.import_module(f"mailaudit.cli.{module}")).values():
            if isinstance(value, click.Command) and value.callback is not None \
                    and value.callback.__module__ == f"mailaudit.cli.{module}":
                found[value.name] = module
    assert found == COMMANDS


def test_the_collector_is_tuned_only_when_the_process_is_the_command():
    """``main()`` from sys.argv (the console script) raises the collector's thresholds and freezes
    start-up's objects; a caller passing arguments (a test, a script) keeps its own settings."""
    import gc

    before = gc.get_threshold()
    main(["--version"])
    assert gc.get_threshold() == before
    code = "import gc, sys; import mailaudit.cli as c; sys.argv = ['mailaudit', '--version']; c.main(); " \
           "print(gc.get_threshold() == c.GC_THRESHOLDS)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.stdout.strip().splitlines()[-1] == "True"
