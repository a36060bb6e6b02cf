"""`batch`'s own options: --output FILE, --resume, --shard K/N, --cluster ADDRESS, --chunk-size.

Kept apart from audit_cmd.py: ``batch`` wraps its run in ``batch_output`` (where the document
goes, what is already done) and ``_stream`` takes its reports from ``report_source`` (this
process, or a Dask cluster).
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from typing import IO, Any, TypeVar

import click

from mailaudit.batchfile import Completed, parse_shard, read_completed
from mailaudit.cli.common import load_baseline
from mailaudit.domains import DomainInput
from mailaudit.engine import Auditor
from mailaudit.errors import InputError
from mailaudit.model import DomainReport, Severity
from mailaudit.render import FORMATS

F = TypeVar("F", bound=Callable[..., Any])


def batch_options(func: F) -> F:
    options = [
        click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=pathlib.Path), default=None,
                     metavar="FILE", help="Write the output to FILE instead of standard output (format from "
                     "--format, else jsonl with --resume, else from the file's extension, else json)."),
        click.option("--resume", is_flag=True,
                     help="With --output FILE in jsonl: skip the domains already complete in FILE, append the rest."),
        click.option("--shard", default=None, metavar="K/N",
                     help="Audit only shard K of N (1..N), split by a stable hash of each domain."),
        click.option("--cluster", default=None, metavar="ADDRESS",
                     help="Run on the Dask scheduler at ADDRESS (tcp://HOST:8786; needs the cluster extra)."),
        click.option("--chunk-size", type=click.IntRange(1, 1_000_000), default=1000, show_default=True,
                     help="With --cluster: domains per task handed to a worker."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def select_inputs(inputs: list[DomainInput], params: dict[str, Any], done: Completed) -> list[DomainInput]:
    """The domains this run audits: those of its shard that the output does not hold yet."""
    if params.get("shard"):
        shard = parse_shard(params["shard"])
        inputs = [item for item in inputs if shard.holds(item.domain)]
    return done.pending(inputs)


@contextlib.contextmanager
def batch_output(params: dict[str, Any]) -> Iterator[Completed]:
    """Send the command's standard output to --output FILE; yield what the file already holds.

    jsonl goes straight to the file, one whole line per write, so an interrupted run leaves
    complete lines (and at worst one torn last line, which --resume drops). Every other format
    is written to a temporary file beside it and renamed over FILE when complete.
    """
    path: pathlib.Path | None = params.get("output")
    if path is None:
        if params.get("resume"):
            raise InputError("--resume needs --output FILE (the jsonl output to pick up from)")
        yield Completed()
        return
    params["fmt"] = params.get("fmt") or ("jsonl" if params.get("resume") else _format_of(path))
    if params.get("resume") and params["fmt"] != "jsonl":
        raise InputError("--resume works with --format jsonl only (one report per line)")
    _check_target(path)
    if params["fmt"] == "jsonl" or (path.exists() and not path.is_file()):  # a FIFO, /dev/null: no rename
        done = read_completed(path, _fail_on(params), load_baseline(params.get("baseline"))) \
            if params.get("resume") else Completed()
        with _open(path, "a" if params.get("resume") else "w") as out, contextlib.redirect_stdout(out):
            yield done
        return
    with _replacing(path) as out, contextlib.redirect_stdout(out):
        yield Completed()


def report_source(auditor: Auditor, inputs: list[DomainInput], params: dict[str, Any]) -> AsyncIterator[DomainReport]:
    """The reports of ``inputs``: audited in this process, or on the --cluster scheduler."""
    address = params.get("cluster")
    if not address:
        return auditor.audit_many(inputs, params["concurrency"])
    from mailaudit.cluster.client import cluster_reports
    from mailaudit.cluster.work import ChunkJob

    job = ChunkJob(tuple(params["nameservers"]), params["timeout"], auditor.resolver.zones, params["offline"],
                   auditor.options, params["lang"], params["concurrency"])
    return cluster_reports(address, job, inputs, params["chunk_size"])


def _format_of(path: pathlib.Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    aliases = {"md": "markdown", "xml": "junit", "htm": "html", "txt": "table"}
    suffix = aliases.get(suffix, suffix)
    return suffix if suffix in FORMATS else "json"


def _fail_on(params: dict[str, Any]) -> Severity | None:
    value = params.get("fail_on", "high")
    return None if value == "never" else Severity(value)


def _check_target(path: pathlib.Path) -> None:
    if path.is_dir():
        raise InputError(f"--output {path}: is a folder")
    if not path.parent.is_dir():
        raise InputError(f"--output {path}: no such folder {path.parent}")


def _open(path: pathlib.Path, mode: str) -> IO[str]:
    try:
        return path.open(mode, encoding="utf-8")
    except OSError as err:
        raise InputError(f"--output {path}: cannot write: {err.strerror or err}") from None


@contextlib.contextmanager
def _replacing(path: pathlib.Path) -> Iterator[IO[str]]:
    """A temporary file beside ``path``, renamed over it when the block completes (also after
    Ctrl-C when the block wrote something: the document then says it was interrupted)."""
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as err:
        raise InputError(f"--output {path}: cannot write: {err.strerror or err}") from None
    temp = pathlib.Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            try:
                yield out
            except KeyboardInterrupt:
                if os.fstat(out.fileno()).st_size == 0:
                    raise
                _commit(out, temp, path)
                raise
            _commit(out, temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _commit(out: IO[str], temp: pathlib.Path, path: pathlib.Path) -> None:
    out.flush()
    os.fsync(out.fileno())
    mask = os.umask(0o022)
    os.umask(mask)
    os.chmod(temp, 0o666 & ~mask)
    os.replace(temp, path)
