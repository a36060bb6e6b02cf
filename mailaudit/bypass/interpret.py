"""What an origin candidate's answer to ``RCPT TO:<postmaster@domain>`` means.

* 250/251: it ACCEPTS mail for the domain from anyone: necessary, not sufficient, evidence of a
  bypass (it may still quarantine after DATA, or accept every recipient and bounce later);
* ``5.7.51``/``5.7.68 TenantInboundAttribution`` and similar connector refusals: LOCKED down;
* ``5.1.x`` (no such user/domain) or relay refused: the host does NOT SERVE the domain;
* other 5xx: REFUSED (not accepted; the reason is the server's own);
* 4xx (greylisting, rate limits) or a refusal naming the prober (blocklist, HELO): INCONCLUSIVE;
* no answer at all (refused, timeout, 421, banner 5xx, port 25 blocked here): UNTESTED.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..smtp.outcomes import RcptProbe

# Enhanced codes and words in replies that say "a connector/lock refused you" rather than
# "no such recipient". Microsoft: 5.7.51 restricted partner connector, 5.7.68 RejectDirectSend.
LOCK_CODES = frozenset({"5.7.51", "5.7.68"})
LOCK_WORDS = ("tenantinboundattribution", "restrictdomainstoipaddresses", "restrictdomainstocertificate")
# Replies that blame the prober's address or greeting, not the recipient.
ABOUT_PROBER_WORDS = ("spamhaus", "blocked using", "blacklist", "blocklist", "helo", "ehlo", "reverse dns", "ptr")
NOT_SERVED_WORDS = ("relay", "not local", "unknown user", "no such user", "user unknown", "unrouteable")


class Verdict(enum.Enum):
    ACCEPTS = "accepts"
    LOCKED = "locked"
    NOT_SERVED = "not_served"
    REFUSED = "refused"
    INCONCLUSIVE = "inconclusive"
    UNTESTED = "untested"


@dataclass(frozen=True, slots=True)
class Reading:
    verdict: Verdict
    code: int | None  # the RCPT (or MAIL) reply code that decided it
    enhanced: str | None
    text: str  # the deciding reply, as evidence

    @property
    def accepts(self) -> bool:
        return self.verdict is Verdict.ACCEPTS


def read(probe: RcptProbe) -> Reading:
    if probe.failure is not None:
        return Reading(Verdict.UNTESTED, None, None, probe.failure.describe())
    reply = probe.rcpt if probe.rcpt is not None else probe.mail
    if reply is None:
        return Reading(Verdict.UNTESTED, None, None, "no reply")
    text = reply.text.lower()
    enhanced = reply.enhanced
    if probe.rcpt is not None and reply.code in (250, 251):
        verdict = Verdict.ACCEPTS
    elif enhanced in LOCK_CODES or any(w in text for w in LOCK_WORDS):
        verdict = Verdict.LOCKED
    elif reply.kind == 4 or any(w in text for w in ABOUT_PROBER_WORDS):
        verdict = Verdict.INCONCLUSIVE
    elif (enhanced or "").startswith("5.1.") or any(w in text for w in NOT_SERVED_WORDS):
        verdict = Verdict.NOT_SERVED
    else:
        verdict = Verdict.REFUSED
    return Reading(verdict, reply.code, enhanced, reply.transcript()[:500])
