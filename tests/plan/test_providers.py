"""The provider table: every entry loads, names its sources, and fills its templates."""

from __future__ import annotations

import pathlib
import re

import pytest

from mailaudit.plan.providers import ProviderError, filter_hosts, load, relay_include, relay_records
from mailaudit.plan.words import load as load_words

PLAN = pathlib.Path(__file__).resolve().parents[2] / "mailaudit" / "plan"


def test_every_entry_has_sources_and_fills_with_its_defaults_or_says_what_is_missing() -> None:
    table = load()
    assert {"relaycloud", "microsoft365", "mimecast"} <= set(table.filters)
    for item in table.filters.values():
        assert item.sources, item.key
        hosts = filter_hosts(item, "contoh.example", {"region": "eu"})
        assert hosts and all(h.host.endswith(".") for h in hosts)
    for relay in table.relays.values():
        assert relay.sources, relay.key
        given = {p.name: "x1" for p in relay.params}
        assert "." in relay_include(relay, "contoh.example", given)
        relay_records(relay, "contoh.example", given)


def test_templates() -> None:
    table = load()
    assert [h.host for h in filter_hosts(table.filters["microsoft365"], "pt-abc.co.id", {})] == [
        "pt-abc-co-id.mail.protection.outlook.com."]
    assert next(h.host for h in filter_hosts(table.filters["mimecast"], "x.example", {"region": "us"})) == \
        "us-smtp-inbound-1.mimecast.com."
    records = relay_records(table.relays["microsoft365"], "pt-abc.co.id", {"tenant_domain": "ptabc.onmicrosoft.com"})
    assert records[0].name == "selector1._domainkey.pt-abc.co.id."
    assert records[0].value == "selector1-pt-abc-co-id._domainkey.ptabc.onmicrosoft.com."
    with pytest.raises(ProviderError, match="tenant_domain"):
        relay_records(table.relays["microsoft365"], "pt-abc.co.id", {})


@pytest.mark.parametrize("text", ["[filter.x]\nname='x'\n", "not toml [", "[filter.x]\nname='x'\nlock='a'\nmx=[]\n",
                                  "[filter.x]\nname='x'\nlock='a'\nmx=[{preference=1,host='a.b'}]\nrelay='nope'\n"])
def test_broken_tables_are_one_error(text: str) -> None:
    with pytest.raises(ProviderError):
        load(text)


def test_both_languages_have_every_text_the_code_uses() -> None:
    en, id_ = load_words("en"), load_words("id")
    assert set(en.table) == set(id_.table)
    assert all(en.table[k] != id_.table[k] for k in en.table if not k.endswith(("plan.ui.steps",)))
    source = "\n".join(p.read_text() for p in PLAN.glob("*.py"))
    used = set(re.findall(r'"(plan\.[a-z_]+\.[a-z_]+)"', source))
    assert used and used <= set(en.table)
    for prefix, names in (("plan.lock.", {i.lock for i in load().filters.values()} | {"generic"}),
                          ("plan.action.recipients_", {"callout", "directory", "generic"}),
                          ("plan.why.drop_", {"ptr", "duplicate", "inbound_mx"}),
                          ("plan.proof.", {"mx_ttl_at_most", "smtp", "message", "reports", "dkim_key"})):
        assert {prefix + n for n in names} <= set(en.table)
