"""`reports --format json` output into the store through the documented entry point."""

from __future__ import annotations

from mailaudit.history import open_db, record_reports
from mailaudit.history.ingest import from_reports_json

from .helpers import day

DOC = {
    "version": 1,
    "domains": [
        {"domain": "example.com", "period": {"begin": "2026-11-01T00:00:00Z", "end": "2026-11-15T00:00:00Z"},
         "reports": 14, "messages": 20512,
         "sources": [{"ip": "203.0.113.7", "ptr": "mail.example.com", "messages": 120, "spf_aligned": 120,
                      "dkim_aligned": 118, "dmarc_pass": 120, "category": "authorized",
                      "authorized_by": "include:_spf.example.net"}],
         "findings": [],
         "readiness": {"next_policy": "quarantine", "ready": True, "aligned_share": 0.997, "detail": "all aligned"}},
        {"domain": "broken.example", "period": {"begin": "yesterday"}},
        "not an object",
    ],
    "tls": [{"domain": "example.com", "policy_type": "sts", "successful": 1000, "failed": 3,
             "failures": [{"result_type": "certificate-expired", "count": 3}]},
            {"policy_type": "sts"}],
    "errors": [],
}


def test_reports_json_is_stored_and_the_bad_entries_are_named(tmp_path):
    dmarc, tls, problems = from_reports_json(DOC)
    assert len(problems) == 3 and problems[0].startswith("domains: broken.example: not stored")
    path = tmp_path / "h.db"
    record_reports(path, dmarc, tls, at=day(14))
    with open_db(path, create=False) as db:
        (stored,) = db.dmarc_of("EXAMPLE.COM")
    assert (stored.ready, stored.next_policy, stored.days, stored.sources[0].authorized_by) == (
        True, "quarantine", 14.0, "include:_spf.example.net")
    assert tls[0].failures == (("certificate-expired", 3),)
