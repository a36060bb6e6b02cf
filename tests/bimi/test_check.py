"""The bimi check end to end: real DNS server, real HTTPS server, a mark certificate made by a test MVA."""

from __future__ import annotations

import collections.abc
import pathlib

import pytest
from cryptography.hazmat.primitives import serialization

from mailaudit.model import Status
from tests.bimi.marks import TestMVA
from tests.transportrig import Rig, make_rig

GOOD = (pathlib.Path(__file__).parent / "data" / "good.svg").read_bytes()
LOGO = "https://brand-assets.test/logo.svg"
PEM = "https://brand-assets.test/vmc.pem"


@pytest.fixture(scope="module")
def mva() -> TestMVA:
    return TestMVA()


@pytest.fixture()
def brig(tmp_path: pathlib.Path, mva: TestMVA) -> collections.abc.Iterator[Rig]:
    yield from make_rig(tmp_path, "127.0.0.7", mva.cert.public_bytes(serialization.Encoding.PEM))


def publish(rig: Rig, mva: TestMVA, domain: str = "brand.test", *, dmarc: str = "v=DMARC1; p=reject",
            svg: bytes = GOOD, mark: bytes | None = None, record: str | None = None) -> None:
    rig.dns.add(f"_dmarc.{domain}.", "TXT", f'"{dmarc}"')
    rig.dns.add(f"default._bimi.{domain}.", "TXT", f'"{record or f"v=BIMI1; l={LOGO}; a={PEM}"}"')
    rig.web("brand-assets.test")
    rig.https.serve("brand-assets.test", "/logo.svg", svg, content_type="image/svg+xml")
    chain = mark if mark is not None else mva.issue(["brand.test"], GOOD)
    rig.https.serve("brand-assets.test", "/vmc.pem", chain, content_type="application/pem-certificate-chain")


def ids(rig: Rig, domain: str = "brand.test") -> list[tuple[str, str]]:
    return [(f.id, f.variant) for f in rig.audit(domain, "bimi").check("bimi").findings]


def test_good_bimi_passes_with_contract_data(brig: Rig, mva: TestMVA) -> None:
    publish(brig, mva)
    result = brig.audit("brand.test", "bimi").check("bimi")
    assert result.status is Status.PASS and result.findings == (), result.findings
    assert dict(result.data) == {"record": f"v=BIMI1; l={LOGO}; a={PEM}",
                                 "logo": {"url": LOGO, "fetched": True, "problems": []}}


def test_dmarc_not_enforced_at_the_organizational_domain(brig: Rig, mva: TestMVA) -> None:
    publish(brig, mva, "news.brand.test", dmarc="v=DMARC1; p=reject")
    brig.dns.add("_dmarc.brand.test.", "TXT", '"v=DMARC1; p=none; rua=mailto:d@brand.test"')
    report = brig.audit("news.brand.test", "bimi")
    [finding] = [f for f in report.check("bimi").findings if f.id == "bimi.dmarc.not_enforced"]
    assert finding.variant == "organizational_domain" and finding.severity.value == "medium"
    assert finding.fix is not None
    assert [(r.name, r.value) for r in finding.fix.records] == [
        ("_dmarc.brand.test.", "v=DMARC1; p=quarantine; rua=mailto:d@brand.test")]


@pytest.mark.parametrize("dmarc", ["v=DMARC1; p=none", "v=DMARC1; p=quarantine; pct=50",
                                   "v=DMARC1; p=reject; sp=none", "v=DMARC1; p=reject; t=y"])
def test_dmarc_not_enforced_at_the_domain(brig: Rig, mva: TestMVA, dmarc: str) -> None:
    publish(brig, mva, dmarc=dmarc)
    assert ("bimi.dmarc.not_enforced", "domain") in ids(brig)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [(b"<rect", b"<script>alert(1)</script><rect", "svg.script"),
     (b"<rect", b'<image href="https://tracker.test/p.png"/><rect', "svg.external_ref"),
     (b'baseProfile="tiny-ps"', b'baseProfile="tiny"', "svg.profile")],
)
def test_logo_not_svg_tiny_ps(brig: Rig, mva: TestMVA, old: bytes, new: bytes, problem: str) -> None:
    publish(brig, mva, svg=GOOD.replace(old, new))
    result = brig.audit("brand.test", "bimi").check("bimi")
    got = {f.id for f in result.findings}
    assert "bimi.logo.invalid" in got and "bimi.mark.invalid" in got  # the certificate embeds another logo
    logo = dict(result.data)["logo"]
    assert logo["fetched"] is True and problem in logo["problems"]


