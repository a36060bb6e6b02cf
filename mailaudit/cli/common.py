"""Options shared by the commands, and turning them into a Resolver and AuditOptions."""

from __future__ import annotations

import base64
import dataclasses
import math
import os
import pathlib
import shutil
import sys
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from mailaudit.addresses import parse_ip
from mailaudit.catalogue import LANGUAGES
from mailaudit.dnsbl.lists import check_dqs_key, select
from mailaudit.dnscore.resolver import DEFAULT_TIMEOUT, Resolver, parse_nameserver
from mailaudit.dnssec.anchors import load_anchors
from mailaudit.errors import InputError
from mailaudit.model import Severity
from mailaudit.options import AuditOptions
from mailaudit.render import FORMATS
from mailaudit.userfiles import read_user_bytes
from mailaudit.verdict import FindingKey

F = TypeVar("F", bound=Callable[..., Any])
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
_MAX_TIMEOUT = 600.0
FAIL_ON = ("critical", "high", "medium", "low", "info", "never")
EXIT_CODES = ("\b\nExit codes:\n  0  every check completed, nothing at or above --fail-on\n"
              "  1  a finding at or above --fail-on\n  2  bad usage or input (one line on stderr)\n"
              "  3  nothing at or above --fail-on, but a check could not complete")


def _apply(func: F, options: list[Callable[[F], F]]) -> F:
    for option in reversed(options):
        func = option(func)
    return func


def resolver_options(func: F) -> F:
    """--nameserver, --timeout, --zone, --offline."""
    return _apply(func, [
        click.option("--nameserver", "nameservers", multiple=True, metavar="HOST[:PORT]",
                     help="Use this resolver instead of the system's (repeatable)."),
        click.option("--timeout", type=float, default=DEFAULT_TIMEOUT, show_default=True,
                     metavar="SECONDS", help="Per-query timeout."),
        click.option("--zone", "zones", multiple=True, metavar="FILE",
                     help="Answer names inside this zone from the file or folder of *.zone files "
                          "(what-if before publishing; repeatable)."),
        click.option("--offline", is_flag=True,
                     help="No live DNS: only --zone files answer; other names are not verifiable."),
    ])


def check_options(func: F) -> F:
    """What the checks are asked to do, and the language of their texts (check, batch, fix)."""
    func = resolver_options(func)
    return _apply(func, [
        click.option("--dkim-selector", "dkim_selectors", multiple=True, metavar="SEL",
                     help="Also probe this DKIM selector (repeatable)."),
        click.option("--dnsbl", "dnsbl_zones", multiple=True, metavar="ZONE",
                     help="Use these blocklist zones instead of the built-in set (repeatable)."),
        click.option("--no-dnsbl", is_flag=True, help="Skip blocklist lookups."),
        click.option("--spamhaus-dqs-key", metavar="KEY", default=None,
                     help="Query Spamhaus through its Data Query Service with this key."),
        click.option("--sending-ip", "sending_ips", multiple=True, metavar="IP",
                     help="Also audit an address the domain sends from (repeatable)."),
        click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
                     help="Language of the report texts."),
        click.option("--smtp", is_flag=True,
                     help="Also connect to mail servers on port 25 (STARTTLS, certificates, DANE, filter bypass)."),
        click.option("--ca-file", default=None, metavar="PEM",
                     help="Extra trusted CA certificates for HTTPS fetches and SMTP certificate checks."),
        click.option("--trust-anchor", default=None, metavar="FILE",
                     help="DNSSEC trust anchors (DS or DNSKEY records in zone-file format)."),
        click.option("--allow-private-targets", is_flag=True,
                     help="Allow HTTPS and SMTP connections to loopback, private and link-local addresses."),
        click.option("--smtp-port", type=click.IntRange(1, 65535), default=25, show_default=True,
                     help="Port of the SMTP probes (a test rig or relay; real MX servers listen on 25)."),
        click.option("--smtp-timeout", type=click.FloatRange(0.1, 60), default=5.0, show_default=True,
                     metavar="SECONDS", help="SMTP probe base timeout: connect t, banner 3t, command 2t, session 6t."),
        click.option("--smtp-ehlo", default=None, metavar="FQDN",
                     help="EHLO name of the SMTP probes (default mailaudit-probe.invalid); your own FQDN helps."),
        click.option("--exact", is_flag=True,
                     help="Audit a URL's host as given, not its registered domain."),
        click.option("--https-port", type=click.IntRange(1, 65535), default=443, hidden=True,
                     help="Test rigs only: the port HTTPS fetches connect to."),
        click.option("--https-timeout", type=click.FloatRange(0.1, 120), default=10.0, hidden=True,
                     help="Seconds for one whole HTTPS fetch."),
    ])


