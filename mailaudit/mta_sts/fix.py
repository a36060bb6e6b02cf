"""The artefacts to publish: the ``_mta-sts`` record and a complete policy file for the real MX hosts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from mailaudit.mta_sts.mx import matches

ENFORCE_MAX_AGE = 604_800  # one week: long enough to protect, short enough to change
TESTING_MAX_AGE = 86_400


def new_id(now: dt.datetime) -> str:
    """A fresh record ``id``: the UTC time as digits (``20261201093000``), always 1-32 alphanumerics."""
    return now.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")


def policy_patterns(existing: Iterable[str], hosts: Iterable[str]) -> list[str]:
    """``mx`` lines covering every MX host: existing patterns that still cover one, plus each uncovered host.

    Uncovered hosts are listed exactly (a wildcard would cover one label only and may cover hosts
    the domain does not own).
    """
    names = [h.rstrip(".").lower() for h in hosts]
    kept = [p for p in existing if any(matches(p, h) for h in names)]
    added = [h for h in names if not any(matches(p, h) for p in kept)]
    return kept + sorted(set(added), key=added.index)


def policy_file(mode: str, max_age: int, patterns: Iterable[str]) -> str:
    """The policy file text, LF line endings, ASCII, ready to serve as ``text/plain``."""
    lines = ["version: STSv1", f"mode: {mode}"]
    lines += [f"mx: {p}" for p in patterns]
    lines.append(f"max_age: {max_age}")
    return "\n".join(lines) + "\n"
