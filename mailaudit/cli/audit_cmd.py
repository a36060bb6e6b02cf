"""`mailaudit check` and `mailaudit batch`: audit domains, render, set the exit code."""

from __future__ import annotations

import dataclasses
import datetime
import pathlib
import sys
from collections.abc import Iterable
from typing import Any

import click

from mailaudit import __version__
from mailaudit.catalogue import Catalogue
from mailaudit.cli.batchrun import batch_options, batch_output, report_source, select_inputs
from mailaudit.cli.common import (
    EXIT_CODES,
    audit_options,
    build_options,
    data_source,
    load_baseline,
    logo_uri,
    output_format,
    resolver_from,
    terminal_style,
)
from mailaudit.cli.output import emit
from mailaudit.cli.record import RunRecorder
from mailaudit.domains import DomainInput, normalize
from mailaudit.engine import Auditor
from mailaudit.errors import InputError
from mailaudit.model import DomainReport
from mailaudit.options import AuditOptions
from mailaudit.render import RenderOptions, render
from mailaudit.render.jsonout import render_jsonl_line
from mailaudit.userfiles import read_user_text
from mailaudit.verdict import Tally


@click.command(short_help="Audit domains: MX, SPF, DKIM, DMARC, blocklists, transport security.", epilog=EXIT_CODES)
@click.argument("domains", nargs=-1, required=True)
@audit_options
def check(domains: tuple[str, ...], **params: Any) -> int:
    """Audit DOMAIN(s): a name, IDN, e-mail address or URL (its registered domain).

    \b
    Example:  mailaudit check example.com --format html > example.html
    """
    inputs = _unique(normalize(d, params["exact"]) for d in domains)
    return _run(inputs, params, progress=False, many=False, command="check")


@click.command(short_help="Audit every domain of a file (one per line), ranked worst first.", epilog=EXIT_CODES)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True, path_type=pathlib.Path))
@audit_options
@batch_options
def batch(file: pathlib.Path, **params: Any) -> int:
    """Audit every domain in FILE (one per line, '-' for stdin, '#' starts a comment).

    With the table format: a ranked summary, worst domains first (-v adds every domain's details).

    \b
    Example:  mailaudit batch clients.txt -o audit.jsonl --resume   (run again to finish an interrupted one)
    """
    inputs = _unique(read_domain_file(file, params["exact"]))
    with batch_output(params) as done:  # --output/--resume/--shard/--cluster: cli/batchrun.py
        code = _run(select_inputs(inputs, params, done), params, progress=sys.stderr.isatty(), many=True,
                    command="batch")
    return done.exit_code(code)


def read_domain_file(path: pathlib.Path, exact: bool = False) -> list[DomainInput]:
    text = read_user_text(path, errors="replace")
    inputs: list[DomainInput] = []
    for number, line in enumerate(text.split("\n"), 1):  # lines end at \n only, not at \f or U+2028
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        try:
            inputs.append(normalize(entry, exact))
        except InputError as err:
            raise InputError(f"{path} line {number}: {err}") from None
    if not inputs:
        raise InputError(f"{path}: no domains in the file")
    return inputs


def _unique(inputs: Iterable[DomainInput]) -> list[DomainInput]:
    seen: dict[str, DomainInput] = {}
    for item in inputs:
        seen.setdefault(item.domain, item)
    return list(seen.values())


def _render_options(params: dict[str, Any], options: AuditOptions, many: bool, catalogue: Catalogue,
                    started: datetime.datetime) -> RenderOptions:
    color, width = terminal_style(params)
    return RenderOptions(
        options.fail_on, params["lang"], color, width, verbose=params["verbose"] or not many,
        generated_at=started.strftime("%Y-%m-%d %H:%M UTC"), source=data_source(params, catalogue.words("ui")),
        version=__version__, brand=params["brand"], logo=logo_uri(params["logo"]),
    )


def _run(inputs: list[DomainInput], params: dict[str, Any], progress: bool, many: bool, command: str) -> int:
    with RunRecorder(params, command) as recorder:
        code = _audit(inputs, params, progress, many, recorder)
        recorder.commit()  # only a run that finished is recorded (Ctrl-C records nothing)
        return code


def _audit(inputs: list[DomainInput], params: dict[str, Any], progress: bool, many: bool,
           recorder: RunRecorder) -> int:
    fmt = output_format(params["fmt"])
    options = build_options(params)
    baseline = load_baseline(params["baseline"])
    resolver = resolver_from(params)
    auditor = Auditor(resolver, options, Catalogue.load(params["lang"]))
    # built before any lookup: a bad --logo is a usage error, and the report says when the run began
    render_options = _render_options(params, options, many, auditor.catalogue, datetime.datetime.now(datetime.UTC))
    tally = Tally(options.fail_on, baseline)
    recorder.start()  # the options are valid: an unusable --db file stops the run here, before any work
    kept: list[DomainReport] = []
    try:
        resolver.run_sync(lambda: _stream(auditor, inputs, params, fmt, (tally, recorder), kept, progress))
    except KeyboardInterrupt:
        if fmt in ("jsonl", "json", "junit", "csv"):  # a partial machine document would mislead
            raise
        note = auditor.catalogue.words("ui")["t_interrupted"].format(count=len(kept))
        marked = [dataclasses.replace(r, notes=(note, *r.notes), run_notes=(note, *r.run_notes)) for r in kept]
        _write(marked, inputs, fmt, render_options)
        raise
    if fmt != "jsonl":
        _write(kept, inputs, fmt, render_options)
    if params["stats"]:
        click.echo(resolver.stats.summary(), err=True)
    return int(tally.code)


async def _stream(auditor: Auditor, inputs: list[DomainInput], params: dict[str, Any], fmt: str,
                  sinks: tuple[Tally, RunRecorder], kept: list[DomainReport], progress: bool) -> None:
    """Audit every domain; jsonl lines are written as each finishes, other formats kept; the
    exit-code tally and the --db recorder see every report."""
    tally, recorder = sinks
    async for report in report_source(auditor, inputs, params):  # this process or --cluster
        tally.add(report)
        recorder.add(report)
        if progress:
            click.echo("\r" + progress_line(tally.domains, len(inputs), report.domain), err=True, nl=False)
        if fmt == "jsonl":
            emit(render_jsonl_line(report))
        else:
            kept.append(report)
    if progress:
        click.echo("", err=True)


def _write(reports: list[DomainReport], inputs: list[DomainInput], fmt: str, options: RenderOptions) -> None:
    order = {item.domain: i for i, item in enumerate(inputs)}
    reports = sorted(reports, key=lambda r: order.get(r.domain, 0))
    emit(render(fmt, reports, options))


def progress_line(done: int, total: int, domain: str, width: int = 24) -> str:
    """``[#########...............]  37/100  example.com`` for stderr on a terminal."""
    filled = width * done // max(total, 1)
    return f"[{'#' * filled}{'.' * (width - filled)}] {done:>{len(str(total))}}/{total}  {domain[:40]:<40}"
