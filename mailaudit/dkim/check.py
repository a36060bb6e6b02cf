"""DKIM check: find the domain's keys without being told the selector, then judge each key.

``_domainkey.<domain>`` is asked first: by RFC 8020 an NXDOMAIN there means no key exists below
it, so no selector is asked; NODATA means keys exist, perhaps at selectors nobody guessed. Then
every built-in selector (``selectors.py``) plus the ``--dkim-selector`` names is asked at once.
A probe that fails is a failed lookup (status error), never a missing key.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from mailaudit.checks.base import Check, Collector, dns_record
from mailaudit.context import AuditContext
from mailaudit.dkim.record import DkimRecord, KeyInfo, analyse_key, parse_dkim
from mailaudit.dnscore.answer import Answer, Outcome
from mailaudit.facts.dkim import Probe, dkim_probes
from mailaudit.facts.posture import sends_no_mail, shows_no_mail_use
from mailaudit.model import DnsRecord, Severity

STRONG_RSA = 2048
MIN_RSA = 1024  # RFC 8301 section 3.2: verifiers must not accept shorter keys


@dataclass(frozen=True, slots=True)
class _Key:
    """One key record being judged: where it is and what it says."""

    out: Collector
    probe: Probe
    text: str
    record: DkimRecord

    @property
    def subject(self) -> str:
        return self.probe.owner

    def add(self, finding_id: str, **kw: object) -> None:
        evidence = [*_chain(self.probe), f'{self.subject}. TXT "{self.text}"']
        self.out.add(finding_id, self.subject, evidence=evidence, selector=self.probe.selector.name,
                     provider=self.probe.selector.provider, **kw)  # type: ignore[arg-type]

    def fixed(self, **changes: str | None) -> list[DnsRecord]:
        return [dns_record(self.probe.name, "TXT", self.record.with_tags(**changes))]


async def run(ctx: AuditContext, out: Collector) -> None:
    (parent, probes), nomail, unused = await asyncio.gather(dkim_probes(ctx), sends_no_mail(ctx),
                                                            shows_no_mail_use(ctx))
    failed = [p.answer for p in probes if not p.answer.ok] + ([parent] if not parent.ok else [])
    for answer in failed:
        out.failed(answer)
    found = [p for p in probes if p.answer.outcome is Outcome.ANSWER and p.records]
    out.data.update(probed=len(probes), domainkey=parent.outcome.value,
                    unresolved=[p.selector.name for p in probes if not p.answer.ok],
                    selectors=[_describe(p) for p in found])
    for probe in probes:
        _dangling(out, probe)
    usable = [_judge_record(out, probe, text) for probe in found for text in probe.records]
    if not failed and not any(usable):
        _not_found(ctx, out, parent, probes, found, "nomail" if nomail else "unused" if unused else None)
    if nomail:  # a domain that sends no mail gets no DKIM finding above info
        out.findings[:] = [dataclasses.replace(f, severity=Severity.INFO) for f in out.findings]


def _describe(probe: Probe) -> dict[str, object]:
    keys = []
    for text in probe.records:
        record = parse_dkim(text)
        info = analyse_key(record)
        keys.append({"key_type": info.kind, "bits": info.bits, "problem": info.problem,
                     "testing": record.testing, "tags": dict(record.tags), "hashes": list(record.hashes or ()),
                     "services": list(record.services), "record": text})
    return {"selector": probe.selector.name, "name": probe.owner, "provider": probe.selector.provider,
            "cnames": [n.to_text(omit_final_dot=True) for n in probe.answer.cnames], "keys": keys}


def _chain(probe: Probe) -> list[str]:
    names = [probe.name, *probe.answer.cnames]
    return [f"{a.to_text()} CNAME {b.to_text()}" for a, b in itertools.pairwise(names)]


def _dangling(out: Collector, probe: Probe) -> None:
    if probe.answer.absent and probe.answer.cnames:
        target = probe.answer.cnames[-1].to_text(omit_final_dot=True)
        out.add("dkim.selector.dangling", probe.owner, evidence=[*_chain(probe), probe.answer.describe()],
                selector=probe.selector.name, target=target, provider=probe.selector.provider)


def _judge_record(out: Collector, probe: Probe, text: str) -> bool:
    """Findings for one key record; True when it holds a key verifiers can use."""
    key = _Key(out, probe, text, parse_dkim(text))
    info = analyse_key(key.record)
    if key.record.errors:
        key.add("dkim.syntax", problems="; ".join(key.record.errors))
    if info.problem == "revoked":
        key.add("dkim.key.revoked", remove=[dns_record(probe.name, "TXT", text)])
        return False
    if info.problem == "missing":  # no p= tag: dkim.syntax says so; no key, nothing revoked
        return False
    if info.problem == "type":
        key.add("dkim.key.type", key_type=key.record.key_type)
        return False
    if info.problem is not None:
        key.add("dkim.key.invalid", variant=info.problem, key_type=info.kind)
    _strength(key, info)
    return _flags(key) and info.problem is None


def _strength(key: _Key, info: KeyInfo) -> None:
    if info.kind != "rsa" or not info.bits or info.bits >= STRONG_RSA:
        return
    if info.bits < MIN_RSA:
        key.add("dkim.key.weak", variant="broken", severity=Severity.HIGH, bits=info.bits)
    elif info.bits == MIN_RSA:
        key.add("dkim.key.weak", severity=Severity.MEDIUM, bits=info.bits)
    else:
        key.add("dkim.key.weak", variant="short", severity=Severity.LOW, bits=info.bits)


def _flags(key: _Key) -> bool:
    """t=, h= and s= findings; False when they make the key unusable for e-mail."""
    record = key.record
    if record.testing:
        rest = ":".join(f for f in record.flags if f != "y") or None
        key.add("dkim.key.testing", records=key.fixed(t=rest))
    usable = True
    if record.sha1_only or record.no_known_hash:
        variant = "sha1" if record.sha1_only else "unknown"
        key.add("dkim.key.hash", variant=variant, records=key.fixed(h=None), hashes=":".join(record.hashes or ()))
        usable = False
    if not record.covers_email:
        key.add("dkim.key.service", records=key.fixed(s=None), services=":".join(record.services))
        usable = False
    return usable


def _not_found(
    ctx: AuditContext, out: Collector, parent: Answer, probes: Sequence[Probe], found: list[Probe], quiet: str | None
) -> None:
    """``quiet``: "nomail" (the domain says it sends no mail) or "unused" (no MX and no SPF):
    then the finding is information only."""
    subject = f"_domainkey.{ctx.domain}"
    names = ", ".join(p.selector.name for p in probes)
    evidence = [parent.describe()] + ([f"{len(probes)} selectors asked: {names}"] if probes else [])
    if found:
        variant = "unusable"
    elif quiet == "nomail":
        variant = quiet
    elif parent.outcome is Outcome.NODATA:  # keys exist at selectors not guessed: mail is signed
        variant = "exists"
    elif quiet is not None:
        variant = quiet
    elif parent.outcome is Outcome.NXDOMAIN:
        variant = "nxdomain"
    else:
        variant = "unknown"
    severity = Severity.LOW if variant == "exists" else Severity.INFO if variant == "unused" else None
    out.add("dkim.not_found", subject, variant=variant, severity=severity, evidence=evidence,
            count=len(probes), selectors=", ".join(p.selector.name for p in found))


CHECK = Check(
    "dkim", "DKIM keys: selector discovery and key strength", run,
    needs=("posture",), reads=("dkim_selectors",), phase="dkim",
)
