"""`mailaudit explain FILE|-`: why a message was rejected or failed authentication, and the fix.

Reads a pasted SMTP reply, a bounce or a raw message (at most ``Limits.max_bytes``: a larger
input is cut and said so), cross-checks what it names against DNS now (or ``--zone`` files,
``--offline``), and prints the diagnosis. Exit codes follow `check`: 1 for a finding at or above
``--fail-on``, else 3 when a lookup could not complete, else 0; 2 for unreadable input.
"""

from __future__ import annotations

import dataclasses
import pathlib
import sys
from typing import Any, BinaryIO

import click

from mailaudit.catalogue import LANGUAGES
from mailaudit.cli.common import FAIL_ON, output_format, resolver_from, resolver_options
from mailaudit.dnsbl.lists import select
from mailaudit.errors import InputError
from mailaudit.explain.evidence import UnreadableInput
from mailaudit.explain.limits import DEFAULT_LIMITS
from mailaudit.explain.report import ExplainReport
from mailaudit.explain.run import explain_bytes
from mailaudit.model import Severity
from mailaudit.options import AuditOptions
from mailaudit.render.explain import EXPLAIN_FORMATS, render_json, render_markdown, render_table
from mailaudit.verdict import ExitCode


@click.command("explain")
@click.argument("source", metavar="FILE|-")
@resolver_options
@click.option("--format", "fmt", type=click.Choice(EXPLAIN_FORMATS), default=None,
              help="Output format (default: table on a terminal, json otherwise).")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="high", show_default=True,
              help="Exit 1 when a diagnosis finding is at or above this severity.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="Language of the texts.")
@click.option("--dnsbl", "dnsbl_zones", multiple=True, metavar="ZONE",
              help="Look the addresses up on these lists instead of the built-in set (repeatable).")
@click.option("--no-dnsbl", is_flag=True, help="Skip blocklist lookups of the addresses the input names.")
def explain(source: str, **params: Any) -> int:
    """Explain a bounce, a pasted SMTP reply or a raw message (.eml): why it failed, and the fix."""
    data = read_input(source)
    resolver = resolver_from(params)
    zones = tuple(z.strip().rstrip(".").lower() for z in params["dnsbl_zones"]) or None
    select(zones)  # a bad --dnsbl zone is a usage error before any work
    options = dataclasses.replace(AuditOptions(), dnsbl=not params["no_dnsbl"], dnsbl_zones=zones)
    try:
        report = explain_bytes(data, resolver=resolver, options=options, lang=params["lang"])
    except UnreadableInput as err:
        raise InputError(f"{source}: {err}") from None
    fmt = output_format(params["fmt"])
    if fmt == "json":
        sys.stdout.write(render_json(report))
    elif fmt == "markdown":
        sys.stdout.write(render_markdown(report, params["lang"]))
    else:
        sys.stdout.write(render_table(report, params["lang"]))
    return int(exit_code(report, params["fail_on"]))


def exit_code(report: ExplainReport, fail_on: str) -> ExitCode:
    if fail_on != "never" and report.at_least(Severity(fail_on)):
        return ExitCode.FINDINGS
    return ExitCode.INCOMPLETE if report.errors else ExitCode.OK


def read_input(source: str, limit: int = DEFAULT_LIMITS.max_bytes) -> bytes:
    """At most ``limit + 1`` bytes of the file (``-``: standard input); one InputError otherwise."""
    try:
        if source == "-":
            return _read(sys.stdin.buffer, limit)
        path = pathlib.Path(source)
        if path.is_dir():
            raise InputError(f"{source}: is a folder, give a file (or - for standard input)")
        with path.open("rb") as handle:
            data = _read(handle, limit)
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except OSError as err:
        raise InputError(f"{source}: cannot read: {err.strerror or err}") from None
    if not data.strip():
        raise InputError(f"{source}: empty input")
    return data


def _read(handle: BinaryIO, limit: int) -> bytes:
    return handle.read(limit + 1)
