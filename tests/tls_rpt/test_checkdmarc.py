"""checkdmarc 6.0.4 as an oracle for the ``_smtp._tls`` grammar; differences are in docs/transport-security.md."""

from __future__ import annotations

import pytest

checkdmarc_tlsrpt = pytest.importorskip("checkdmarc.smtp_tls_reporting")

from mailaudit.tls_rpt import record  # noqa: E402


def theirs(text: str) -> bool:
    try:
        checkdmarc_tlsrpt.parse_smtp_tls_reporting_record(text)
    except checkdmarc_tlsrpt.SMTPTLSReportingError:
        return False
    return True


@pytest.mark.parametrize(
    ("text", "theirs_valid", "ours_valid"),
    [
        ("v=TLSRPTv1; rua=mailto:tls@example.com", True, True),
        ("v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.net/x", True, True),
        ("v=TLSRPTv1", False, False),
        ("v=TLSRPTv1; rua=ftp://example.com/", False, False),
        # differences: a single-label mail domain or an IP literal cannot receive reports from the internet
        ("v=TLSRPTv1; rua=mailto:tls@example", True, False),
        ("v=TLSRPTv1; rua=https://192.0.2.1/r", True, False),
    ],
)
def test_record_verdicts(text: str, theirs_valid: bool, ours_valid: bool) -> None:
    assert (theirs(text), record.parse(text).valid) == (theirs_valid, ours_valid)
