"""Splitting a batch into shards and resuming it from its own jsonl output.

* ``--shard K/N``: a domain belongs to shard K (1..N) by a stable hash of its A-label (SHA-256,
  not Python's per-process ``hash``), so every machine and every run splits a list the same way,
  whatever the order of the lines.
* ``--resume``: the domains already complete in a jsonl output file are skipped. Only lines that
  end in a newline count: a line cut short by an interrupted run (a kill, a full disk) is not
  trusted, even when it happens to parse, and is cut off the file before new lines are appended.

No network; the only file access is the output file the user named.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import stat
from collections.abc import Iterable, Iterator, Set
from dataclasses import dataclass
from typing import BinaryIO

from mailaudit.domains import DomainInput
from mailaudit.errors import InputError
from mailaudit.model import Severity
from mailaudit.verdict import ExitCode, FindingKey

MAX_SHARDS = 1_000_000
_READ_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class Shard:
    index: int  # 1..count
    count: int

    def holds(self, domain: str) -> bool:
        return shard_of(domain, self.count) == self.index


def parse_shard(text: str) -> Shard:
    """``K/N`` with 1 <= K <= N, or an InputError of one line."""
    head, sep, tail = text.partition("/")
    if not sep or not head.strip().isdigit() or not tail.strip().isdigit():
        raise InputError(f"--shard {text!r}: give K/N, e.g. 3/8 (shard 3 of 8)")
    index, count = int(head), int(tail)
    if not 1 <= index <= count <= MAX_SHARDS:
        raise InputError(f"--shard {text!r}: K must be between 1 and N, N at most {MAX_SHARDS:,}")
    return Shard(index, count)


def shard_of(domain: str, count: int) -> int:
    """The shard (1..count) a domain falls in: the same on every machine and Python version."""
    digest = hashlib.sha256(domain.lower().rstrip(".").encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


@dataclass(frozen=True, slots=True)
class Completed:
    """What an earlier run already wrote to the output: its domains, and their exit-code share."""

    domains: frozenset[str] = frozenset()
    failing: int = 0  # reports with a finding at or above --fail-on (not in the baseline)
    incomplete: int = 0  # reports with a check that could not complete

    def pending(self, inputs: Iterable[DomainInput]) -> list[DomainInput]:
        return [item for item in inputs if item.domain not in self.domains]

    def exit_code(self, code: int) -> int:
        """The exit code of the whole file: this run's ``code`` combined with the earlier lines."""
        if code == ExitCode.FINDINGS or self.failing:
            return int(ExitCode.FINDINGS)
        if code == ExitCode.INCOMPLETE or self.incomplete:
            return int(ExitCode.INCOMPLETE)
        return int(code)


def read_completed(path: pathlib.Path, fail_on: Severity | None,
                   baseline: Set[FindingKey] = frozenset()) -> Completed:
    """Read the jsonl output at ``path`` and cut a torn last line off it.

    A missing file is an empty one. A complete line that is not a mailaudit report is an
    InputError: appending to someone else's file would mix two documents.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return Completed()
    if not stat.S_ISREG(mode):
        raise InputError(f"--output {path}: not a regular file")
    domains: set[str] = set()
    failing = incomplete = 0
    try:
        with path.open("r+b") as fh:
            for number, line in enumerate(_complete_lines(fh), 1):
                domain, fails, errors = _report(line, path, number, fail_on, baseline)
                domains.add(domain)
                failing += fails
                incomplete += errors
    except OSError as err:
        raise InputError(f"--output {path}: cannot read: {err.strerror or err}") from None
    return Completed(frozenset(domains), failing, incomplete)


def _complete_lines(fh: BinaryIO) -> Iterator[bytes]:
    """Every newline-terminated non-blank line; the file is truncated after the last newline."""
    kept = 0  # offset just after the last newline seen
    rest = b""
    while block := fh.read(_READ_BLOCK):
        rest += block
        *lines, rest = rest.split(b"\n")
        for line in lines:
            kept += len(line) + 1
            if line.strip():
                yield line
    if rest:  # a torn line: written by a run that stopped in the middle of it
        fh.truncate(kept)


def _at_least(severity: str, fail_on: Severity) -> bool:
    try:
        return Severity(severity).at_least(fail_on)
    except ValueError:
        return False


def _report(line: bytes, path: pathlib.Path, number: int, fail_on: Severity | None,
            baseline: Set[FindingKey]) -> tuple[str, int, int]:
    """(domain, 1 if it counts for exit 1, 1 if a check could not complete) of one line."""
    try:
        item = json.loads(line)
    except (ValueError, RecursionError):
        raise InputError(f"--output {path} line {number}: not a mailaudit jsonl report") from None
    domain = item.get("domain") if isinstance(item, dict) else None
    if not isinstance(domain, str) or not isinstance(item.get("checks"), list):
        raise InputError(f"--output {path} line {number}: not a mailaudit jsonl report")
    domain = domain.lower().rstrip(".")
    fails = fail_on is not None and any(
        isinstance(f, dict) and _at_least(str(f.get("severity")), fail_on)
        and (domain, str(f.get("id")), str(f.get("subject", "")).lower().rstrip(".")) not in baseline
        for f in item.get("findings") or [])
    errors = any(isinstance(c, dict) and c.get("status") == "error" for c in item["checks"])
    return domain, int(fails), int(errors)
