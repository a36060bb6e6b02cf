"""The one exception root of mailaudit and its branches."""

from __future__ import annotations


class MailauditError(Exception):
    """Root of every error mailaudit raises on purpose."""


class InputError(MailauditError, ValueError):
    """Bad user input: an unparseable domain, a broken zone file, a missing file.

    The CLI prints its message as one line and exits 2.
    """


class RecordSyntaxError(MailauditError, ValueError):
    """A DNS record (SPF, DMARC, DKIM, MTA-STS, ...) does not parse. Pure parsers raise a subclass;
    checks turn it into a ``*.syntax`` finding, never a crash."""


class LookupFailed(MailauditError):
    """A DNS question needed by a check could not be answered (timeout, SERVFAIL, ...).

    Raised inside checks; the engine turns it into a check with status ``error``. It is never
    treated as an absent record.
    """

    def __init__(self, name: str, rdtype: str, reason: str) -> None:
        super().__init__(f"{name} {rdtype}: {reason}")
        self.name = name
        self.rdtype = rdtype
        self.reason = reason
