"""The one registry of checks, in report order.

Everything that needs the list of checks derives from ``CHECKS``: the engine (what runs),
``AuditOptions`` validation, the UI labels (each check's catalogue), the finding-catalogue docs,
the fix plan's phases and the tests. Adding a check is one new package with a ``check.py``
exposing ``CHECK`` and one line here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from mailaudit.bimi.check import CHECK as BIMI
from mailaudit.bulk.check import CHECK as BULK
from mailaudit.bypass.check import CHECK as BYPASS
from mailaudit.checks.base import Check
from mailaudit.dane.check import CHECK as DANE
from mailaudit.dkim.check import CHECK as DKIM
from mailaudit.dmarc.check import CHECK as DMARC
from mailaudit.dnsbl.check import CHECK as DNSBL
from mailaudit.dnssec.check import CHECK as DNSSEC
from mailaudit.mta_sts.check import CHECK as MTA_STS
from mailaudit.mx.check import CHECK as MX
from mailaudit.smtp.check import CHECK as SMTP
from mailaudit.spf.check import CHECK as SPF
from mailaudit.tls_rpt.check import CHECK as TLS_RPT

CHECKS: tuple[Check, ...] = (MX, SPF, DMARC, DKIM, DNSBL, MTA_STS, TLS_RPT, BIMI, DNSSEC, DANE, BULK, SMTP, BYPASS)
CHECK_IDS: tuple[str, ...] = tuple(c.id for c in CHECKS)
BY_ID: Mapping[str, Check] = MappingProxyType({c.id: c for c in CHECKS})


def check_of_finding(finding_id: str) -> Check | None:
    """The registered check whose findings carry this id (by the id's first label)."""
    head = finding_id.split(".", 1)[0]
    return next((c for c in CHECKS if head in c.prefixes), None)
