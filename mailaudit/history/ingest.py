"""``reports --format json`` output (the contract's shape) to the store's typed values.

``reports --db FILE`` can call ``record_reports(FILE, *from_reports_json(doc))`` with the very
object it prints, so the store depends on the contract only, not on the reports package.
A period that lacks what the store needs (a domain, a parseable begin/end) is skipped and named
in the returned problems rather than stored half.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from mailaudit.history.types import DmarcSource, DmarcSummary, TlsSummary

T = TypeVar("T")


def _time(text: object) -> dt.datetime:
    if not isinstance(text, str):
        raise ValueError("no time")
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"not a count: {value!r}")
    return int(value)


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


def _source(item: Mapping[str, Any]) -> DmarcSource:
    return DmarcSource(ip=str(item.get("ip", "")), ptr=_optional(item.get("ptr")), messages=_int(item.get("messages")),
                       spf_aligned=_int(item.get("spf_aligned", 0)), dkim_aligned=_int(item.get("dkim_aligned", 0)),
                       dmarc_pass=_int(item.get("dmarc_pass", 0)), category=str(item.get("category", "")),
                       authorized_by=_optional(item.get("authorized_by")))


def dmarc_summary(item: Mapping[str, Any]) -> DmarcSummary:
    """One ``domains[]`` entry; ValueError when it lacks what the store needs."""
    period = item.get("period") or {}
    readiness = item.get("readiness") or {}
    sources = item.get("sources") or []
    if not isinstance(period, Mapping) or not isinstance(readiness, Mapping) or not isinstance(sources, list):
        raise ValueError("malformed period, readiness or sources")
    share = readiness.get("aligned_share")
    return DmarcSummary(
        domain=str(item["domain"]), begin=_time(period.get("begin")), end=_time(period.get("end")),
        reports=_int(item.get("reports", 0)), messages=_int(item.get("messages", 0)),
        sources=tuple(_source(s) for s in sources if isinstance(s, Mapping)),
        next_policy=_optional(readiness.get("next_policy")), ready=readiness.get("ready") is True,
        aligned_share=float(share) if isinstance(share, int | float) else 0.0,
        detail=str(readiness.get("detail") or ""),
    )


def tls_summary(item: Mapping[str, Any]) -> TlsSummary:
    failures = item.get("failures") or []
    if not isinstance(failures, list):
        raise ValueError("malformed failures")
    return TlsSummary(
        domain=str(item["domain"]), policy_type=str(item.get("policy_type", "")),
        successful=_int(item.get("successful", 0)), failed=_int(item.get("failed", 0)),
        failures=tuple((str(f.get("result_type", "")), _int(f.get("count", 0))) for f in failures
                       if isinstance(f, Mapping)),
    )


def _each(doc: Mapping[str, Any], key: str, convert: Callable[[Mapping[str, Any]], T],
          problems: list[str]) -> list[T]:
    items = doc.get(key) or []
    out: list[T] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            problems.append(f"{key}: an entry that is not an object: not stored")
            continue
        try:
            out.append(convert(item))
        except (KeyError, TypeError, ValueError) as err:
            problems.append(f"{key}: {item.get('domain', '?')}: not stored: {err}")
    return out


def from_reports_json(doc: Mapping[str, Any]) -> tuple[list[DmarcSummary], list[TlsSummary], list[str]]:
    """(DMARC summaries, TLS-RPT summaries, problems) from a ``reports --format json`` object."""
    problems: list[str] = []
    dmarc = _each(doc, "domains", dmarc_summary, problems)
    tls = _each(doc, "tls", tls_summary, problems)
    return dmarc, tls, problems
