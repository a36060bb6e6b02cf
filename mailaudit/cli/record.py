"""`--db FILE` for `check` and `batch`: the run's reports into the history database."""

from __future__ import annotations

import datetime as dt
from importlib import metadata
from types import TracebackType
from typing import TYPE_CHECKING, Any

from mailaudit.model import DomainReport
from mailaudit.render.grade import grade

if TYPE_CHECKING:  # the history package (sqlite, its schema and migrations) is imported with --db only
    from mailaudit.history import HistoryDB, StoredReport


def tool_version() -> str:
    try:
        return metadata.version("mailaudit")
    except metadata.PackageNotFoundError:
        return ""


class RunRecorder:
    """``start()`` opens the database once the other options are valid and before the audit (an
    unusable file stops the run before any work: one line, exit 2); ``commit()`` stores the run
    in one transaction at the end, or nothing at all when the run did not finish. Without
    ``--db`` every method does nothing."""

    def __init__(self, params: dict[str, Any], command: str) -> None:
        self.params = params
        self.command = command
        self.started = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.reports: list[StoredReport] = []
        self.db: HistoryDB | None = None

    def start(self) -> None:
        path = self.params.get("db")
        if path:
            from mailaudit.history import open_db

            self.db = open_db(path)
            self.started = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def __enter__(self) -> RunRecorder:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.db is not None:
            self.db.close()

    def add(self, report: DomainReport) -> None:
        if self.db is not None:
            from mailaudit.history.convert import stored_report

            mark = grade(report)
            self.reports.append(stored_report(report, mark.letter, mark.score))

    def commit(self) -> None:
        if self.db is not None:
            from mailaudit.history.convert import run_meta

            self.db.record_run(run_meta(self.params, self.command, tool_version(), self.started), self.reports)
