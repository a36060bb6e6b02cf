"""The MTA-STS policy file (RFC 8461 section 3.2), parsed the way strict senders read it.

Besides the RFC grammar this reports what real senders reject (postfix-mta-sts-resolver decodes
as ASCII, so a UTF-8 byte order mark or any non-ASCII byte makes the policy unusable for them).
Pure: bytes in, a typed :class:`StsPolicy` out; never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailaudit.mta_sts.problems import Problem

MAX_AGE_LIMIT = 31_557_600
MODES = ("enforce", "testing", "none")
_KEY = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_VALUE = re.compile(r"[\x21-\x7e]+(?:[ \t]+[\x21-\x7e]+)*")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_MX = re.compile(rf"(?:\*\.)?{_LABEL}(?:\.{_LABEL})+")
_MAX_AGE = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True)
class StsPolicy:
    version: str | None
    mode: str | None
    max_age: int | None
    mx: tuple[str, ...]
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not any(p.fatal for p in self.problems)

    def as_data(self) -> dict[str, object]:
        """The contract's ``checks[].data.policy`` shape."""
        return {"mode": self.mode, "max_age": self.max_age, "mx": list(self.mx)}


def parse(body: bytes) -> StsPolicy:
    """Parse a fetched policy body."""
    problems: list[Problem] = []
    text = _decode(body, problems)
    if "\r" in text.replace("\r\n", "\n"):
        problems.append(Problem("policy.cr", True))
    values: dict[str, str] = {}
    mx: list[str] = []
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if line.strip(" \t") == "":
            continue
        _line(number, line, values, mx, problems)
    return _finish(values, mx, problems)


def _decode(body: bytes, problems: list[Problem]) -> str:
    if body.startswith(b"\xef\xbb\xbf"):
        problems.append(Problem("policy.bom", True, line=1))
        body = body[3:]
    try:
        return body.decode("ascii")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        problems.append(Problem("policy.non_ascii", True, line=line))
        return body.decode("ascii", errors="replace")


def _line(number: int, line: str, values: dict[str, str], mx: list[str], problems: list[Problem]) -> None:
    key, sep, rest = line.partition(":")
    value = rest.strip(" \t")
    if not sep or not _KEY.fullmatch(key) or not _VALUE.fullmatch(value):
        problems.append(Problem("policy.line.syntax", True, line=number, value=line[:80]))
        return
    if key == "mx":
        if _MX.fullmatch(value):
            mx.append(value.lower())
        else:
            problems.append(Problem("policy.mx.invalid", True, line=number, value=value[:80]))
    elif key in values:
        problems.append(Problem("policy.duplicate", False, line=number, value=key))
    else:
        values[key] = value


def _finish(values: dict[str, str], mx: list[str], problems: list[Problem]) -> StsPolicy:
    version = values.get("version")
    if version != "STSv1":
        problems.append(Problem("policy.version", True, value=version or ""))
    mode = values.get("mode")
    if mode not in MODES:
        problems.append(Problem("policy.mode", True, value=mode or ""))
    max_age = _max_age(values.get("max_age"), problems)
    if mode in ("enforce", "testing") and not mx:
        problems.append(Problem("policy.mx.missing", True))
    return StsPolicy(version, mode if mode in MODES else None, max_age, tuple(mx), tuple(problems))


def _max_age(value: str | None, problems: list[Problem]) -> int | None:
    if value is None or not _MAX_AGE.fullmatch(value):
        problems.append(Problem("policy.max_age", True, value=value or ""))
        return None
    seconds = int(value)
    if seconds > MAX_AGE_LIMIT:
        problems.append(Problem("policy.max_age.over", True, value=value))
        return None
    if seconds < 86_400:
        problems.append(Problem("policy.max_age.low", False, value=value))
    return seconds
