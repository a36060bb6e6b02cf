import pytest

from mailaudit.tls_rpt.assess import assess

GOOD = "v=TLSRPTv1; rua=mailto:tls@example.com"


@pytest.mark.parametrize(("sts", "dane", "variant"), [(True, False, "sts"), (False, True, "dane"), (True, True, "both"),
                                                      (True, None, "sts")])
def test_missing_while_in_use(sts: bool, dane: bool | None, variant: str) -> None:
    result = assess("example.com", ["v=spf1 -all"], sts, dane)
    issue = result.issues[0]
    assert (issue.id, issue.variant, issue.subject) == ("tls_rpt.missing", variant, "_smtp._tls.example.com")
    assert issue.records == (("_smtp._tls.example.com.", "TXT", "v=TLSRPTv1; rua=mailto:tls-reports@example.com"),)
    assert result.data == {"record": None}


def test_not_in_use_no_issue() -> None:
    assert assess("example.com", [], False, False).issues == ()


def test_unknown_dane_is_an_error_not_an_absence() -> None:
    result = assess("example.com", [], False, None)
    assert result.issues == () and [e.code for e in result.errors] == ["unknown.dane"]


def test_present_valid_and_invalid() -> None:
    assert assess("example.com", [GOOD], True, False).data == {"record": GOOD}
    bad = assess("example.com", ["v=TLSRPTv1; rua=http://x.example/"], True, False)
    assert [(i.id, i.variant) for i in bad.issues] == [("tls_rpt.invalid", "rua_invalid")]
    assert [i.id for i in assess("example.com", [GOOD, GOOD], True, False).issues] == ["tls_rpt.multiple"]
