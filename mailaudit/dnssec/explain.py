"""Texts for DNSSEC verdicts that are not findings: the check error of an undecidable
(indeterminate) verdict, from the catalogue's ``[_words.dnssec]`` table. Shared by the dnssec
and dane checks (a check never imports another check)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mailaudit.dnssec.model import Problem, Verdict

PARAMS = (
    "zone",
    "rrset",
    "owner",
    "key_tag",
    "expiration",
    "inception",
    "ds",
    "dnskeys",
    "algorithm",
    "algorithms",
    "error",
)
FALLBACK = "DNSSEC status of {subject} could not be determined ({code})"


def indeterminate_text(words: Mapping[str, str], subject: str, verdict: Verdict) -> str:
    """One line: why the status of ``subject`` could not be determined."""
    problem = verdict.problems[-1] if verdict.problems else Problem("fetch.failed", verdict.name)
    template = words.get(f"indeterminate_{problem.code.replace('.', '_')}", words.get("indeterminate", FALLBACK))
    values = {key: "" for key in PARAMS} | dict(problem.params)
    values |= {"subject": subject, "code": problem.code, "zone": problem.zone}
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return f"{subject}: {problem.code}"


def finding_params(problem: Problem) -> dict[str, Any]:
    """A problem's facts as finding parameters (every known key present, empty when unknown)."""
    values: dict[str, Any] = {key: "" for key in PARAMS}
    values.update({k: v for k, v in problem.params if k in PARAMS})
    values["zone"] = problem.zone.rstrip(".") or "."
    return values


def refused(verdict: Verdict) -> bool:
    """The nameserver refuses questions for the trust anchor zone: it is not a recursive resolver
    (an authoritative-only server, like a test rig or the zone's own server). No chain from the
    anchor can be had through it; the checks say so and are skipped rather than failed."""
    return bool(verdict.problems) and verdict.problems[-1].code == "anchor.refused"


def refused_text(words: Mapping[str, str], verdict: Verdict) -> str:
    template = words.get("skipped_refused", "not judged: the nameserver refuses questions for {zone}")
    try:
        return template.format(zone=verdict.problems[-1].zone)
    except (KeyError, IndexError, ValueError):
        return template