def audit_options(func: F) -> F:
    """Everything `check` and `batch` share."""
    func = check_options(func)
    return _apply(func, [
        click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
                     help="Output format (default: table on a terminal, json otherwise)."),
        click.option("--fail-on", type=click.Choice(FAIL_ON), default="high", show_default=True,
                     help="Exit 1 when a finding is at or above this severity."),
        click.option("--baseline", type=click.Path(dir_okay=False, path_type=pathlib.Path),
                     default=None, metavar="FILE",
                     help="A json/jsonl output: only findings not in it count for the exit code."),
        click.option("--stats", is_flag=True, help="Print DNS question counters on stderr at the end."),
        click.option("--concurrency", type=click.IntRange(1, 10_000), default=64, show_default=True,
                     help="Domains audited at once."),
        click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
                     help="Colour in the table: auto means on a terminal, unless NO_COLOR is set."),
        click.option("--brand", default="", metavar="NAME",
                     help="HTML: the consultant's name in the report header (\"Prepared by NAME\")."),
        click.option("--logo", default=None, metavar="FILE",
                     help="HTML: the consultant's logo (PNG, JPEG or SVG, at most 256 KB) in the header."),
        click.option("-v", "--verbose", is_flag=True,
                     help="batch with the table: every domain's details, not only the ranked summary."),
        click.option("--db", default=None, metavar="FILE",
                     help="Also record this run in a SQLite history database (see `history`, `portfolio`)."),
    ])


def terminal_style(params: Mapping[str, Any]) -> tuple[bool, int]:
    """Whether to colour the table, and its width: the terminal's, or 100 columns for a file."""
    tty = sys.stdout is not None and sys.stdout.isatty()
    choice = params.get("color", "auto")
    color = choice == "always" or (choice == "auto" and tty and not os.environ.get("NO_COLOR")
                                   and os.environ.get("TERM") != "dumb")
    width = shutil.get_terminal_size((100, 24)).columns if tty or os.environ.get("COLUMNS") else 100
    return color, max(width, 40)


def resolver_from(params: Mapping[str, Any]) -> Resolver:
    """The Resolver the --nameserver/--timeout/--zone/--offline options ask for."""
    return build_resolver(params["nameservers"], params["timeout"], params["zones"], params["offline"])


def build_resolver(nameservers: tuple[str, ...], timeout: float, zones: tuple[str, ...], offline: bool) -> Resolver:
    if offline and not zones:
        raise InputError("--offline needs at least one --zone FILE")
    if not math.isfinite(timeout) or not 0 < timeout <= _MAX_TIMEOUT:  # nan and inf waited for ever
        raise InputError(f"--timeout {timeout}: give seconds above 0 and at most {_MAX_TIMEOUT:g}")
    for zone in zones:
        if not pathlib.Path(zone).exists():
            raise InputError(f"zone file {zone}: no such file")
    for server in nameservers:
        parse_nameserver(server)  # a bad HOST:PORT is a usage error before any work; names resolve once
    return Resolver(list(nameservers) or None, timeout=timeout, zones=zones, offline=offline)


