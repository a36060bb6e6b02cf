"""Origin candidates probed at real loopback SMTP servers: accepts, locked, untested; never DATA."""

from __future__ import annotations

import asyncio

from mailaudit.bypass.assess import assess, candidate_data
from mailaudit.bypass.candidates import Candidate, Reason
from mailaudit.bypass.interpret import Verdict
from mailaudit.smtp.prober import Prober, ProbeSettings
from mailaudit.smtp.session import Timeouts

from ..smtpserver import ServerSpec, SmtpRig, loopback

FAST = Timeouts(connect=1.0, banner=1.0, command=1.0, session=3.0)


def test_assess_reads_each_candidate() -> None:
    open_, locked, refuses, silent, closed, filt = loopback(6, base=200)
    rig = SmtpRig(
        [
            ServerSpec(open_, rcpt="accept", domains=frozenset({"example.org"})),
            ServerSpec(locked, rcpt="tenant_lock"),
            ServerSpec(refuses, rcpt="reject"),
            ServerSpec(silent, behaviour="silent"),
            ServerSpec(closed, behaviour="closed"),
            ServerSpec(filt, rcpt="accept", domains=frozenset({"example.org"})),
        ]
    ).start()
    targets = [
        (Candidate(Reason.CONVENTIONAL, "mail.example.org"), open_),
        (Candidate(Reason.APEX, "example.org"), open_),  # same address: probed once
        (Candidate(Reason.M365_TENANT, "example-org.mail.protection.outlook.com"), locked),
        (Candidate(Reason.OTHER_MX, "old.example.org"), refuses),
        (Candidate(Reason.SPF_IP, None, silent), silent),
        (Candidate(Reason.SPF_A, "gone.example.org"), closed),
        (Candidate(Reason.BASELINE_MX, "filter.example.net"), filt),
    ]
    try:
        prober = Prober(ProbeSettings(port=rig.port, allow_private=True, timeouts=FAST))
        found = asyncio.run(assess("example.org", targets, prober, skip=[filt]))
    finally:
        rig.stop()
    verdicts = {item.address: item.reading.verdict for item in found}
    assert verdicts == {
        open_: Verdict.ACCEPTS,
        locked: Verdict.LOCKED,
        refuses: Verdict.NOT_SERVED,
        silent: Verdict.UNTESTED,
        closed: Verdict.UNTESTED,
    }
    assert rig.counters.connections[open_] == 1 and rig.counters.connections[filt] == 0
    assert all("DATA" not in verbs for verbs in rig.counters.commands.values())
    data = candidate_data(found[0])
    assert data["host"] == "mail.example.org" and data["address"] == open_ and data["accepts"] is True
