"""A typed problem found by a pure parser: a stable code, its parameters, and whether it is fatal."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """``code`` is stable (tests and catalogue texts use it); ``fatal``: a sender discards the thing."""

    code: str
    fatal: bool
    line: int | None = None
    value: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "fatal": self.fatal, "line": self.line, "value": self.value}
