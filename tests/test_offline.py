"""--offline: names outside the zone files are not verifiable, never missing; where only a
parent's policy could not be seen, the verified absence at the domain itself still counts."""

from __future__ import annotations

from mailaudit import AuditOptions, Status, audit
from mailaudit.dns import Resolver

ZONE = """$ORIGIN shop.example.
@ SOA ns1.shop.example. h.shop.example. 1 7200 3600 1209600 3600
@ NS ns1.shop.example.
@ MX 10 mail
mail A 94.130.12.10
@ TXT "v=spf1 mx ~all"
"""


def test_parent_dmarc_outside_the_zones_is_a_note_not_an_error(tmp_path):
    (tmp_path / "shop.example.zone").write_text(ZONE)
    resolver = Resolver(zones=[tmp_path], offline=True)
    report = audit("shop.example", resolver=resolver, options=AuditOptions(checks=("dmarc", "mx")))
    dmarc = report.check("dmarc")
    assert dmarc.status is Status.FAIL and [f.id for f in dmarc.findings] == ["dmarc.missing"]
    assert any("_dmarc.example" in n and "not verifiable" in n for n in dmarc.notes)
    mx = report.check("mx")
    assert mx.status is not Status.ERROR and any("not verifiable" in n for n in mx.notes)


def test_own_dmarc_name_outside_the_zones_is_an_error(tmp_path):
    (tmp_path / "other.example.zone").write_text(ZONE.replace("shop.example", "other.example"))
    resolver = Resolver(zones=[tmp_path], offline=True)
    report = audit("shop.example", resolver=resolver, options=AuditOptions(checks=("dmarc",)))
    assert report.check("dmarc").status is Status.ERROR and report.findings == ()
