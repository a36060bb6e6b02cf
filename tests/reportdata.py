"""Reports for renderer tests, built directly from the models (renderers are pure functions)."""

from __future__ import annotations

from mailaudit.model import CheckResult, DnsRecord, DomainReport, Finding, Fix, Severity, Status

TITLE_PAYLOAD = "document.title='PWNED'"
SCRIPT = f"<script>{TITLE_PAYLOAD}</script>"
IMG = "<img src=x onerror=\"document.body.appendChild(document.createElement('pwned'))\">"
SVG = "<svg onload=\"document.title='PWNED-SVG'\"></svg>"
JS_URL = "javascript:document.title='PWNED-URL'"
ESCAPES = "\x1b[31mred\x1b[0m\x07\x00\u202eevil\r\n# heading\u2028"
MARKDOWN = "[click](javascript:alert(1)) ![x](http://evil.example/x.png) | col | ``` ~~~ **bold**"
BIG = "v=spf1 " + "a" * 65_536


def finding(fid: str, severity: Severity, subject: str = "example.com", *, text: str = "", evidence=(),
            records=(), remove=()) -> Finding:
    fix = Fix(f"fix {text}", tuple(records), tuple(remove)) if records or remove or text else None
    return Finding(fid, subject, severity, f"title {text}", f"detail {text}", tuple(evidence), fix)


def hostile_report(domain: str = "hostile.example") -> DomainReport:
    """Every text field carries a payload: script, handlers, URLs, escapes, markdown, 64 KB."""
    payloads = [SCRIPT, IMG, SVG, JS_URL, ESCAPES, MARKDOWN, "]]><!-- &amp; --><x/>"]
    everything = " ".join(payloads)
    record = DnsRecord(f"{domain}.", "TXT", everything)
    spf = [
        finding("spf.all.pass", Severity.CRITICAL, domain, text=everything, evidence=[*payloads, BIG],
                records=[record, DnsRecord(f"{domain}.", "TXT", BIG)]),
        finding("spf.ptr", Severity.MEDIUM, IMG, text=IMG, evidence=[JS_URL], remove=[record]),
    ]
    return DomainReport(domain, (
        CheckResult("mx", Status.FAIL, (finding("mx.missing", Severity.HIGH, SCRIPT, text=SCRIPT,
                                                evidence=[SCRIPT]),)),
        CheckResult("spf", Status.FAIL, tuple(spf)),
        CheckResult("dmarc", Status.ERROR, (), f"timeout {SCRIPT} {ESCAPES}"),
        CheckResult("dkim", Status.SKIPPED, (), f"skipped {IMG}"),
        CheckResult("dnsbl", Status.PASS, (finding("dnsbl.query.refused", Severity.INFO, SVG, text=SVG),)),
    ), input=domain, notes=(f"note {SCRIPT}",))


def failing_report(domain: str = "failing.example") -> DomainReport:
    """Known counts: 1 critical, 2 high, 1 medium, 1 low, 1 info; one check errors, one skipped."""
    spf_record = DnsRecord(f"{domain}.", "TXT", "v=spf1 mx -all")
    return DomainReport(domain, (
        CheckResult("mx", Status.WARN, (finding("mx.host.ptr", Severity.LOW, f"mail.{domain}"),)),
        CheckResult("spf", Status.FAIL, (
            finding("spf.all.pass", Severity.CRITICAL, domain, text="+all", records=[spf_record],
                    evidence=["v=spf1 +all"]),
            finding("spf.lookups.exceeded", Severity.HIGH, domain),
        )),
        CheckResult("dmarc", Status.FAIL, (
            finding("dmarc.missing", Severity.HIGH, f"_dmarc.{domain}"),
            finding("dmarc.rua.missing", Severity.MEDIUM, f"_dmarc.{domain}"),
        )),
        CheckResult("dkim", Status.SKIPPED, (), "no mail sent"),
        CheckResult("dnsbl", Status.ERROR, (finding("dnsbl.query.refused", Severity.INFO, "zen.example"),),
                    "zen.example: timeout"),
    ))


def clean_report(domain: str = "clean.example") -> DomainReport:
    return DomainReport(domain, tuple(CheckResult(c, Status.PASS) for c in ("mx", "spf", "dmarc", "dkim", "dnsbl")))
