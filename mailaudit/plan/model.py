"""The runbook: ordered steps shaped like the fix plan's (publish, remove, actions, wait, later),
each with the proofs that show it is done. Text is never stored here: a ``Text`` names a
catalogue key and its parameters, rendered in the reader's language by ``words``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mailaudit.plan.facts import Record

Params = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Text:
    key: str
    params: Params = ()

    @classmethod
    def of(cls, key: str, **params: object) -> Text:
        return cls(key, tuple((k, str(v)) for k, v in params.items()))

    @property
    def values(self) -> Mapping[str, str]:
        return dict(self.params)


@dataclass(frozen=True, slots=True)
class Proof:
    """A condition that shows a step is done. ``kind`` is one of ``PROOF_KINDS``; DNS proofs can be
    checked by ``verify``; ``smtp``, ``message`` and ``reports`` need the command they name."""

    kind: str
    params: Params = ()

    @classmethod
    def of(cls, kind: str, **params: object) -> Proof:
        if kind not in PROOF_KINDS:
            raise ValueError(f"unknown proof kind {kind}")
        return cls(kind, tuple((k, str(v)) for k, v in params.items()))

    @property
    def values(self) -> Mapping[str, str]:
        return dict(self.params)


PROOF_KINDS = (
    "mx_ttl_at_most", "mx_ttl_at_least", "mx_is", "mx_excludes",
    "spf_includes", "spf_lacks", "spf_lookups_at_most", "dkim_key",
    "smtp", "message", "reports",
)


@dataclass(frozen=True, slots=True)
class Step:
    number: int
    phase: str  # prepare lower_ttl switch remove_bypass lock raise_ttl dkim spf route align
    title: Text
    why: tuple[Text, ...] = ()
    publish: tuple[Record, ...] = ()
    remove: tuple[Record, ...] = ()
    actions: tuple[Text, ...] = ()
    proofs: tuple[Proof, ...] = ()
    wait: Text | None = None
    wait_seconds: int = 0  # how long to wait after this step before the next one
    later: bool = False  # only once the previous step is verified


@dataclass(frozen=True, slots=True)
class Runbook:
    domain: str
    mx_to: tuple[tuple[int, str], ...] = ()  # the target MX set (preference, host), if moving MX
    relay_include: str = ""
    provider: str = ""  # filter key, if named
    relay: str = ""  # relay key, if named
    steps: tuple[Step, ...] = ()
    risks: tuple[Text, ...] = ()
    notes: tuple[Text, ...] = ()
    blocked: bool = False  # a fact could not be read, or no safe record exists: read the notes
    drops: tuple[str, ...] = ()  # SPF terms the plan removes (each named in its step)
