"""Opt-in checks against the real internet (MAILAUDIT_LIVE=1): never part of the default run."""

from __future__ import annotations

import os

import pytest

from mailaudit import Status, audit
from mailaudit.spf import check_host

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(os.environ.get("MAILAUDIT_LIVE") != "1", reason="live internet tests: set MAILAUDIT_LIVE=1"),
]


def test_a_big_provider_audits_completely():
    report = audit("gmail.com", dnsbl=True)
    assert report.check("mx").status is not Status.ERROR
    assert report.check("spf").status is not Status.ERROR
    assert any(f.id.startswith("dmarc") for f in report.findings) or report.check("dmarc").status is Status.PASS


def test_check_host_live():
    from mailaudit.dns import Resolver

    outcome = check_host("209.85.128.1", "gmail.com", "someone@gmail.com", "mail.google.com", resolver=Resolver())
    assert getattr(outcome.result, "value", outcome.result) in ("pass", "softfail", "neutral")
