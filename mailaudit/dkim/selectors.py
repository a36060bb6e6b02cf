"""The DKIM selectors probed without being told: the ones real providers and panels use.

Each entry names the provider and where the selector comes from. Providers whose selectors
are generated per customer (Amazon SES Easy DKIM tokens, Postmark's dated ``<timestamp>pm``,
SparkPost ``scph<MMYY>``, HubSpot ``hs1-<id>``) cannot be guessed: use ``--dkim-selector``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Selector:
    name: str
    provider: str
    source: str


_MAILGUN_SAMPLE = "Mailgun-assigned selector on Mailgun-hosted domains in the project's real-world hosting zones (2017)"

BUILTIN: tuple[Selector, ...] = (
    Selector("google", "Google Workspace", "Google Workspace Admin Help, 'Set up DKIM': default selector "
             "prefix 'google'"),
    Selector("selector1", "Microsoft 365", "Microsoft Learn, 'Set up DKIM for a custom domain': CNAME to "
             "selector1-<domain>._domainkey.<tenant>.onmicrosoft.com"),
    Selector("selector2", "Microsoft 365", "Microsoft Learn, 'Set up DKIM for a custom domain': the second, "
             "rotating key"),
    Selector("k1", "Mailchimp / Mailgun", "Mailchimp domain authentication (k1 in older setups); also a Mailgun "
             "selector in the real-world hosting zones"),
    Selector("k2", "Mailchimp", "Mailchimp Help, 'Set up email domain authentication': CNAME k2 -> dkim2.mcsv.net"),
    Selector("k3", "Mailchimp", "Mailchimp Help, 'Set up email domain authentication': CNAME k3 -> dkim3.mcsv.net"),
    Selector("mandrill", "Mailchimp Transactional (Mandrill)", "Mandrill docs, 'Authentication and delivery': "
             "mandrill._domainkey TXT"),
    Selector("s1", "SendGrid", "Twilio SendGrid docs, 'Domain authentication': CNAME s1._domainkey"),
    Selector("s2", "SendGrid", "Twilio SendGrid docs, 'Domain authentication': CNAME s2._domainkey"),
    Selector("smtpapi", "SendGrid (legacy)", "SendGrid legacy (manual security) domain whitelabel TXT record"),
    Selector("mx", "Mailgun", "Mailgun docs: the selector of older Mailgun domains (mx._domainkey TXT)"),
    Selector("pdk1", "Mailgun", "Mailgun docs, 'DKIM security' (Automatic Sender Security): CNAME pdk1._domainkey"),
    Selector("pdk2", "Mailgun", "Mailgun docs, 'DKIM security' (Automatic Sender Security): CNAME pdk2._domainkey"),
    Selector("smtp", "Mailgun", _MAILGUN_SAMPLE),
    Selector("pic", "Mailgun", _MAILGUN_SAMPLE),
    Selector("krs", "Mailgun", _MAILGUN_SAMPLE),
    Selector("mailo", "Mailgun", _MAILGUN_SAMPLE),
    Selector("mallo", "Mailgun", _MAILGUN_SAMPLE),
    Selector("default", "cPanel / Plesk / OpenDKIM", "cPanel and Plesk publish default._domainkey; the OpenDKIM "
             "and rspamd example configurations use 'default'"),
    Selector("dkim", "Hetzner / self-hosted panels", "Hetzner KonsoleH DKIM; the selector of the self-hosted "
             "mail server in the real-world hosting zones (15 domains)"),
    Selector("mail", "Brevo (Sendinblue) / self-hosted", "Brevo's older mail._domainkey TXT; common Postfix + "
             "OpenDKIM tutorial selector"),
    Selector("x", "DirectAdmin", "DirectAdmin's DKIM support publishes x._domainkey"),
    Selector("brevo1", "Brevo", "Brevo help, 'Authenticate your domain': CNAME brevo1._domainkey"),
    Selector("brevo2", "Brevo", "Brevo help, 'Authenticate your domain': CNAME brevo2._domainkey"),
    Selector("zoho", "Zoho Mail", "Zoho Mail Admin Guide, DKIM: the selector name suggested in its examples"),
    Selector("zmail", "Zoho Mail", "Zoho Mail: alternative selector name found in common-selector lists"),
    Selector("everlytickey1", "Everlytic", "Everlytic domain authentication: CNAME everlytickey1._domainkey"),
    Selector("everlytickey2", "Everlytic", "Everlytic domain authentication: CNAME everlytickey2._domainkey"),
    Selector("eversrv", "Everlytic (older)", "Everlytic's older selector, listed in common-selector lists"),
    Selector("mxvault", "Global Micro", "Global Micro mxvault hosted mail, listed in common-selector lists"),
    Selector("mailjet", "Mailjet", "Mailjet docs, 'Authenticate your domain': mailjet._domainkey TXT"),
    Selector("fm1", "Fastmail", "Fastmail help, 'Custom domain DNS': CNAME fm1._domainkey -> "
             "fm1.<domain>.dkim.fmhosted.com"),
    Selector("fm2", "Fastmail", "Fastmail help, 'Custom domain DNS': CNAME fm2._domainkey"),
    Selector("fm3", "Fastmail", "Fastmail help, 'Custom domain DNS': CNAME fm3._domainkey"),
    Selector("protonmail", "Proton Mail", "Proton support, 'Custom domain DKIM': CNAME protonmail._domainkey"),
    Selector("protonmail2", "Proton Mail", "Proton support, 'Custom domain DKIM': CNAME protonmail2._domainkey"),
    Selector("protonmail3", "Proton Mail", "Proton support, 'Custom domain DKIM': CNAME protonmail3._domainkey"),
    Selector("zendesk1", "Zendesk", "Zendesk help, 'Digitally signing email with DKIM': CNAME zendesk1._domainkey"),
    Selector("zendesk2", "Zendesk", "Zendesk help, 'Digitally signing email with DKIM': CNAME zendesk2._domainkey"),
    Selector("ctct1", "Constant Contact", "Constant Contact self-authentication: CNAME ctct1._domainkey"),
    Selector("ctct2", "Constant Contact", "Constant Contact self-authentication: CNAME ctct2._domainkey"),
    Selector("litesrv", "MailerLite", "MailerLite domain authentication: litesrv._domainkey"),
    Selector("s1024", "Yahoo / older 1024-bit setups", "selector naming after key size, used by Yahoo's own domains"),
    Selector("s2048", "Yahoo / 2048-bit setups", "selector naming after key size, used by Yahoo's own domains"),
)


def selectors(extra: Iterable[str] = ()) -> tuple[Selector, ...]:
    """The built-in list plus ``--dkim-selector`` names (added, not replacing), without repeats."""
    out: dict[str, Selector] = {s.name: s for s in BUILTIN}
    for name in extra:
        key = name.strip().strip(".").lower()
        if key and key not in out:
            out[key] = Selector(key, "given with --dkim-selector", "command line")
    return tuple(out.values())
