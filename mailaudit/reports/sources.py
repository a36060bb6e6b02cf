"""Walk what the user named: report files, .eml messages, mbox files, Maildir folders, folders of these."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .extract import READ_ERRORS, InputError, Item, iter_message, iter_payload, looks_like_message, one_line, safe_items
from .limits import DEFAULT_LIMITS, LimitExceeded, Limits
from .streams import peek, read_capped, sniff

CHUNK = 65536


def iter_paths(paths: list[str], limits: Limits = DEFAULT_LIMITS) -> Iterator[Item]:
    """Every document below every path, in a stable order; unreadable pieces become errors."""
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from _walk_folder(path, limits)
        elif path.exists():
            yield from safe_items(name, _one_file(path, limits, explicit=True))
        else:
            yield InputError(name, "no such file or folder")


def _walk_folder(root: Path, limits: Limits) -> Iterator[Item]:
    seen = 0
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        here = Path(folder)
        if {"cur", "new"} <= set(dirs):  # a Maildir: its messages, read-only (nothing moves to cur/)
            dirs[:] = [d for d in dirs if d not in {"cur", "new", "tmp"}]
            files = [str(Path(sub) / f) for sub in ("cur", "new") for f in sorted(os.listdir(here / sub))]
            maildir = True
        else:
            files = sorted(files)
            maildir = False
        for file in files:
            seen += 1
            if seen > limits.max_files:
                yield InputError(str(root), f"more than {limits.max_files} files; the rest were not read")
                return
            path = here / file
            if path.is_file():
                yield from safe_items(str(path), _one_file(path, limits, explicit=not maildir))


def _one_file(path: Path, limits: Limits, explicit: bool) -> Iterator[Item]:
    """A report file, a message, or an mbox, told apart by content."""
    with path.open("rb") as raw:
        head, stream = peek(raw)
        origin = str(path)
        if sniff(head):
            yield from iter_payload(origin, stream, limits)
        elif head.startswith(b"From "):
            yield from iter_mbox(origin, stream, limits)
        elif looks_like_message(head):
            yield from _message_or_nothing(origin, stream, limits, explicit)
        elif explicit or path.suffix.lower() in {".xml", ".gz", ".zip", ".json", ".eml"}:
            yield from iter_payload(origin, stream, limits)  # says what it starts with


def _message_or_nothing(origin: str, stream: BinaryIO, limits: Limits, explicit: bool) -> Iterator[Item]:
    raw = read_capped(stream, limits.max_message, "message")
    found = False
    for item in iter_message(origin, raw, limits):
        found = True
        yield item
    if not found and explicit:
        yield InputError(origin, "no DMARC or TLS-RPT report attached to this message")


def iter_mbox(origin: str, stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[Item]:
    """Messages of an mbox, streamed: one message in memory at a time, each capped."""
    for number, raw in enumerate(_split_mbox(stream, limits), start=1):
        name = f"{origin}#{number}"
        if raw is None:
            yield InputError(name, f"message larger than {limits.max_message} bytes; skipped")
            continue
        try:
            yield from iter_message(name, raw, limits)
        except READ_ERRORS as exc:
            yield InputError(name, one_line(exc))


def _split_mbox(stream: BinaryIO, limits: Limits) -> Iterator[bytes | None]:
    """Each message's bytes (None when one was over the cap), split at ``From `` lines."""
    parts: list[bytes] = []
    size = 0
    over = False
    previous_blank = True
    while line := stream.readline(CHUNK):
        if line.startswith(b"From ") and previous_blank and (parts or over):
            yield None if over else b"".join(parts)
            parts, size, over = [], 0, False
        elif not line.startswith(b"From ") or not previous_blank:
            size += len(line)
            if size > limits.max_message:
                over, parts = True, []
            elif not over:
                parts.append(line)
        previous_blank = line in (b"\n", b"\r\n")
    if parts or over:
        yield None if over else b"".join(parts)


__all__ = ["LimitExceeded", "iter_mbox", "iter_paths"]