def test_logo_404(brig: Rig, mva: TestMVA) -> None:
    publish(brig, mva)
    brig.https.serve("brand-assets.test", "/logo.svg", "gone", status=404)
    result = brig.audit("brand.test", "bimi").check("bimi")
    assert ("bimi.logo.unreachable", "http_status") in [(f.id, f.variant) for f in result.findings]
    assert dict(result.data)["logo"] == {"url": LOGO, "fetched": False, "problems": ["fetch.http_status"]}


def test_logo_host_that_never_answers_is_an_error(brig: Rig, mva: TestMVA) -> None:
    publish(brig, mva)
    brig.https.hang("brand-assets.test")
    result = brig.audit("brand.test", "bimi").check("bimi")
    assert result.status is Status.ERROR and not [f for f in result.findings if f.id.startswith("bimi.logo")]


@pytest.mark.parametrize(("kwargs", "problem"), [({"expired": True}, "mark.expired"),
                                                 ({"names": ["other.test"]}, "mark.name_mismatch")])
def test_mark_certificate_problems(brig: Rig, mva: TestMVA, kwargs: dict[str, object], problem: str) -> None:
    names = kwargs.pop("names", ["brand.test"])
    publish(brig, mva, mark=mva.issue(names, GOOD, **kwargs))  # type: ignore[arg-type]
    [finding] = brig.audit("brand.test", "bimi").check("bimi").findings
    assert finding.id == "bimi.mark.invalid" and problem in finding.detail


def test_untrusted_mark_issuer(brig: Rig, mva: TestMVA) -> None:
    publish(brig, mva, mark=TestMVA().issue(["brand.test"], GOOD))
    [finding] = brig.audit("brand.test", "bimi").check("bimi").findings
    assert finding.id == "bimi.mark.invalid" and "mark.issuer.untrusted" in finding.detail


def test_no_mark_certificate_is_info(brig: Rig, mva: TestMVA) -> None:
    publish(brig, mva, record=f"v=BIMI1; l={LOGO}")
    assert ids(brig) == [("bimi.mark.missing", "default")]


def test_record_at_the_organizational_domain_is_found(brig: Rig, mva: TestMVA) -> None:
    publish(brig, mva)
    brig.dns.add("_dmarc.shop.brand.test.", "TXT", '"v=DMARC1; p=reject"')
    result = brig.audit("shop.brand.test", "bimi").check("bimi")
    assert dict(result.data)["record"] == f"v=BIMI1; l={LOGO}; a={PEM}"
    assert result.status is Status.PASS, result.findings


def test_invalid_record_and_declination(brig: Rig, mva: TestMVA) -> None:
    publish(brig, mva, record="v=BIMI1; l=http://brand-assets.test/logo.svg")
    assert ids(brig) == [("bimi.record.invalid", "l_invalid")]
    assert brig.https.connections == 0


def test_declined(brig: Rig, mva: TestMVA) -> None:
    publish(brig, mva, dmarc="v=DMARC1; p=none", record="v=BIMI1; l=;")
    assert ids(brig) == [] and brig.https.connections == 0


def test_no_record(brig: Rig) -> None:
    result = brig.audit("brand.test", "bimi").check("bimi")
    assert result.status is Status.PASS and dict(result.data) == {"record": None, "logo": None}


def test_shared_logo_fetched_once_for_many_domains(brig: Rig, mva: TestMVA) -> None:
    import asyncio

    from mailaudit import Auditor

    for domain in ("brand.test", "brand2.test", "brand3.test"):
        publish(brig, mva, domain)

    async def batch() -> list[object]:
        auditor = Auditor(resolver=brig.resolver(), options=brig.options(("bimi",)))
        return [r async for r in auditor.audit_many(["brand.test", "brand2.test", "brand3.test"])]

    assert len(asyncio.run(batch())) == 3
    assert brig.https.requests[("brand-assets.test", "/logo.svg")] == 1
    assert brig.https.requests[("brand-assets.test", "/vmc.pem")] == 1


def test_no_connection_to_loopback_without_allow(brig: Rig, mva: TestMVA) -> None:
    publish(brig, mva)
    result = brig.audit("brand.test", "bimi", allow_private_targets=False).check("bimi")
    assert brig.https.connections == 0
    assert dict(result.data)["logo"] == {"url": LOGO, "fetched": False, "problems": []}
    assert any("--allow-private-targets" in n for n in result.notes)
