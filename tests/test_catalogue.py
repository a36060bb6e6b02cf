"""The catalogue is the single source of finding metadata: every id code emits is in it, every
id in it is emitted by some check, every entry is complete, and docs/findings.md matches it."""

from __future__ import annotations

import ast
import pathlib
import re

from mailaudit.catalogue import Catalogue
from mailaudit.catalogue.doc import render_catalogue
from mailaudit.model import Severity
from mailaudit.registry import check_of_finding

ROOT = pathlib.Path(__file__).resolve().parent.parent
SRC = ROOT / "mailaudit"
ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")  # first label too: mta_sts, tls_rpt
CHECK_PREFIXES = tuple({fid.split(".")[0] for fid in Catalogue.load().specs})  # ids of every catalogued family


def _literal_ids() -> set[str]:
    """String constants in the source that look like finding ids of a known check."""
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and ID_RE.match(node.value)
                and node.value.split(".")[0] in CHECK_PREFIXES
            ):
                found.add(node.value)
    return found


def _emitted_ids() -> set[str]:
    """First arguments of ``out.add(...)`` calls (the way checks emit findings)."""
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "add"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def test_every_emitted_id_is_catalogued():
    catalogue = Catalogue.load()
    missing = sorted(i for i in _emitted_ids() if i not in catalogue)
    assert missing == [], f"finding ids used in checks but absent from the catalogue: {missing}"


def test_every_catalogued_id_is_used_by_code():
    catalogue = Catalogue.load()
    used = _literal_ids()
    unused = sorted(i for i in catalogue.specs if i not in used)
    assert unused == [], f"catalogue ids no check emits: {unused}"


def test_entries_are_complete():
    catalogue = Catalogue.load()
    for spec in catalogue.specs.values():
        assert spec.check, spec.id
        assert isinstance(spec.severity, Severity), spec.id
        for field in ("title", "description", "remediation"):
            assert getattr(spec, field).strip(), f"{spec.id}: empty {field}"
        assert spec.detail.get("default"), f"{spec.id}: no default detail"
        owner = check_of_finding(spec.id)
        if owner is not None:  # a registered check's family: the catalogue names that check
            assert spec.check == owner.id, f"{spec.id}: check {spec.check!r}, registry says {owner.id!r}"


def test_contract_ids_exist():
    contract = [
        "mx.missing", "mx.null", "mx.host.unresolvable", "mx.host.cname", "mx.host.ip_literal", "mx.host.ptr",
        "spf.missing", "spf.multiple", "spf.syntax", "spf.all.pass", "spf.all.neutral", "spf.all.softfail",
        "spf.all.missing", "spf.lookups.exceeded", "spf.void.exceeded", "spf.include.missing", "spf.ptr",
        "dmarc.missing", "dmarc.multiple", "dmarc.syntax", "dmarc.policy.none", "dmarc.pct.partial",
        "dmarc.subdomain.weaker", "dmarc.rua.missing", "dmarc.rua.unauthorized", "dkim.not_found",
        "dkim.key.weak", "dkim.key.testing", "dkim.key.revoked", "spf.ip.not_authorized", "ip.ptr",
        "dnsbl.ip.listed", "dnsbl.domain.listed", "dnsbl.query.refused",
    ]
    catalogue = Catalogue.load()
    absent = [i for i in contract if i not in catalogue]
    assert absent == []


def test_findings_doc_is_in_sync():
    expected = render_catalogue(Catalogue.load())
    actual = (ROOT / "docs" / "findings.md").read_text()
    assert actual == expected, "docs/findings.md is stale: python -m mailaudit.catalogue.doc > docs/findings.md"


CONTRACT_SEVERITY = {
    "mx.missing": "high", "mx.null": "info", "mx.host.unresolvable": "high", "mx.host.cname": "medium",
    "mx.host.ip_literal": "high", "mx.host.ptr": "low", "spf.missing": "high", "spf.multiple": "high",
    "spf.syntax": "high", "spf.all.pass": "critical", "spf.all.neutral": "medium", "spf.all.missing": "medium",
    "spf.lookups.exceeded": "high", "spf.void.exceeded": "high", "spf.include.missing": "high",
    "spf.ptr": "medium", "dmarc.missing": "high", "dmarc.multiple": "high", "dmarc.syntax": "high",
    "dmarc.policy.none": "medium", "dmarc.pct.partial": "low", "dmarc.subdomain.weaker": "medium",
    "dmarc.rua.missing": "low", "dmarc.rua.unauthorized": "medium", "dkim.not_found": "medium",
    "dkim.key.testing": "low", "dkim.key.revoked": "info", "spf.ip.not_authorized": "high", "ip.ptr": "medium",
    "dnsbl.ip.listed": "high", "dnsbl.domain.listed": "high", "dnsbl.query.refused": "info",
}


def test_contract_default_severities():
    catalogue = Catalogue.load()
    wrong = {i: catalogue.spec(i).severity.value for i, sev in CONTRACT_SEVERITY.items()
             if catalogue.spec(i).severity.value != sev}
    assert wrong == {}
    assert catalogue.spec("spf.all.softfail").severity.value in ("medium", "low")
    assert catalogue.spec("dkim.key.weak").severity.value in ("high", "medium")
