"""Well-known provider host names, to turn 'unresolvable' into 'did you mean ...?'."""

from __future__ import annotations

import dns.name

KNOWN_MX = (
    "aspmx.l.google.com",
    "alt1.aspmx.l.google.com",
    "alt2.aspmx.l.google.com",
    "alt3.aspmx.l.google.com",
    "alt4.aspmx.l.google.com",
    "aspmx2.googlemail.com",
    "aspmx3.googlemail.com",
    "aspmx4.googlemail.com",
    "aspmx5.googlemail.com",
    "smtp.google.com",
    "mxa.mailgun.org",
    "mxb.mailgun.org",
    "mx1.hostinger.com",
    "mx2.hostinger.com",
    "mx.zoho.com",
    "mx2.zoho.com",
    "mx3.zoho.com",
    "mx00.ionos.com",
    "mx01.ionos.com",
    "mx00.1and1.com",
    "mx01.1and1.com",
    "mx1.emailsrvr.com",
    "mx2.emailsrvr.com",
    "mx.yandex.net",
    "mx1.privateemail.com",
    "mx2.privateemail.com",
)


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning limit + 1) once it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def closest_known_mx(name: dns.name.Name, limit: int = 2) -> str | None:
    """A well-known MX host name within ``limit`` edits of ``name`` (but not equal to it)."""
    text = name.to_text(omit_final_dot=True).lower()
    best: tuple[int, str] | None = None
    for known in KNOWN_MX:
        d = _distance(text, known, limit)
        if 0 < d <= limit and (best is None or d < best[0]):
            best = (d, known)
    return best[1] if best else None
