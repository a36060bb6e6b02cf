"""Typed outcomes of SMTP probes.

"Could not test" (``Failure``: refused, timeout, 421, tarpit, port 25 blocked here, target not
allowed) is kept apart from what a server said when it was reached (``TlsProbe`` and
``RcptProbe`` fields). A check turns a ``Failure`` into status ``error``, never into a finding
such as "no STARTTLS".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .replies import Reply


class FailureKind(enum.Enum):
    REFUSED = "refused"  # TCP connection refused (RST)
    TIMEOUT = "timeout"  # no TCP connection within the connect timeout
    UNREACHABLE = "unreachable"  # network/host unreachable, or another socket error
    TARPIT = "tarpit"  # connected, but the server stayed silent or too slow
    UNAVAILABLE = "unavailable"  # 421: service not available / too many connections
    REJECTED = "rejected"  # 5xx at the banner or EHLO: usually about the prober's address
    PROTOCOL = "protocol"  # the server did not speak SMTP (garbage, oversized lines)
    DROPPED = "dropped"  # the server closed the connection in the middle of the session
    BLOCKED_HERE = "blocked_here"  # not attempted: port 25 looks blocked from where the tool runs
    NOT_ALLOWED = "not_allowed"  # not attempted: loopback/private/link-local target

    @property
    def unreached(self) -> bool:
        """No SMTP server was heard at all: the signs of blocked outbound port 25."""
        return self in (FailureKind.REFUSED, FailureKind.TIMEOUT, FailureKind.UNREACHABLE, FailureKind.TARPIT)


@dataclass(frozen=True, slots=True)
class Failure:
    kind: FailureKind
    detail: str
    reply: Reply | None = None
    heard: bool = False  # the server had spoken (a banner) before it failed: it was reached

    def describe(self) -> str:
        return f"{self.kind.value}: {self.detail}"


class ProbeFailed(Exception):
    """Raised inside a session; always caught by the probe and returned as its ``Failure``."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.describe())
        self.failure = failure


@dataclass(frozen=True, slots=True)
class TlsSession:
    version: str  # "TLSv1.3"
    cipher: str
    chain: tuple[bytes, ...]  # DER, leaf first, as presented


@dataclass(frozen=True, slots=True)
class TlsProbe:
    """EHLO / STARTTLS / EHLO / QUIT against one address."""

    address: str
    host: str | None  # the MX host name (SNI and name checks), None for a bare address
    failure: Failure | None = None
    banner: Reply | None = None
    starttls: bool | None = None  # advertised in EHLO (None: not known, see failure)
    masked_starttls: bool = False  # EHLO had an XXXXXXXA keyword: a middlebox hid STARTTLS
    tls: TlsSession | None = None
    tls_error: str | None = None  # STARTTLS offered but refused or the handshake failed
    transcript: tuple[str, ...] = ()

    @property
    def reached(self) -> bool:
        return self.failure is None


@dataclass(frozen=True, slots=True)
class RcptProbe:
    """EHLO / MAIL FROM:<> / RCPT TO:<postmaster@domain> / QUIT: never DATA."""

    address: str
    host: str | None
    domain: str
    failure: Failure | None = None
    banner: Reply | None = None
    mail: Reply | None = None  # the answer to MAIL FROM:<>
    rcpt: Reply | None = None  # the answer to RCPT TO (None when MAIL was refused)
    transcript: tuple[str, ...] = ()

    @property
    def reached(self) -> bool:
        return self.failure is None
