"""Renderers: pure functions from reports to text. None of them does I/O or DNS.

``render(fmt, reports, ...)`` is the one entry point the CLI uses; ``jsonl`` is streamed by the
caller one report at a time with ``render_jsonl_line``.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass

from mailaudit.errors import InputError
from mailaudit.model import DomainReport, Severity

FORMATS = ("table", "json", "jsonl", "html", "junit", "markdown", "csv")


@dataclass(frozen=True, slots=True)
class RenderOptions:
    fail_on: Severity | None = Severity.HIGH
    lang: str = "en"
    color: bool = False  # ANSI colour in the table (the CLI decides: a terminal, no NO_COLOR)
    width: int = 100  # the table's line width (the terminal's columns)
    verbose: bool = True  # the table over many domains: every domain's details, not only the ranking
    # what a report sent to a client says about itself (the CLI fills them; renderers stay pure)
    generated_at: str = ""  # when the audit ran, e.g. "2026-12-01 09:30 UTC"
    source: str = ""  # where the answers came from: live DNS, what-if zone files, offline
    version: str = ""  # mailaudit's version
    brand: str = ""  # the consultant's name (--brand)
    logo: str = ""  # the consultant's logo as a data: URI (--logo)


def render(fmt: str, reports: Sequence[DomainReport], options: RenderOptions | None = None) -> str:
    options = options or RenderOptions()
    if fmt == "table":
        from mailaudit.render.table import TermStyle, render_table

        return render_table(reports, options.lang, TermStyle(options.color, options.width, options.verbose))
    if fmt == "json":
        from mailaudit.render.jsonout import render_json

        return render_json(reports)
    if fmt == "jsonl":
        from mailaudit.render.jsonout import render_jsonl_line

        return "".join(render_jsonl_line(r) for r in reports)
    if fmt == "csv":
        from mailaudit.render.csvout import render_csv

        return render_csv(reports)
    if fmt in ("html", "junit", "markdown"):
        try:
            module = importlib.import_module(f"{__name__}.{fmt}")
        except ModuleNotFoundError:
            raise InputError(f"--format {fmt} is not available in this build") from None
        text: str = module.render(reports, options)
        return text
    raise InputError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
