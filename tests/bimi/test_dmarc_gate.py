import pytest

from mailaudit.bimi.dmarc_gate import gate, reasons


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"p": "reject"}, []),
        ({"p": "quarantine"}, []),
        ({"p": "quarantine", "pct": "100"}, []),
        ({"p": "quarantine", "pct": "50"}, ["pct=50"]),
        ({"p": "none"}, ["p=none"]),
        ({"p": "reject", "sp": "none"}, ["sp=none"]),
        ({"p": "reject", "t": "y"}, ["t=y"]),
        ({}, ["p=missing"]),
        (None, ["no_record"]),
    ],
)
def test_reasons(tags: dict[str, str] | None, expected: list[str]) -> None:
    assert reasons(tags) == expected


def test_org_domain_at_none_blocks_subdomain_with_reject() -> None:
    result = gate({"p": "reject"}, {"p": "none"}, same=False)
    assert not result.enforced and result.blockers == (("organizational_domain", "p=none"),)


def test_subdomain_inheriting_enforced_org() -> None:
    assert gate(None, {"p": "reject"}, same=False).enforced
    assert gate(None, {"p": "reject", "sp": "none"}, same=False).blockers == (("organizational_domain", "sp=none"),)


def test_org_domain_itself() -> None:
    assert gate({"p": "reject"}, {"p": "reject"}, same=True).enforced
    assert gate(None, None, same=True).blockers == (("domain", "no_record"),)
