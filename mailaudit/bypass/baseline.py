"""The MX hosts a saved run (``--baseline`` json/jsonl) saw per domain: origin candidates.

Spammers keep a domain's old MX records for weeks; a server that was the MX before the move to
a filter is the classic bypass. Pure: reads report mappings already loaded by ``reportfile``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

MAX_HOSTS = 20


def baseline_mx(reports: Iterable[Mapping[str, Any]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``((domain, (mx host, ...)), ...)`` from the ``mx`` check's ``data.hosts[].host`` of each report."""
    out: dict[str, tuple[str, ...]] = {}
    for report in reports:
        domain = report.get("domain")
        if not isinstance(domain, str):
            continue
        hosts = _hosts(report.get("checks"))
        if hosts:
            out[domain.lower().rstrip(".")] = hosts
    return tuple(sorted(out.items()))


def _hosts(checks: object) -> tuple[str, ...]:
    if not isinstance(checks, list):
        return ()
    for check in checks:
        if isinstance(check, Mapping) and check.get("id") == "mx":
            data = check.get("data")
            hosts = data.get("hosts") if isinstance(data, Mapping) else None
            if isinstance(hosts, list):
                names = [h.get("host") for h in hosts if isinstance(h, Mapping)]
                return tuple(n.lower().rstrip(".") for n in names if isinstance(n, str) and n)[:MAX_HOSTS]
    return ()
