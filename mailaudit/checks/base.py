"""What every check gives back (through a collector) and how a check is described for the registry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import dns.name

from mailaudit.context import AuditContext, RunContext
from mailaudit.dnscore.answer import Answer
from mailaudit.model import CheckResult, DnsRecord, Finding, Severity, Status, status_for


class Collector:
    """Where a check puts what it found; becomes a CheckResult."""

    def __init__(self, check_id: str, ctx: RunContext) -> None:
        self.check_id = check_id
        self.ctx = ctx
        self.findings: list[Finding] = []
        self.errors: list[str] = []
        self.data: dict[str, object] = {}
        self.skipped: str | None = None
        self.notes: list[str] = []

    def add(
        self,
        finding_id: str,
        subject: str | None = None,
        *,
        variant: str = "default",
        severity: Severity | None = None,
        evidence: Iterable[str] = (),
        records: Iterable[DnsRecord] = (),
        remove: Iterable[DnsRecord] = (),
        **params: object,
    ) -> Finding:
        domain = self.ctx.subject_default
        fallback = subject or domain
        if fallback is None:
            raise ValueError(f"{finding_id}: a finding outside a domain's audit needs a subject")
        finding = self.ctx.catalogue.make(
            finding_id,
            fallback,
            variant=variant,
            severity=severity,
            evidence=evidence,
            records=records,
            remove=remove,
            params={**({"domain": domain} if domain else {}), **params},
        )
        self.findings.append(finding)
        return finding

    def failed(self, answer_or_reason: Answer | str) -> None:
        """Record that part of the check could not complete (it is then reported as error)."""
        text = answer_or_reason.describe() if isinstance(answer_or_reason, Answer) else answer_or_reason
        if text not in self.errors:
            self.errors.append(text)

    def note(self, text: str) -> None:
        """Something the check could not verify without it being a failure (shown, not counted)."""
        if text not in self.notes:
            self.notes.append(text)

    def skip(self, reason: str) -> None:
        self.skipped = reason

    def result(self) -> CheckResult:
        data = tuple(self.data.items())
        if self.skipped is not None and not self.findings and not self.errors:
            return CheckResult(self.check_id, Status.SKIPPED, (), self.skipped, data, tuple(self.notes))
        status = Status.ERROR if self.errors else status_for(self.findings)
        error = "; ".join(self.errors[:5]) + (f" (+{len(self.errors) - 5} more)" if len(self.errors) > 5 else "")
        return CheckResult(self.check_id, status, tuple(self.findings), error or None, data, tuple(self.notes),
                           tuple(self.errors))


class CheckFunction(Protocol):
    async def __call__(self, ctx: AuditContext, out: Collector) -> None: ...


@dataclass(frozen=True, slots=True)
class Check:
    """A registered check's metadata, apart from its logic (``run``).

    ``id``: the check id in reports; ``title``: one line for docs; ``needs``: the shared facts
    (``facts/``) it reads; ``reads``: the ``AuditOptions`` fields it depends on; ``phase``: the
    fix-plan phase its findings belong to (``receive``, ``spf``, ``dkim``, ``dmarc``,
    ``reputation``, ``transport``, ``other``); ``finding_prefixes``: the id prefixes of its
    findings (default: the check id). The registry (``mailaudit.registry``) lists every check once.
    """

    id: str
    title: str
    run: CheckFunction
    needs: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    phase: str = "other"
    finding_prefixes: tuple[str, ...] = ()
    graded: bool = True  # False: its findings restate other checks' (shown, not counted in the grade)

    @property
    def prefixes(self) -> tuple[str, ...]:
        return self.finding_prefixes or (self.id,)


def dns_record(name: str | dns.name.Name, rtype: str, value: str) -> DnsRecord:
    """A record to publish; owner names always absolute with a trailing dot."""
    text = name.to_text() if isinstance(name, dns.name.Name) else name
    return DnsRecord(text if text.endswith(".") else text + ".", rtype, value)
