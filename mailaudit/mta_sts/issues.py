"""What a pure assessment hands to a check: finding ids with parameters, not text.

The check turns each :class:`Issue` into a catalogue finding; ``errors`` make the check
``error`` (it could not tell), ``notes`` are shown without counting (e.g. a target not contacted).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Issue:
    id: str
    subject: str
    variant: str = "default"
    severity: str | None = None  # None: the catalogue's default
    params: tuple[tuple[str, str], ...] = ()
    evidence: tuple[str, ...] = ()
    records: tuple[tuple[str, str, str], ...] = ()  # (owner name with trailing dot, type, value) to publish


@dataclass(frozen=True)
class Reason:
    """Why something could not be told or was not done: a stable code and what it is about."""

    code: str
    subject: str
    detail: str = ""


@dataclass(frozen=True)
class Assessment:
    issues: tuple[Issue, ...] = ()
    errors: tuple[Reason, ...] = ()
    notes: tuple[Reason, ...] = ()
    data: dict[str, object] = field(default_factory=dict)
