"""Rows of the history tables to typed values and back.

What is read is checked: a row a hand-edited or damaged file holds (bad JSON, a wrong type, an
unknown severity) is one ``HistoryError``, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from mailaudit.history.errors import HistoryError
from mailaudit.history.types import (
    DmarcSource,
    DmarcSummary,
    RunMeta,
    StoredCheck,
    StoredFinding,
    StoredFix,
    StoredRecord,
    StoredReport,
    parse_utc,
)

Row = Sequence[Any]


def _json(text: object, what: str) -> Any:
    try:
        return json.loads(str(text))
    except ValueError:
        raise HistoryError(f"damaged history database: bad {what}") from None


def _strings(value: object, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HistoryError(f"damaged history database: bad {what}")
    return tuple(value)


def _record(value: object) -> StoredRecord:
    if not isinstance(value, dict):
        raise HistoryError("damaged history database: bad fix record")
    return StoredRecord(str(value.get("name", "")), str(value.get("type", "")), str(value.get("value", "")))


def fix_json(fix: StoredFix | None) -> dict[str, Any] | None:
    """The contract's ``fix`` object (``remove`` only when there is something to remove)."""
    if fix is None:
        return None
    out: dict[str, Any] = {"summary": fix.summary,
                           "records": [{"name": r.name, "type": r.type, "value": r.value} for r in fix.records]}
    if fix.remove:
        out["remove"] = [{"name": r.name, "type": r.type, "value": r.value} for r in fix.remove]
    return out


def _fix_from(text: object) -> StoredFix | None:
    if text is None:
        return None
    value = _json(text, "fix")
    if not isinstance(value, dict):
        raise HistoryError("damaged history database: bad fix")
    records, remove = value.get("records", []), value.get("remove", [])
    if not isinstance(records, list) or not isinstance(remove, list):
        raise HistoryError("damaged history database: bad fix records")
    return StoredFix(str(value.get("summary", "")), tuple(map(_record, records)), tuple(map(_record, remove)))


def finding_row(f: StoredFinding) -> tuple[object, ...]:
    """The ``findings`` columns after report_id and position, in insert order."""
    fix = fix_json(f.fix)
    return (f.id, f.subject, f.severity, f.title, f.detail, json.dumps(list(f.evidence)),
            None if fix is None else json.dumps(fix), f.variant, json.dumps([list(p) for p in f.params]), f.owner)


def finding_from_row(row: Row) -> StoredFinding:
    params = _json(row[8], "finding params")
    if not isinstance(params, list) or not all(isinstance(p, list) and len(p) == 2 for p in params):
        raise HistoryError("damaged history database: bad finding params")
    try:
        return StoredFinding(
            id=str(row[0]), subject=str(row[1]), severity=str(row[2]), title=str(row[3]), detail=str(row[4]),
            evidence=_strings(_json(row[5], "evidence"), "evidence"), fix=_fix_from(row[6]),
            variant=str(row[7]), params=tuple((str(k), str(v)) for k, v in params), check=str(row[9]),
        )
    except ValueError as err:
        raise HistoryError(f"damaged history database: {err}") from None


def run_meta_from_row(row: Row) -> RunMeta:
    """(at, source, command, options, tool_version)."""
    options = _json(row[3], "run options")
    if not isinstance(options, dict):
        raise HistoryError("damaged history database: bad run options")
    try:
        return RunMeta(at=parse_utc(str(row[0])), source=str(row[1]), command=str(row[2]),
                       options=tuple(sorted((str(k), str(v)) for k, v in options.items())),
                       tool_version=str(row[4]))
    except ValueError as err:
        raise HistoryError(f"damaged history database: {err}") from None


def report_from_rows(head: Row, checks: Sequence[Row], findings: Sequence[Row]) -> StoredReport:
    """head: (domain, grade, score, input, notes); checks: (id, status, error, data)."""
    try:
        return StoredReport(
            domain=str(head[0]), grade=str(head[1]), score=int(head[2]), input=str(head[3]),
            notes=_strings(_json(head[4], "report notes"), "report notes"),
            checks=tuple(StoredCheck(str(c[0]), str(c[1]), None if c[2] is None else str(c[2]), str(c[3]))
                         for c in checks),
            findings=tuple(finding_from_row(f) for f in findings),
        )
    except (TypeError, ValueError) as err:
        if isinstance(err, HistoryError):
            raise
        raise HistoryError(f"damaged history database: {err}") from None


def dmarc_from_rows(period: Row, sources: Sequence[Row]) -> DmarcSummary:
    """period: (domain, begin, end, reports, messages, next_policy, ready, aligned_share, detail)."""
    try:
        return DmarcSummary(
            domain=str(period[0]), begin=parse_utc(str(period[1])), end=parse_utc(str(period[2])),
            reports=int(period[3]), messages=int(period[4]),
            next_policy=None if period[5] is None else str(period[5]), ready=bool(period[6]),
            aligned_share=float(period[7]), detail=str(period[8]),
            sources=tuple(DmarcSource(ip=str(s[0]), ptr=None if s[1] is None else str(s[1]), messages=int(s[2]),
                                      spf_aligned=int(s[3]), dkim_aligned=int(s[4]), dmarc_pass=int(s[5]),
                                      category=str(s[6]), authorized_by=None if s[7] is None else str(s[7]))
                          for s in sources),
        )
    except (TypeError, ValueError) as err:
        if isinstance(err, HistoryError):
            raise
        raise HistoryError(f"damaged history database: {err}") from None
