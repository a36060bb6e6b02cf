"""`mailaudit diff OLD NEW`: what got fixed, what is new, what is still open."""

from __future__ import annotations

import pathlib
import sys
from typing import Any

import click

from mailaudit.catalogue import LANGUAGES
from mailaudit.cli.common import EXIT_CODES
from mailaudit.cli.output import emit
from mailaudit.diff import diff_reports, read_report_file
from mailaudit.render.diffout import render_diff_table
from mailaudit.render.jsonout import dumps


@click.command(short_help="Compare two runs: fixed, new and still open findings.", epilog=EXIT_CODES)
@click.argument("old", type=click.Path(dir_okay=False, allow_dash=True, path_type=pathlib.Path))
@click.argument("new", type=click.Path(dir_okay=False, allow_dash=True, path_type=pathlib.Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None,
              help="Output format (default: table on a terminal, json otherwise).")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="Language of the table.")
def diff(old: pathlib.Path, new: pathlib.Path, fmt: str | None, lang: str) -> int:
    """Compare two runs (json or jsonl output of check/batch): fixed, new and open findings."""
    result: dict[str, Any] = diff_reports(read_report_file(old), read_report_file(new))
    fmt = fmt or ("table" if sys.stdout.isatty() else "json")
    if fmt == "json":
        emit(dumps(result, pretty=True) + "\n")
    else:
        emit(render_diff_table(result, lang))
    return 0
