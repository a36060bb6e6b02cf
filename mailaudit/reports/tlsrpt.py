"""Tolerant parser of TLS-RPT reports (RFC 8460 section 4).

Accepts what reporters send: ``mx-host`` as a string or a list (Google, Mimecast), no
``sending-mta-ip`` (Microsoft), no ``policy-string`` (Mail.ru), empty strings, trailing dots,
free-text ``failure-reason-code``. Only the session counts must be numbers.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO

from .limits import DEFAULT_LIMITS, Limits
from .model import TlsFailure, TlsPolicy, TlsReport
from .streams import read_capped

POLICY_TYPES = frozenset({"sts", "tlsa", "no-policy-found"})


class TlsReportError(ValueError):
    """JSON, but not a usable TLS-RPT report."""


def parse_tlsrpt(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> TlsReport:
    raw = read_capped(stream, limits.max_json, "TLS-RPT JSON")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TlsReportError(f"not valid JSON: {exc}") from None
    except RecursionError:
        raise TlsReportError("JSON nested too deep; refused") from None
    if not isinstance(data, dict) or not isinstance(data.get("policies"), list):
        raise TlsReportError("no 'policies' list: not a TLS-RPT report")
    dates = _dict(data.get("date-range"))
    report_id = _str(data.get("report-id"))
    org = _str(data.get("organization-name"))
    if not report_id or not org:
        raise TlsReportError("TLS-RPT report without organization-name or report-id")
    policies = tuple(_policy(p) for p in data["policies"] if isinstance(p, dict))
    return TlsReport(org, report_id, _str(dates.get("start-datetime")), _str(dates.get("end-datetime")), policies)


def _policy(entry: dict[str, Any]) -> TlsPolicy:
    policy = _dict(entry.get("policy"))
    summary = _dict(entry.get("summary"))
    ptype = _str(policy.get("policy-type")).lower()
    details = entry.get("failure-details")
    return TlsPolicy(
        policy_type=ptype if ptype in POLICY_TYPES else "no-policy-found",
        policy_domain=_host(policy.get("policy-domain")),
        successful=_count(summary.get("total-successful-session-count")),
        failed=_count(summary.get("total-failure-session-count")),
        mx_hosts=tuple(h for h in (_host(x) for x in _list(policy.get("mx-host"))) if h),
        policy_strings=tuple(s for s in (_str(x) for x in _list(policy.get("policy-string"))) if s),
        failures=tuple(_failure(d) for d in details if isinstance(d, dict)) if isinstance(details, list) else (),
    )


def _failure(detail: dict[str, Any]) -> TlsFailure:
    return TlsFailure(
        result_type=_str(detail.get("result-type")).lower() or "unknown",
        count=_count(detail.get("failed-session-count")),
        sending_mta_ip=_str(detail.get("sending-mta-ip")),
        receiving_mx_hostname=_host(detail.get("receiving-mx-hostname")),
        receiving_ip=_str(detail.get("receiving-ip")),
        reason=_str(detail.get("failure-reason-code")),
    )


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[object]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _str(value: object) -> str:
    return value.strip()[:1000] if isinstance(value, str) else ""


def _host(value: object) -> str:
    return _str(value).lower().rstrip(".")


def _count(value: object) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return 0
