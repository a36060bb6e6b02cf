"""What an audit is asked to do, apart from which domain: one frozen options object.

The check list itself is ``mailaudit.registry.CHECKS``; ``checks=None`` runs every registered
check, a tuple runs those ids only.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailaudit.model import Severity


@dataclass(frozen=True, slots=True)
class AuditOptions:
    dkim_selectors: tuple[str, ...] = ()  # probed in addition to the built-in list
    dnsbl_zones: tuple[str, ...] | None = None  # None: the built-in set
    dnsbl: bool = True
    sending_ips: tuple[str, ...] = ()
    spamhaus_dqs_key: str | None = None
    checks: tuple[str, ...] | None = None  # None: every registered check
    fail_on: Severity | None = Severity.HIGH  # None: never
    # transport security and probes (MTA-STS/BIMI HTTPS fetches, SMTP, DNSSEC)
    smtp: bool = False  # connect to mail servers on port 25 (checks smtp and bypass)
    ca_file: str | None = None  # extra trusted CA certificates (PEM) for HTTPS and SMTP
    trust_anchor: str | None = None  # DNSSEC trust anchors file instead of the built-in root anchors
    allow_private_targets: bool = False  # allow HTTPS/SMTP connections to loopback/private addresses

    def runs(self, check_id: str) -> bool:
        return self.checks is None or check_id in self.checks