def build_options(params: dict[str, Any]) -> AuditOptions:
    for ip in params["sending_ips"]:
        if parse_ip(ip) is None or "%" in ip:
            raise InputError(f"--sending-ip {ip!r}: not an IPv4 or IPv6 address (without a %zone index)")
    for option in ("ca_file", "trust_anchor"):
        value = params.get(option)
        if value is not None and not pathlib.Path(value).is_file():
            raise InputError(f"--{option.replace('_', '-')} {value}: no such file")
    if params.get("trust_anchor"):
        load_anchors(params["trust_anchor"])  # a broken anchor file is a usage error (exit 2) before any work
    fail_on = None if params.get("fail_on", "high") == "never" else Severity(params.get("fail_on", "high"))
    zones = tuple(z.strip().rstrip(".").lower() for z in params["dnsbl_zones"]) or None
    select(zones)  # a bad --dnsbl value or DQS key is a usage error before any lookup, not a check error
    if params.get("spamhaus_dqs_key"):
        check_dqs_key(params["spamhaus_dqs_key"])
    return dataclasses.replace(
        AuditOptions(),
        dkim_selectors=tuple(params["dkim_selectors"]),
        dnsbl_zones=zones,
        dnsbl=not params["no_dnsbl"],
        sending_ips=tuple(params["sending_ips"]),
        spamhaus_dqs_key=params["spamhaus_dqs_key"],
        fail_on=fail_on,
        smtp=bool(params.get("smtp")),
        ca_file=params.get("ca_file"),
        trust_anchor=params.get("trust_anchor"),
        allow_private_targets=bool(params.get("allow_private_targets")),
        https_port=int(params.get("https_port") or 443),
        https_timeout=float(params.get("https_timeout") or 10.0),
        smtp_port=int(params.get("smtp_port") or 25),
        smtp_timeout=float(params.get("smtp_timeout") or 5.0),
        baseline_mx=_baseline_mx(params.get("baseline")) if params.get("smtp") else (),
        smtp_ehlo=_ehlo(params.get("smtp_ehlo")),
    )


def _ehlo(name: str | None) -> str | None:
    from mailaudit.smtp.prober import valid_ehlo_name

    if name is not None and not valid_ehlo_name(name):
        raise InputError(f"--smtp-ehlo {name!r}: not a host name")
    return name


def _baseline_mx(path: pathlib.Path | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The MX hosts a --baseline run saw per domain (origin candidates of the bypass check)."""
    if path is None:
        return ()
    from mailaudit.bypass.baseline import baseline_mx
    from mailaudit.diff import read_report_file

    return baseline_mx(read_report_file(path))


def output_format(fmt: str | None) -> str:
    if fmt:
        return fmt
    return "table" if sys.stdout.isatty() else "json"


def load_baseline(path: pathlib.Path | None) -> frozenset[FindingKey]:
    if path is None:
        return frozenset()
    from mailaudit.diff import findings_of, key_of, read_report_file

    keys: set[FindingKey] = set()
    for report in read_report_file(path):
        for finding in findings_of(report):
            keys.add(key_of(str(report.get("domain", "")), finding))
    return frozenset(keys)


_LOGO_TYPES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


def logo_uri(path: str | None) -> str:
    """The logo file as a data: URI (an <img> never runs an SVG's scripts), or one InputError."""
    if not path:
        return ""
    data = read_user_bytes(path, 256 * 1024, "--logo")
    kind = next((mime for magic, mime in _LOGO_TYPES if data.startswith(magic)), None)
    if kind is None and b"<svg" in data[:2048].lower():
        kind = "image/svg+xml"
    if kind is None:
        raise InputError(f"--logo {path}: not a PNG, JPEG or SVG image")
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def data_source(params: Mapping[str, Any], words: Mapping[str, str]) -> str:
    """Where this run's answers came from, in the report's words."""
    zones = ", ".join(pathlib.Path(z).name for z in params.get("zones", ()))
    if params.get("offline"):
        return words["source_offline"].format(zones=zones)
    if zones:
        return words["source_zone"].format(zones=zones)
    if params.get("nameservers"):
        return words["source_live_ns"].format(servers=", ".join(params["nameservers"]))
    return words["source_live"]
