"""The one error the history store raises on purpose: the CLI prints it as one line, exit 2."""

from __future__ import annotations

from mailaudit.errors import InputError


class HistoryError(InputError):
    """A database that cannot be used: missing, not SQLite, damaged, foreign, newer, busy.

    The message is one line naming the file and what to do. The file is never overwritten.
    """
