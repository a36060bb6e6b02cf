"""Reports for the history tests: the hidden-host story (a forgotten cPanel host in SPF, ~all)
before the fix, after it, and after a regression, as the store's typed values."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

from mailaudit.history import RunMeta, StoredCheck, StoredFinding, StoredFix, StoredRecord, StoredReport

DOMAIN = "hidden-host.example"
T0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


def day(n: int, hours: int = 0) -> dt.datetime:
    return T0 + dt.timedelta(days=n, hours=hours)


def meta(n: int, source: str = "live", **options: str) -> RunMeta:
    return RunMeta(at=day(n), source=source, command="check", options=tuple(sorted(options.items())),
                   tool_version="test")


SOFTFAIL = StoredFinding(
    "spf.all.softfail", DOMAIN, "medium", "SPF ends in ~all", "Mail from other hosts is only marked.",
    evidence=('hidden-host.example. TXT "v=spf1 a:cpanel.hidden-host.example ~all"',),
    fix=StoredFix("End the record with -all", (StoredRecord(f"{DOMAIN}.", "TXT", "v=spf1 mx -all"),)),
    check="spf", variant="default", params=(("record", "v=spf1 a:cpanel.hidden-host.example ~all"),))
LISTED = StoredFinding("dnsbl.ip.listed", "192.0.2.25", "high", "An address is blocklisted",
                       "192.0.2.25 (cpanel) is listed.", evidence=("zen.example: 127.0.0.2",), check="dnsbl")
POLICY_NONE = StoredFinding("dmarc.policy.none", DOMAIN, "medium", "DMARC p=none", "Nothing is enforced.",
                            check="dmarc")
RUA_MISSING = StoredFinding("dmarc.rua.missing", DOMAIN, "low", "No rua", "No reports.", check="dmarc")


def check(cid: str, status: str = "pass", error: str | None = None, **data: object) -> StoredCheck:
    return StoredCheck(cid, status, error, json.dumps(data))


def report(findings: Sequence[StoredFinding], *, grade: str, score: int, policy: str | None = "none",
           errors: Sequence[str] = (), domain: str = DOMAIN) -> StoredReport:
    statuses = {f.owner: ("fail" if f.rank >= 3 else "warn") for f in findings}
    checks = []
    for cid in ("mx", "spf", "dmarc", "dkim", "dnsbl"):
        if cid in errors:
            checks.append(check(cid, "error", "timeout"))
        elif cid == "dmarc":
            checks.append(check(cid, statuses.get(cid, "pass"), policy=policy, effective_policy=policy))
        else:
            checks.append(check(cid, statuses.get(cid, "pass")))
    return StoredReport(domain, grade, score, tuple(checks), tuple(sorted(findings, key=lambda f: -f.rank)))


BEFORE = report([LISTED, SOFTFAIL, POLICY_NONE], grade="C", score=64)
AFTER = report([POLICY_NONE], grade="B", score=92 - 0)
REGRESSED = report([SOFTFAIL, POLICY_NONE], grade="B", score=84)
