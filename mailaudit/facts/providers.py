"""Well-known provider host names: typos of MX names ('did you mean ...?'), the SPF include a
provider's MX implies, and Microsoft 365's domain-verification MX."""

from __future__ import annotations

from collections.abc import Iterable

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


# MX host suffix -> (the SPF domain the provider documents for include:, the provider's name).
# Only providers whose inbound MX is, in practice, also how the domain sends.
SPF_INCLUDE_FOR_MX = (
    ("google.com", "_spf.google.com", "Google Workspace"),
    ("googlemail.com", "_spf.google.com", "Google Workspace"),
    ("mail.protection.outlook.com", "spf.protection.outlook.com", "Microsoft 365"),
    ("mailgun.org", "mailgun.org", "Mailgun"),
    ("zoho.com", "zoho.com", "Zoho Mail"),
    ("zoho.eu", "zoho.eu", "Zoho Mail"),
    ("emailsrvr.com", "emailsrvr.com", "Rackspace Email"),
    ("yandex.net", "_spf.yandex.net", "Yandex 360"),
    ("privateemail.com", "spf.privateemail.com", "Namecheap Private Email"),
)

# Microsoft 365 asks for an MX "msNNNNNNNN.msv1.invalid.outlook.com" to prove the domain is
# yours; it never resolves and must be replaced by the real MX once the domain is verified.
M365_VERIFICATION_SUFFIX = "msv1.invalid.outlook.com"


def _under(text: str, suffix: str) -> bool:
    return text == suffix or text.endswith("." + suffix)


def mx_provider(names: Iterable[dns.name.Name]) -> tuple[str, str] | None:
    """(SPF include domain, provider name) when every MX host belongs to one known provider."""
    found: set[tuple[str, str]] = set()
    for name in names:
        text = name.to_text(omit_final_dot=True).lower()
        match = next(((inc, who) for suffix, inc, who in SPF_INCLUDE_FOR_MX if _under(text, suffix)), None)
        if match is None:
            return None
        found.add(match)
    return found.pop() if len(found) == 1 else None


def is_m365_verification_mx(name: dns.name.Name) -> bool:
    return _under(name.to_text(omit_final_dot=True).lower(), M365_VERIFICATION_SUFFIX)


# DKIM selector -> (the SPF domain of the provider that publishes keys there, the provider).
# A key at one of these selectors says the domain sends through that provider, so every SPF
# proposal must keep (or add) its include. Selectors shared by many providers are left out.
SPF_INCLUDE_FOR_DKIM_SELECTOR = (
    ("google", "_spf.google.com", "Google Workspace"),
    ("selector1", "spf.protection.outlook.com", "Microsoft 365"),
    ("selector2", "spf.protection.outlook.com", "Microsoft 365"),
    ("mandrill", "spf.mandrillapp.com", "Mailchimp Transactional"),
    ("s1", "sendgrid.net", "SendGrid"),
    ("s2", "sendgrid.net", "SendGrid"),
    ("mailjet", "spf.mailjet.com", "Mailjet"),
    ("zoho", "zoho.com", "Zoho Mail"),
)


def dkim_provider(selector: str) -> tuple[str, str] | None:
    """(SPF include domain, provider name) a key at ``selector`` implies, if any."""
    low = selector.lower()
    return next(((inc, who) for sel, inc, who in SPF_INCLUDE_FOR_DKIM_SELECTOR if sel == low), None)
