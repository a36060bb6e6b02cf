"""The shipped example (README's first command) tells the story mailaudit was made for."""

from __future__ import annotations

import pathlib

from mailaudit import Severity, Status, audit
from mailaudit.dns import Resolver

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "zones"


def test_example_shows_the_forgotten_cpanel_host():
    report = audit("batikmurni.example", resolver=Resolver(zones=[EXAMPLE], offline=True))
    assert all(c.status is not Status.ERROR for c in report.checks)
    by_id = {f.id: f for f in report.findings}
    listed = by_id["dnsbl.ip.listed"]
    assert listed.subject == "103.147.9.66 zen.spamhaus.org" and listed.variant == "txt_spf"
    assert listed.fix is not None and "remove it from the SPF record" in listed.fix.summary
    softfail = by_id["spf.all.softfail"]
    assert softfail.severity is Severity.MEDIUM
    assert softfail.fix is not None and softfail.fix.records[0].value.endswith(" -all")
    assert {"dmarc.missing", "dkim.key.weak", "dkim.key.testing", "mx.host.cname", "spf.ptr"} <= set(by_id)
