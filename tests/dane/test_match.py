"""match(tlsa_records, cert_chain_der): DANE-EE and DANE-TA against chains made at test time."""

from __future__ import annotations

import datetime

import pytest

from mailaudit.dane import from_text, match, match_detail

from .certs import NOW, issue, make_chain


@pytest.fixture(scope="module")
def chain():  # type: ignore[no-untyped-def]
    return make_chain()


@pytest.mark.parametrize(("selector", "mtype"), [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)])
def test_dane_ee_every_selector_and_matching_type(chain, selector: int, mtype: int) -> None:  # type: ignore[no-untyped-def]
    record = from_text(chain.leaf.tlsa(3, selector, mtype))
    assert match([record], chain.der)
    assert match([record], [chain.leaf.der])  # the leaf alone is enough for DANE-EE


def test_dane_ee_ignores_names_and_dates() -> None:
    expired = issue("other.name", sans=("other.name",), days=-2, start_days=-30)
    assert match([from_text(expired.tlsa(3))], [expired.der], hostname="mx.example.test")


def test_dane_ee_of_another_key_does_not_match(chain) -> None:  # type: ignore[no-untyped-def]
    other = issue("mx.example.test")
    result = match_detail([from_text(other.tlsa(3))], chain.der)
    assert not result.ok and result.reason == "no-match"


def test_dane_ee_matches_only_the_leaf(chain) -> None:  # type: ignore[no-untyped-def]
    assert not match([from_text(chain.intermediate.tlsa(3))], chain.der)


@pytest.mark.parametrize("which", ["root", "intermediate"])
def test_dane_ta_at_root_or_intermediate(chain, which: str) -> None:  # type: ignore[no-untyped-def]
    record = from_text(getattr(chain, which).tlsa(2, 0, 1))
    result = match_detail([record], chain.der, hostname="mx.example.test")
    assert result.ok and result.depth == (2 if which == "root" else 1)


def test_dane_ta_needs_the_name_when_given(chain) -> None:  # type: ignore[no-untyped-def]
    record = from_text(chain.root.tlsa(2, 1, 1))
    assert match([record], chain.der)
    result = match_detail([record], chain.der, hostname="mx2.example.test")
    assert not result.ok and result.reason == "name-mismatch"


def test_dane_ta_wildcard_covers_one_label() -> None:
    root = issue("Root", ca=True)
    leaf = issue("wild", root, sans=("*.example.test",))
    record = from_text(root.tlsa(2))
    assert match([record], [leaf.der, root.der], hostname="mx.example.test")
    assert not match([record], [leaf.der, root.der], hostname="a.mx.example.test")


def test_dane_ta_with_a_broken_chain(chain) -> None:  # type: ignore[no-untyped-def]
    stranger = issue("Stranger", ca=True)
    record = from_text(stranger.tlsa(2))
    result = match_detail([record], [chain.leaf.der, stranger.der])
    assert not result.ok and result.reason == "chain-broken"


def test_dane_ta_with_an_expired_leaf(chain) -> None:  # type: ignore[no-untyped-def]
    later = NOW + datetime.timedelta(days=60)
    result = match_detail([from_text(chain.root.tlsa(2))], chain.der, now=later)
    assert not result.ok and result.reason == "certificate-expired"


def test_pkix_usages_are_ignored_for_smtp(chain) -> None:  # type: ignore[no-untyped-def]
    records = [from_text(chain.leaf.tlsa(1)), from_text(chain.root.tlsa(0))]
    result = match_detail(records, chain.der)
    assert not result.ok and result.reason == "no-usable-records"


def test_one_matching_record_in_the_set_is_enough(chain) -> None:  # type: ignore[no-untyped-def]
    records = [from_text(issue("old").tlsa(3)), from_text(chain.leaf.tlsa(3))]
    assert match(records, chain.der)


@pytest.mark.parametrize("bad", [[], [b""], [b"\x30\x03garbage"]])
def test_garbage_chains_never_raise(chain, bad: list[bytes]) -> None:  # type: ignore[no-untyped-def]
    assert not match([from_text(chain.leaf.tlsa(3))], bad)
