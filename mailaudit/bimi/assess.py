"""BIMI verdicts from facts, one stage at a time (the check fetches between stages). Pure.

Stages: the record (``default._bimi.<domain>``, else at the organizational domain), the DMARC
gate, the logo (fetch + SVG Tiny PS), the mark certificate (fetch + chain, validity, names, logo).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptography import x509

from mailaudit.bimi import dmarc_gate, mark, record, svg
from mailaudit.mta_sts.issues import Issue, Reason
from mailaudit.net.https import FetchResult, FetchRules, Outcome

SELECTOR = "default"
LOGO_RULES = FetchRules(frozenset({"image/svg+xml"}), max_bytes=svg.MAX_BYTES, timeout=10.0)
MARK_RULES = FetchRules(frozenset({"application/pem-certificate-chain", "application/x-pem-file",
                                   "application/pkix-cert", "text/plain"}), max_bytes=64 * 1024, timeout=10.0)
_COULD_NOT_TELL = (Outcome.TIMEOUT, Outcome.CONNECT_FAILED)


def owner(domain: str) -> str:
    return f"{SELECTOR}._bimi.{domain}"


@dataclass(frozen=True)
class Stage:
    issues: tuple[Issue, ...] = ()
    errors: tuple[Reason, ...] = ()
    notes: tuple[Reason, ...] = ()


def read_record(found_at: str, texts: Sequence[str]) -> tuple[record.BimiRecord | None, Stage]:
    """The record a receiver uses from the TXT strings at ``found_at`` (None: no usable record)."""
    chosen = record.select(list(texts))
    if not chosen:
        return None, Stage()
    if len(chosen) > 1:
        return None, Stage((Issue("bimi.record.multiple", found_at, params=(("count", str(len(chosen))),),
                                  evidence=tuple(chosen)),))
    parsed = record.parse(chosen[0])
    if not parsed.valid:
        first = next(p for p in parsed.problems if p.fatal)
        return None, Stage((Issue("bimi.record.invalid", found_at, variant=first.code.replace("record.", "").replace(
            ".", "_"), params=(("value", first.value),), evidence=(parsed.text,)),))
    return parsed, Stage()


def dmarc(domain: str, org: str, own: Mapping[str, str] | None, org_tags: Mapping[str, str] | None) -> Stage:
    """``bimi.dmarc.not_enforced`` when the domain or its organizational domain is not at enforcement."""
    result = dmarc_gate.gate(own, org_tags, same=domain == org)
    if result.enforced:
        return Stage()
    where = {w for w, _ in result.blockers}
    variant = "both" if len(where) == 2 else "organizational_domain" if "organizational_domain" in where else "domain"
    reasons = ", ".join(f"{org if w == 'organizational_domain' else domain}: {r}" for w, r in result.blockers)
    records = tuple(_dmarc_fix(name, tags) for name, tags, w in ((domain, own, "domain"),
                                                                 (org, org_tags, "organizational_domain"))
                    if w in where and tags is not None)
    return Stage((Issue("bimi.dmarc.not_enforced", domain, variant=variant,
                        params=(("reasons", reasons), ("org", org)), evidence=(reasons,), records=records),))


def _dmarc_fix(name: str, tags: Mapping[str, str]) -> tuple[str, str, str]:
    """The same record at ``p=quarantine`` (kept at ``reject`` if already there), without pct/t, sp not none."""
    fixed = {k: v for k, v in tags.items() if k not in ("v", "pct", "t")}
    if fixed.get("p", "").lower() != "reject":
        fixed["p"] = "quarantine"
    if fixed.get("sp", "").lower() not in ("", "quarantine", "reject"):
        fixed["sp"] = "quarantine"
    order = ["p", "sp"] + [k for k in fixed if k not in ("p", "sp")]
    value = "; ".join(["v=DMARC1", *(f"{k}={fixed[k]}" for k in order if k in fixed)])
    return (f"_dmarc.{name}.", "TXT", value)


def logo(url: str, fetched: FetchResult) -> tuple[dict[str, object], svg.SvgReport | None, Stage]:
    """The contract's ``logo`` data, the SVG report (when fetched), and the stage's verdicts."""
    data: dict[str, object] = {"url": url, "fetched": fetched.ok, "problems": []}
    if fetched.outcome in _COULD_NOT_TELL:
        return data, None, Stage(errors=(Reason(f"fetch.{fetched.outcome.value}", url, fetched.detail),))
    if fetched.outcome is Outcome.REFUSED_TARGET:
        return data, None, Stage(notes=(Reason("fetch.refused_target", url, f"{fetched.address} ({fetched.detail})"),))
    if not fetched.ok:
        data["problems"] = [f"fetch.{fetched.outcome.value}"]
        return data, None, Stage((Issue("bimi.logo.unreachable", url, variant=fetched.outcome.value,
                                        params=(("url", url), ("reason", fetched.detail),
                                                ("content_type", fetched.content_type or "(none)")),
                                        evidence=(f"GET {url}: {fetched.outcome.value} {fetched.detail}".rstrip(),)),))
    report = svg.validate(fetched.body)
    data["problems"] = report.codes
    fatal = [p for p in report.problems if p.fatal]
    if not fatal:
        return data, report, Stage()
    text = "; ".join(p.code + (f": {p.value}" if p.value else "") for p in fatal[:8])
    return data, report, Stage((Issue("bimi.logo.invalid", url, params=(("url", url), ("problems", text)),
                                      evidence=(text,)),))


def evidence(url: str, fetched: FetchResult, domains: Sequence[str], logo_bytes: bytes | None, now: dt.datetime,
             roots: Sequence[x509.Certificate] = ()) -> tuple[mark.MarkReport | None, Stage]:
    """The mark certificate at ``a=``: fetched, then checked."""
    if fetched.outcome in _COULD_NOT_TELL:
        return None, Stage(errors=(Reason(f"fetch.{fetched.outcome.value}", url, fetched.detail),))
    if fetched.outcome is Outcome.REFUSED_TARGET:
        return None, Stage(notes=(Reason("fetch.refused_target", url, f"{fetched.address} ({fetched.detail})"),))
    if not fetched.ok and fetched.outcome is not Outcome.MEDIA_TYPE:
        return None, Stage((Issue("bimi.mark.invalid", url, variant="unreachable",
                                  params=(("url", url), ("problems", f"fetch.{fetched.outcome.value}")),),))
    report = mark.check(fetched.body, domains, logo_bytes, now, roots)
    fatal = [p for p in report.problems if p.fatal]
    notes = tuple(Reason(p.code, url, p.value) for p in report.problems if p.code == "mark.issuer.unverified")
    issues = [Issue("bimi.mark.expiring", url, params=(("url", url), ("not_after", p.value[:10])))
              for p in report.problems if p.code == "mark.expiring"]
    if fatal:
        text = "; ".join(p.code + (f": {p.value}" if p.value else "") for p in fatal[:8])
        issues.insert(0, Issue("bimi.mark.invalid", url, params=(("url", url), ("problems", text)), evidence=(text,)))
    return report, Stage(tuple(issues), notes=notes)
