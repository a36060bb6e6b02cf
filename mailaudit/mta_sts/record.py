"""The ``_mta-sts.<domain>`` TXT record (RFC 8461 section 3.1).

``select(texts)`` keeps the TXT strings a sender would consider (those starting ``v=STSv1``);
``parse(text)`` applies the grammar. Both are pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailaudit.mta_sts.problems import Problem

_ID = re.compile(r"[A-Za-z0-9]{1,32}")
_EXT_NAME = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_EXT_VALUE = re.compile(r"[\x21-\x3a\x3c\x3e-\x7e]+")
_DELIM = re.compile(r"[ \t]*;[ \t]*")


@dataclass(frozen=True)
class StsRecord:
    text: str
    id: str | None
    fields: tuple[tuple[str, str], ...]
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return self.id is not None and not any(p.fatal for p in self.problems)


def select(texts: list[str]) -> list[str]:
    """The records a sender keeps: those that begin with ``v=STSv1`` (others are discarded)."""
    return [t for t in texts if t.startswith("v=STSv1") and (len(t) == 7 or t[7] in "; \t")]


def parse(text: str) -> StsRecord:
    """Parse one record; never raises. The record is usable when ``.valid``."""
    parts = _DELIM.split(text.strip(" \t"))
    problems: list[Problem] = []
    if parts[0] != "v=STSv1":
        problems.append(Problem("record.version", True, value=parts[0][:40]))
    if re.match(r"v=STSv1[ \t]+;", text):
        problems.append(Problem("record.space_before_delimiter", False))
    if parts and parts[-1] == "":
        parts = parts[:-1]  # a trailing delimiter is allowed
    fields: list[tuple[str, str]] = []
    record_id: str | None = None
    for part in parts[1:]:
        name, sep, value = part.partition("=")
        if not sep or not _EXT_NAME.fullmatch(name):
            problems.append(Problem("record.syntax", True, value=part[:60]))
            continue
        if any(n == name for n, _ in fields):
            problems.append(Problem("record.duplicate", False, value=name))
            continue
        fields.append((name, value))
        if name == "id":
            record_id = _check_id(value, problems)
        elif not _EXT_VALUE.fullmatch(value):
            problems.append(Problem("record.syntax", True, value=part[:60]))
    if not any(n == "id" for n, _ in fields):
        problems.append(Problem("record.id.missing", True))
    return StsRecord(text, record_id, tuple(fields), tuple(problems))


def _check_id(value: str, problems: list[Problem]) -> str | None:
    if _ID.fullmatch(value):
        return value
    problems.append(Problem("record.id.invalid", True, value=value[:60]))
    return None


def fixed_value(record_id: str) -> str:
    """The record to publish for ``record_id`` (1-32 letters or digits, e.g. a UTC timestamp)."""
    return f"v=STSv1; id={record_id}"
