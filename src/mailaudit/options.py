"""What an audit is asked to do, apart from which domain: one frozen options object."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Severity

CHECK_IDS = ("mx", "spf", "dmarc", "dkim", "dnsbl")


@dataclass(frozen=True, slots=True)
class AuditOptions:
    dkim_selectors: tuple[str, ...] = ()  # probed in addition to the built-in list
    dnsbl_zones: tuple[str, ...] | None = None  # None: the built-in set
    dnsbl: bool = True
    sending_ips: tuple[str, ...] = ()
    spamhaus_dqs_key: str | None = None
    checks: tuple[str, ...] = CHECK_IDS
    fail_on: Severity | None = Severity.HIGH  # None: never
