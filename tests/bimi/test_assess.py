"""Pure BIMI stages; the same paths against the real HTTPS server are in test_check.py."""

import pathlib

from mailaudit.bimi import assess
from mailaudit.net.https import FetchResult, Outcome

GOOD = (pathlib.Path(__file__).parent / "data" / "good.svg").read_bytes()
URL = "https://example.com/logo.svg"


def test_record_stage() -> None:
    parsed, stage = assess.read_record("default._bimi.example.com", ["v=BIMI1; l=" + URL])
    assert parsed is not None and parsed.logo == URL and stage.issues == ()
    none, stage = assess.read_record("default._bimi.example.com", ["v=BIMI1; l=http://x.example/l.svg"])
    assert none is None and [(i.id, i.variant) for i in stage.issues] == [("bimi.record.invalid", "l_invalid")]


def test_dmarc_stage_names_the_org_domain_and_fixes_it() -> None:
    org = {"p": "none", "rua": "mailto:d@example.com"}
    stage = assess.dmarc("news.example.com", "example.com", {"p": "reject"}, org)
    issue = stage.issues[0]
    assert (issue.id, issue.variant) == ("bimi.dmarc.not_enforced", "organizational_domain")
    assert issue.records == (("_dmarc.example.com.", "TXT", "v=DMARC1; p=quarantine; rua=mailto:d@example.com"),)
    assert assess.dmarc("example.com", "example.com", {"p": "reject"}, {"p": "reject"}).issues == ()


def test_logo_stage() -> None:
    ok = FetchResult(URL, Outcome.OK, body=GOOD, content_type="image/svg+xml")
    data, _report, stage = assess.logo(URL, ok)
    assert data == {"url": URL, "fetched": True, "problems": []} and stage.issues == ()
    bad = FetchResult(URL, Outcome.OK, body=GOOD.replace(b"<rect", b"<script>x</script><rect"))
    data, _, stage = assess.logo(URL, bad)
    assert data["problems"] == ["svg.script"] and stage.issues[0].id == "bimi.logo.invalid"
    data, _, stage = assess.logo(URL, FetchResult(URL, Outcome.TIMEOUT))
    assert data["fetched"] is False and stage.errors and not stage.issues
