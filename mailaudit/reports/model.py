"""Typed, frozen records of what the reports say. Parsers produce these; aggregation consumes them."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Category(enum.StrEnum):
    AUTHORIZED = "authorized"
    AUTHORIZED_FAILING = "authorized_failing"
    FORWARDED = "forwarded"
    UNAUTHORIZED = "unauthorized"
    SUSPICIOUS = "suspicious"


@dataclass(frozen=True, slots=True)
class AuthResult:
    """One ``auth_results`` entry: ``dkim`` (domain, selector) or ``spf`` (domain, scope)."""

    domain: str
    result: str
    selector: str = ""
    scope: str = ""


@dataclass(frozen=True, slots=True)
class Record:
    """One ``<record>`` row of an aggregate report."""

    source_ip: str
    count: int
    disposition: str
    dkim_aligned: bool  # policy_evaluated/dkim == pass
    spf_aligned: bool  # policy_evaluated/spf == pass
    header_from: str
    envelope_from: str
    dkim: tuple[AuthResult, ...]
    spf: tuple[AuthResult, ...]
    reasons: tuple[tuple[str, str], ...]  # (type, comment)

    @property
    def dkim_pass(self) -> bool:
        """Some DKIM signature verified, aligned or not."""
        return any(d.result == "pass" for d in self.dkim)

    @property
    def spf_pass(self) -> bool:
        return any(s.result == "pass" for s in self.spf)

    @property
    def forward_hint(self) -> bool:
        """The reporter says it was forwarded, or ARC vouched for it (``local_policy`` + ``arc=pass``)."""
        for rtype, comment in self.reasons:
            if rtype in {"forwarded", "trusted_forwarder", "mailing_list"}:
                return True
            if "arc=pass" in comment.lower():
                return True
        return False


@dataclass(frozen=True, slots=True)
class PolicyPublished:
    domain: str
    p: str = ""
    sp: str = ""
    pct: int = 100
    adkim: str = "r"
    aspf: str = "r"
    np: str = ""
    testing: str = ""


@dataclass(frozen=True, slots=True)
class ReportMeta:
    """``report_metadata`` plus ``policy_published`` of one aggregate report."""

    org_name: str
    report_id: str
    begin: int  # epoch seconds, UTC
    end: int
    policy: PolicyPublished
    namespace: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """De-duplication key (contract: ``org_name`` + ``report_id``)."""
        return (self.org_name.strip().casefold(), self.report_id)


@dataclass(frozen=True, slots=True)
class TlsFailure:
    result_type: str
    count: int
    sending_mta_ip: str = ""
    receiving_mx_hostname: str = ""
    receiving_ip: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class TlsPolicy:
    policy_type: str
    policy_domain: str
    successful: int
    failed: int
    mx_hosts: tuple[str, ...] = ()
    policy_strings: tuple[str, ...] = ()
    failures: tuple[TlsFailure, ...] = ()


@dataclass(frozen=True, slots=True)
class TlsReport:
    organization: str
    report_id: str
    begin: str
    end: str
    policies: tuple[TlsPolicy, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.organization.strip().casefold(), self.report_id.strip())


@dataclass(frozen=True, slots=True)
class InputError:
    """A file (or message, or archive member) that could not be read; one line, never a traceback."""

    file: str
    error: str
