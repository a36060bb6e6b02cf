"""Reading a file the user named ('-' for standard input) as text, or one clear InputError."""

from __future__ import annotations

import pathlib
import sys

from mailaudit.errors import InputError


def read_user_text(path: pathlib.Path | str, errors: str = "strict") -> str:
    path = pathlib.Path(path)
    try:
        if str(path) == "-":
            return sys.stdin.read()
        return path.read_text(encoding="utf-8", errors=errors)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: cannot read: {err}") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror or err}") from None
