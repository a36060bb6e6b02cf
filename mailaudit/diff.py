"""Follow-up: compare two runs (json or jsonl output) per domain: fixed, new, still open.

Two findings are the same when their domain, id and subject are the same (the contract's rule);
subjects compare case-insensitively and without a trailing dot.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterable, Mapping
from typing import Any

from mailaudit.catalogue import Catalogue
from mailaudit.errors import InputError
from mailaudit.reportfile import VERSION, load_reports
from mailaudit.userfiles import read_user_text
from mailaudit.verdict import FindingKey

Report = Mapping[str, Any]
FindingDict = Mapping[str, Any]


def read_report_file(path: pathlib.Path | str) -> list[Report]:
    text = read_user_text(path)
    try:
        return load_reports(text)
    except ValueError as err:
        raise InputError(f"{path}: not mailaudit json/jsonl output: {err}") from None


def findings_of(report: Report) -> list[FindingDict]:
    found = report.get("findings", [])
    return [f for f in found if isinstance(f, Mapping)] if isinstance(found, list) else []


def key_of(domain: str, finding: FindingDict) -> FindingKey:
    subject = str(finding.get("subject", "")).lower().rstrip(".")
    return (domain.lower().rstrip("."), str(finding.get("id", "")), subject)


def _by_domain(reports: Iterable[Report]) -> dict[str, dict[FindingKey, FindingDict]]:
    out: dict[str, dict[FindingKey, FindingDict]] = {}
    for report in reports:
        domain = str(report.get("domain", "")).lower().rstrip(".")
        bucket = out.setdefault(domain, {})
        for finding in findings_of(report):
            bucket.setdefault(key_of(domain, finding), finding)
    return out


def _incomplete_checks(reports: Iterable[Report]) -> dict[str, set[str]]:
    """Per domain, the checks that did not complete (error) or did not run (skipped)."""
    out: dict[str, set[str]] = {}
    for report in reports:
        domain = str(report.get("domain", "")).lower().rstrip(".")
        checks = report.get("checks", [])
        for check in checks if isinstance(checks, list) else []:
            if isinstance(check, Mapping) and check.get("status") in ("error", "skipped"):
                out.setdefault(domain, set()).add(str(check.get("id", "")))
    return out


def _check_of(finding_id: str, owners: Mapping[str, str]) -> str:
    return owners.get(finding_id) or finding_id.split(".", 1)[0]


def finding_owners() -> dict[str, str]:
    """Finding id -> the check that reports it, from the catalogue (pass it to ``diff_reports``
    when comparing many runs: loading the catalogue is the slow part)."""
    return {fid: spec.check for fid, spec in Catalogue.load().specs.items()}


def diff_reports(old: Iterable[Report], new: Iterable[Report],
                 owners: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Fixed, new and open findings per domain. A finding that disappeared because its check
    could not complete (or did not run) in NEW is ``unverified``, never ``fixed``."""
    owners = finding_owners() if owners is None else owners
    old, new = list(old), list(new)
    before, after = _by_domain(old), _by_domain(new)
    incomplete = _incomplete_checks(new)
    rows = []
    for domain in dict.fromkeys([*before, *after]):
        a, b = before.get(domain, {}), after.get(domain, {})
        gone = [(k, f) for k, f in a.items() if k not in b]
        blind = incomplete.get(domain, set()) if domain in after else None
        rows.append(
            {
                "domain": domain,
                "fixed": [f for k, f in gone if blind is not None and _check_of(k[1], owners) not in blind],
                "new": [f for k, f in b.items() if k not in a],
                "open": [f for k, f in b.items() if k in a],
                "unverified": [f for k, f in gone if blind is None or _check_of(k[1], owners) in blind],
                "audited": {"old": domain in before, "new": domain in after},
            }
        )
    return {"version": VERSION, "domains": rows}
