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
    https_port: int = 443  # test rigs only (hidden --https-port): the port MTA-STS/BIMI fetches connect to
    https_timeout: float = 10.0  # seconds for one whole HTTPS fetch (hidden --https-timeout)
    # SMTP probes (issue 14): a port override for test rigs and relays, the base timeout (seconds;
    # connect = t, banner = 3t, command = 2t, one whole session = 6t), and the MX hosts a --baseline
    # run saw per domain (origin candidates for the bypass check)
    smtp_port: int = 25
    smtp_timeout: float = 5.0
    baseline_mx: tuple[tuple[str, tuple[str, ...]], ...] = ()
    smtp_ehlo: str | None = None  # the EHLO name of the probes (None: mailaudit-probe.invalid)

    def runs(self, check_id: str) -> bool:
        return self.checks is None or check_id in self.checks
