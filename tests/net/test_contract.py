"""The contract's transport finding ids exist with their default severities, in both languages."""

from mailaudit.catalogue import Catalogue
from mailaudit.registry import CHECK_IDS

CONTRACT = {
    "mta_sts.policy.unreachable": "high", "mta_sts.mx.uncovered": "high", "mta_sts.mode.testing": "low",
    "tls_rpt.missing": "low", "bimi.dmarc.not_enforced": "medium", "bimi.logo.invalid": "medium",
}


def test_contract_ids_and_severities() -> None:
    for lang in ("en", "id"):
        catalogue = Catalogue.load(lang)
        assert {i: catalogue.spec(i).severity.value for i in CONTRACT} == CONTRACT


def test_checks_registered_in_contract_order() -> None:
    order = [c for c in CHECK_IDS if c in ("mx", "spf", "dmarc", "dkim", "dnsbl", "mta_sts", "tls_rpt", "bimi")]
    assert order == ["mx", "spf", "dmarc", "dkim", "dnsbl", "mta_sts", "tls_rpt", "bimi"]
