"""Follow-up diffs: fixed, new, open; and a finding whose check failed is never 'fixed'."""

from __future__ import annotations

from mailaudit.diff import diff_reports


def report(domain, findings, errors=()):
    checks = [{"id": c, "status": "error" if c in errors else "warn", "error": "timeout" if c in errors else None}
              for c in ("mx", "spf", "dmarc", "dkim", "dnsbl")]
    return {"domain": domain, "checks": checks,
            "findings": [{"id": i, "subject": s, "severity": "medium"} for i, s in findings]}


def test_fixed_new_open():
    old = [report("a.test", [("spf.all.softfail", "a.test"), ("dmarc.missing", "a.test")])]
    new = [report("a.test", [("dmarc.policy.none", "a.test"), ("spf.all.softfail", "A.test.")])]
    [row] = diff_reports(old, new)["domains"]
    assert [f["id"] for f in row["fixed"]] == ["dmarc.missing"]
    assert [f["id"] for f in row["new"]] == ["dmarc.policy.none"]
    assert [f["id"] for f in row["open"]] == ["spf.all.softfail"]
    assert row["unverified"] == []


def test_a_timeout_in_the_new_run_is_not_a_fix():
    old = [report("a.test", [("dmarc.missing", "a.test"), ("ip.ptr", "94.130.12.1")])]
    new = [report("a.test", [], errors=("dmarc", "spf"))]
    [row] = diff_reports(old, new)["domains"]
    assert row["fixed"] == []
    assert sorted(f["id"] for f in row["unverified"]) == ["dmarc.missing", "ip.ptr"]


def test_domain_missing_from_the_new_run_is_unverified():
    [row] = diff_reports([report("gone.test", [("mx.missing", "gone.test")])], [])["domains"]
    assert row["fixed"] == [] and [f["id"] for f in row["unverified"]] == ["mx.missing"]
    assert row["audited"] == {"old": True, "new": False}
