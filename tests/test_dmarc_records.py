"""The pure DMARC record parser (RFC 7489 / RFC 9989)."""

from __future__ import annotations

from mailaudit.dmarc.record import is_dmarc, parse_dmarc, parse_uri, weaker


def test_defaults():
    r = parse_dmarc("v=DMARC1; p=reject")
    assert (r.policy, r.subdomain_policy, r.nonexistent_policy) == ("reject", "reject", "reject")
    assert (r.psd, r.testing, r.adkim, r.aspf, r.fo, r.pct) == ("u", False, "r", "r", ("0",), None)
    assert r.errors == () and r.unknown == () and r.rua == ()


def test_every_tag():
    r = parse_dmarc(
        "v=DMARC1; p=quarantine; sp=none; np=reject; psd=n; t=y; adkim=s; aspf=s; fo=1:d; "
        "rua=mailto:a@x.example!10m,mailto:b@y.example; ruf=mailto:f@x.example; pct=50; rf=afrf; ri=3600"
    )
    assert (r.p, r.sp, r.np, r.psd, r.testing, r.adkim, r.aspf) == ("quarantine", "none", "reject", "n", True, "s", "s")
    assert r.fo == ("1", "d") and r.pct == 50 and r.legacy == ("pct", "rf", "ri")
    assert [(u.host, u.size, u.usable) for u in r.rua] == [("x.example", "10m", True), ("y.example", None, True)]
    assert r.errors == ()


def test_np_defaults_to_sp():
    assert parse_dmarc("v=DMARC1; p=reject; sp=quarantine").nonexistent_policy == "quarantine"


def test_errors_are_sentences_not_exceptions():
    r = parse_dmarc("p=none; v=DMARC1; p=reject; junk; 9x=1; adkim=q; pct=101; ri=-1; rf=iodef")
    text = " | ".join(r.errors)
    parts = ("start with `v=DMARC1`", "more than once", "`junk`", "`9x`", "adkim=q", "pct=101", "ri=-1", "rf=iodef")
    for part in parts:
        assert part in text


def test_unknown_tags_are_listed_and_ignored():
    r = parse_dmarc("v=DMARC1; p=reject; foo=bar")
    assert r.unknown == ("foo",) and r.errors == () and r.policy == "reject"


def test_report_uris():
    assert parse_uri("https://x.example/r").problem == "scheme"
    assert parse_uri("mailto:a@x.example!12x").problem == "size"
    assert parse_uri("mailto:a@x.example!").problem == "size"
    assert parse_uri("mailto:nohost").problem == "malformed"
    assert parse_uri("a@x.example").problem == "malformed"
    ok = parse_uri("mailto:Reports@X.Example.?subject=x")
    assert ok.usable and ok.host == "x.example" and ok.address == "Reports@X.Example."


def test_is_dmarc_and_with_tags():
    assert is_dmarc("v = DMARC1 ;p=none") and not is_dmarc("v=DMARC2; p=none") and not is_dmarc("p=none")
    # RFC 9989 section 4.7: nothing before v, and the value DMARC1 is case-sensitive
    assert not is_dmarc(" v=DMARC1; p=reject") and not is_dmarc("v=dmarc1; p=reject")
    assert not is_dmarc("v=DMARC10; p=reject")
    r = parse_dmarc("v=DMARC1; p=none; pct=50")
    assert r.with_tags(p="reject", pct=None, rua="mailto:a@b.example") == "v=DMARC1; p=reject; rua=mailto:a@b.example"
    assert parse_dmarc("v=DMARC1").with_tags(p="none") == "v=DMARC1; p=none"
    assert weaker("none", "reject") and not weaker("reject", "quarantine")


def test_hostile_input():
    r = parse_dmarc("v=DMARC1; p=reject; " + "x=" + "\x1b" * 70000)
    assert r.policy == "reject"
    many = parse_dmarc("v=DMARC1; " + "; ".join(f"t{i}=1" for i in range(10000)))
    assert "too many tags" in many.errors[-1]


def test_repairable_only_when_every_error_is_a_droppable_value():
    assert parse_dmarc("v=DMARC1; p=reject; fo=9; adkim=q").invalid == ("adkim", "fo")
    assert parse_dmarc("v=DMARC1; p=reject; fo=9; adkim=q").repairable
    assert not parse_dmarc("v=DMARC1; p=rejectt; fo=9").repairable
    assert not parse_dmarc("v=DMARC1; p=reject; junk; fo=9").repairable
    assert not parse_dmarc("v=DMARC1; p=reject").repairable
