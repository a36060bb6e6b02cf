"""The bulk-sender rules on typed facts."""

from __future__ import annotations

from mailaudit.bulk.rules import BulkFacts, evaluate, load, reply

TABLE = load()


def by_receiver(facts: BulkFacts) -> dict[str, tuple[str, ...]]:
    return {v.receiver.id: v.unmet for v in evaluate(facts, TABLE)}


def test_a_complete_domain_meets_every_dns_rule() -> None:
    facts = BulkFacts(True, True, False, True, (("192.0.2.1", "pass"),), (("192.0.2.1", True),))
    verdicts = evaluate(facts, TABLE)
    assert [v.receiver.id for v in verdicts] == ["gmail", "yahoo", "microsoft"]
    assert all(v.unmet == () and v.unknown == () for v in verdicts)
    assert set(verdicts[0].needs_input) == {"alignment", "tls", "unsubscribe", "spam_rate"}


def test_no_dkim_no_dmarc_unmet_at_every_receiver() -> None:
    unmet = by_receiver(BulkFacts(True, False, None, False))
    assert unmet == {"gmail": ("dkim", "dmarc"), "yahoo": ("dkim", "dmarc"), "microsoft": ("dkim", "dmarc")}
    assert reply(TABLE, "microsoft", "dkim") == "550 5.7.515"


def test_a_failed_lookup_is_unknown_not_unmet() -> None:
    verdict = evaluate(BulkFacts(None, None, None, None), TABLE)[0]
    assert verdict.unmet == () and set(verdict.unknown) == {"spf", "dkim", "dkim_key_size", "dmarc"}


def test_sending_addresses() -> None:
    facts = BulkFacts(True, True, False, True, (("192.0.2.1", "softfail"),), (("192.0.2.1", False),))
    assert by_receiver(facts)["gmail"] == ("sending_ip_spf", "ptr")
    assert by_receiver(facts)["microsoft"] == ("sending_ip_spf", "ptr")


def test_every_requirement_has_a_source_receiver_and_reply() -> None:
    assert all(r.sources for r in TABLE.receivers)
    for req in TABLE.requirements:
        assert req.rules and all(rule.reply and rule.scope in ("all", "bulk") for rule in req.rules)


def test_docs_page_is_generated_from_the_table() -> None:
    import pathlib

    from mailaudit.bulk.doc import render

    page = pathlib.Path(__file__).resolve().parents[2] / "docs" / "bulk-senders.md"
    assert page.read_text(encoding="utf-8") == render(TABLE), "regenerate: python -m mailaudit.bulk.doc"
