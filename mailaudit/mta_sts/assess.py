"""MTA-STS verdicts from facts: the ``_mta-sts`` TXT strings, the policy fetch, the real MX hosts.

Pure (the check gathers the facts). A fetch that timed out or could not connect is not a verdict
about the domain: it becomes an error (the auditor may be on a broken network). A target the
auditor refused to contact (private address) becomes a note.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from mailaudit.mta_sts import fix, mx, policy, record
from mailaudit.mta_sts.issues import Assessment, Issue, Reason
from mailaudit.net.https import FetchResult, Outcome

POLICY_PATH = "/.well-known/mta-sts.txt"
EXPIRY_WARNING_DAYS = 14
_COULD_NOT_TELL = (Outcome.TIMEOUT, Outcome.CONNECT_FAILED)


def policy_host(domain: str) -> str:
    return f"mta-sts.{domain}"


def policy_url(domain: str) -> str:
    return f"https://{policy_host(domain)}{POLICY_PATH}"


def assess(domain: str, texts: Sequence[str], fetched: FetchResult | None, mx_hosts: Sequence[str],
           now: dt.datetime) -> Assessment:
    """``texts``: every TXT string at ``_mta-sts.<domain>``; ``fetched``: the policy fetch (None if not tried)."""
    chosen = record.select(list(texts))
    owner = f"_mta-sts.{domain}"
    if not chosen:
        return Assessment(data={"record": None, "policy": None})
    data: dict[str, object] = {"record": chosen[0], "policy": None}
    if len(chosen) > 1:
        return Assessment((Issue("mta_sts.record.multiple", owner, params=(("count", str(len(chosen))),),
                                 evidence=tuple(chosen), records=_record_fix(domain, now)),), data=data)
    parsed = record.parse(chosen[0])
    if not parsed.valid:
        return Assessment((_record_invalid(domain, parsed, now),), data=data)
    if fetched is None:
        return Assessment(data=data)
    return _with_fetch(domain, fetched, mx_hosts, now, data)


def _with_fetch(domain: str, fetched: FetchResult, mx_hosts: Sequence[str], now: dt.datetime,
                data: dict[str, object]) -> Assessment:
    host = policy_host(domain)
    if fetched.outcome in _COULD_NOT_TELL:
        return Assessment(errors=(Reason(f"fetch.{fetched.outcome.value}", host, fetched.detail),), data=data)
    if fetched.outcome is Outcome.REFUSED_TARGET:
        return Assessment(notes=(Reason("fetch.refused_target", host, f"{fetched.address} ({fetched.detail})"),),
                          data=data)
    if not fetched.ok:
        return Assessment((_unreachable(domain, fetched, mx_hosts, now),), data=data)
    parsed = policy.parse(fetched.body)
    if not parsed.valid:
        return Assessment((_unparsable(domain, parsed, mx_hosts, now),), data=data)
    data["policy"] = parsed.as_data()
    if fetched.certificate is not None:
        cert = fetched.certificate
        data["certificate"] = {"names": list(cert.names), "issuer": cert.issuer,
                               "not_after": cert.not_after.isoformat(), "days_left": cert.days_left(now)}
    return Assessment(tuple(_policy_issues(domain, parsed, fetched, mx_hosts, now)), data=data)


def _record_fix(domain: str, now: dt.datetime) -> tuple[tuple[str, str, str], ...]:
    return ((f"_mta-sts.{domain}.", "TXT", record.fixed_value(fix.new_id(now))),)


def _record_invalid(domain: str, parsed: record.StsRecord, now: dt.datetime) -> Issue:
    first = next(p for p in parsed.problems if p.fatal)
    return Issue("mta_sts.record.invalid", f"_mta-sts.{domain}", variant=first.code[7:].replace(".", "_"),
                 params=(("value", first.value),), evidence=(parsed.text,), records=_record_fix(domain, now))


def _policy_fix(domain: str, mode: str, existing: Sequence[str], mx_hosts: Sequence[str],
                now: dt.datetime) -> tuple[tuple[tuple[str, str, str], ...], str]:
    """The record with a fresh id and a complete policy file covering the real MX hosts."""
    max_age = fix.ENFORCE_MAX_AGE if mode == "enforce" else fix.TESTING_MAX_AGE
    text = fix.policy_file(mode, max_age, fix.policy_patterns(existing, mx_hosts))
    return _record_fix(domain, now), text


_VARIANTS = {
    Outcome.NO_ADDRESS: "no_address", Outcome.CERTIFICATE: "certificate", Outcome.TLS: "tls",
    Outcome.PROTOCOL: "tls", Outcome.REDIRECT: "redirect", Outcome.HTTP_STATUS: "http_status",
    Outcome.MEDIA_TYPE: "media_type", Outcome.TOO_LARGE: "too_large",
}


def _unreachable(domain: str, fetched: FetchResult, mx_hosts: Sequence[str], now: dt.datetime) -> Issue:
    records, text = _policy_fix(domain, "testing", (), mx_hosts, now)
    evidence = [f"GET {fetched.url}: {fetched.outcome.value} {fetched.detail}".rstrip()]
    if fetched.location:
        evidence.append(f"Location: {fetched.location}")
    if fetched.content_type is not None or fetched.outcome is Outcome.MEDIA_TYPE:
        evidence.append(f"Content-Type: {fetched.content_type or '(none)'}")
    params = (("url", fetched.url), ("host", policy_host(domain)), ("reason", fetched.detail),
              ("location", fetched.location or ""), ("content_type", fetched.content_type or "(none)"),
              ("policy_file", text))
    return Issue("mta_sts.policy.unreachable", policy_host(domain), variant=_VARIANTS[fetched.outcome],
                 params=params, evidence=tuple(evidence), records=records)


def _unparsable(domain: str, parsed: policy.StsPolicy, mx_hosts: Sequence[str], now: dt.datetime) -> Issue:
    fatal = [p for p in parsed.problems if p.fatal]
    variant = "encoding" if fatal[0].code in ("policy.bom", "policy.non_ascii") else "grammar"
    records, text = _policy_fix(domain, parsed.mode or "testing", parsed.mx, mx_hosts, now)
    problems = "; ".join(f"{p.code}" + (f" (line {p.line})" if p.line else "") + (f": {p.value}" if p.value else "")
                         for p in fatal[:5])
    line = str(fatal[0].line or "")
    return Issue("mta_sts.policy.unreachable", policy_host(domain), variant=variant,
                 params=(("url", policy_url(domain)), ("host", policy_host(domain)), ("problems", problems),
                         ("line", line), ("policy_file", text)),
                 evidence=(problems,), records=records)


def _policy_issues(domain: str, parsed: policy.StsPolicy, fetched: FetchResult, mx_hosts: Sequence[str],
                   now: dt.datetime) -> list[Issue]:
    issues: list[Issue] = []
    mode = parsed.mode or "none"
    evidence = (f"mode: {mode}", *(f"mx: {p}" for p in parsed.mx), f"max_age: {parsed.max_age}")
    if mode == "testing":
        records, text = _policy_fix(domain, "enforce", parsed.mx, mx_hosts, now)
        issues.append(Issue("mta_sts.mode.testing", policy_host(domain), params=(("policy_file", text),),
                            evidence=evidence, records=records))
    elif mode == "none":
        issues.append(Issue("mta_sts.mode.none", policy_host(domain), evidence=evidence))
    if mode != "none":
        issues += _coverage(domain, parsed, mx_hosts, now, evidence)
    if parsed.max_age is not None and parsed.max_age < 86_400 and mode == "enforce":
        issues.append(Issue("mta_sts.max_age.low", policy_host(domain), params=(("max_age", str(parsed.max_age)),),
                            evidence=evidence))
    issues += _certificate(domain, fetched, now)
    return issues


def _coverage(domain: str, parsed: policy.StsPolicy, mx_hosts: Sequence[str], now: dt.datetime,
              evidence: tuple[str, ...]) -> list[Issue]:
    hosts = [h.rstrip(".").lower() for h in mx_hosts]
    missing = mx.uncovered(parsed.mx, hosts)
    if not missing:
        stale = mx.unused(parsed.mx, hosts) if hosts else []
        return [Issue("mta_sts.mx.stale", policy_host(domain), params=(("patterns", ", ".join(stale)),),
                      evidence=evidence)] if stale else []
    records, text = _policy_fix(domain, parsed.mode or "testing", parsed.mx, hosts, now)
    severity = "high" if parsed.mode == "enforce" else "medium"
    variant = "enforce" if parsed.mode == "enforce" else "testing"
    return [Issue("mta_sts.mx.uncovered", host, variant=variant, severity=severity,
                  params=(("host", host), ("mode", parsed.mode or ""), ("patterns", ", ".join(parsed.mx)),
                          ("policy_file", text)),
                  evidence=evidence, records=records) for host in missing]


def _certificate(domain: str, fetched: FetchResult, now: dt.datetime) -> list[Issue]:
    cert = fetched.certificate
    if cert is None or cert.days_left(now) >= EXPIRY_WARNING_DAYS:
        return []
    return [Issue("mta_sts.certificate.expiring", policy_host(domain),
                  params=(("days", str(cert.days_left(now))), ("not_after", cert.not_after.date().isoformat()),
                          ("issuer", cert.issuer)),
                  evidence=(f"not after {cert.not_after.isoformat()}, issuer {cert.issuer}",))]
