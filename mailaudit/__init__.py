"""mailaudit: audit a domain's e-mail deliverability setup and say exactly how to fix it.

    from mailaudit import audit
    report = audit("example.com")
    for finding in report.findings:
        print(finding.severity, finding.id, finding.title)
"""

from __future__ import annotations

from mailaudit.engine import Auditor, audit, audit_async, audit_many
from mailaudit.errors import InputError, LookupFailed, MailauditError
from mailaudit.model import CheckResult, DnsRecord, DomainReport, Finding, Fix, Severity, Status
from mailaudit.options import AuditOptions

__version__ = "0.1.0"

__all__ = [
    "AuditOptions",
    "Auditor",
    "CheckResult",
    "DnsRecord",
    "DomainReport",
    "Finding",
    "Fix",
    "InputError",
    "LookupFailed",
    "MailauditError",
    "Severity",
    "Status",
    "__version__",
    "audit",
    "audit_async",
    "audit_many",
]
