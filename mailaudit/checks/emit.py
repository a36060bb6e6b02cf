"""Hand a pure assessment (issues with ids and parameters, reasons) to a check's collector.

Used by the transport checks (``mta_sts``, ``tls_rpt``, ``bimi``), whose verdicts are computed by
pure functions. Error and note texts come from the catalogue's ``_words.transport`` table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mailaudit.catalogue import fill
from mailaudit.checks.base import Collector, dns_record
from mailaudit.model import Severity
from mailaudit.mta_sts.issues import Issue, Reason


def emit(out: Collector, issues: Iterable[Issue] = (), errors: Iterable[Reason] = (),
         notes: Iterable[Reason] = ()) -> None:
    for issue in issues:
        params: dict[str, Any] = dict(issue.params)  # template fields; never the keywords below
        out.add(issue.id, issue.subject, variant=issue.variant,
                severity=Severity(issue.severity) if issue.severity else None, evidence=issue.evidence,
                records=[dns_record(name, rtype, value) for name, rtype, value in issue.records],
                **params)
    for reason in errors:
        out.failed(say(out, reason))
    for reason in notes:
        out.note(say(out, reason))


def say(out: Collector, reason: Reason) -> str:
    """The sentence for a reason code, in the report's language."""
    words = out.ctx.catalogue.words("transport")
    template = words.get(reason.code, words.get("unknown", "{subject}: {code} {detail}"))
    return fill(template, {"subject": reason.subject, "detail": reason.detail, "code": reason.code})
