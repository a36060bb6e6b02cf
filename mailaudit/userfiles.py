"""Reading a file the user named ('-' for standard input) as text, or one clear InputError.

Only regular files are read (``/dev/zero``, a FIFO or a device would never end or would block),
and never more than a cap: the cap is enforced while reading, not trusted from the reported size.
"""

from __future__ import annotations

import os
import pathlib
import stat
import sys
from typing import BinaryIO

from mailaudit.errors import InputError

MAX_USER_FILE = 64 * 1024 * 1024  # a domain list or a report file; more is not something we wrote


def read_user_bytes(path: pathlib.Path | str, limit: int = MAX_USER_FILE, what: str = "") -> bytes:
    """The file's bytes (or standard input's for '-'), at most ``limit``; an InputError otherwise."""
    path = pathlib.Path(path)
    label = f"{what} {path}".strip()
    if str(path) == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a text stream without bytes beneath (an embedding program's stdin)
            text = sys.stdin.read(limit + 1)
            if len(text) > limit:
                raise InputError(f"{label}: larger than {_size(limit)}")
            return text.encode("utf-8", errors="surrogateescape")
        return _capped(stream, limit, label)
    try:
        mode = os.stat(path).st_mode  # before opening: opening a FIFO would block
        if stat.S_ISDIR(mode):
            raise InputError(f"{label}: is a folder")
        if not stat.S_ISREG(mode):
            raise InputError(f"{label}: not a regular file")
        with path.open("rb") as fh:
            return _capped(fh, limit, label)
    except FileNotFoundError:
        raise InputError(f"{label}: no such file") from None
    except OSError as err:
        raise InputError(f"{label}: cannot read: {err.strerror or err}") from None


def _capped(stream: BinaryIO, limit: int, label: str) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{label}: larger than {_size(limit)}")
    return data


def _size(limit: int) -> str:
    return f"{limit // 2**20} MiB" if limit >= 2**20 else f"{limit} bytes"


def read_user_text(path: pathlib.Path | str, errors: str = "strict", limit: int = MAX_USER_FILE) -> str:
    data = read_user_bytes(path, limit)
    try:
        return data.decode("utf-8", errors=errors)
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: cannot read: {err}") from None
