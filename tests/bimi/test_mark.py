import datetime as dt
import gzip
import pathlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mailaudit.bimi import mark
from tests.bimi.marks import TestMVA

GOOD = (pathlib.Path(__file__).parent / "data" / "good.svg").read_bytes()
DOMAINS = ["example.com"]


@pytest.fixture(scope="module")
def mva() -> TestMVA:
    return TestMVA()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def codes(report: mark.MarkReport) -> list[str]:
    return [p.code for p in report.problems]


def test_valid_vmc(mva: TestMVA) -> None:
    report = mark.check(mva.issue(["example.com"], GOOD), DOMAINS, GOOD, now(), roots=[mva.cert])
    assert report.valid and report.problems == () and report.kind == "VMC"
    assert report.names == ("example.com",)


def test_cmc_and_svgz_logo(mva: TestMVA) -> None:
    report = mark.check(mva.issue(["example.com"], GOOD, mark="Prior Use Mark"), DOMAINS, gzip.compress(GOOD),
                        now(), roots=[mva.cert])
    assert report.valid and report.kind == "CMC"


def test_without_roots_issuer_is_unverified_not_invalid(mva: TestMVA) -> None:
    report = mark.check(mva.issue(["example.com"], GOOD), DOMAINS, GOOD, now())
    assert report.valid and codes(report) == ["mark.issuer.unverified"]


def test_other_root_is_untrusted(mva: TestMVA) -> None:
    report = mark.check(mva.issue(["example.com"], GOOD), DOMAINS, GOOD, now(), roots=[TestMVA().cert])
    assert codes(report) == ["mark.issuer.untrusted"]


def test_broken_chain(mva: TestMVA) -> None:
    leaf = mva.issue(["example.com"], GOOD).split(b"-----END CERTIFICATE-----")[0] + b"-----END CERTIFICATE-----\n"
    other = TestMVA().cert.public_bytes(serialization.Encoding.PEM)
    report = mark.check(leaf + other, DOMAINS, GOOD, now(), roots=[mva.cert])
    assert codes(report)[0] == "mark.chain.broken"


@pytest.mark.parametrize(
    ("kwargs", "logo", "code"),
    [
        ({"expired": True}, GOOD, "mark.expired"),
        ({"days": 5}, GOOD, "mark.expiring"),
        ({"eku": False}, GOOD, "mark.eku"),
        ({"names": ["other.example"]}, GOOD, "mark.name_mismatch"),
        ({}, GOOD.replace(b"#0055aa", b"#ff0000"), "mark.logo.mismatch"),
        ({"svg": None}, GOOD, "mark.logotype.missing"),
    ],
)
def test_problems(mva: TestMVA, kwargs: dict[str, object], logo: bytes, code: str) -> None:
    names = kwargs.pop("names", ["example.com"])
    svg = kwargs.pop("svg", GOOD)
    report = mark.check(mva.issue(names, svg, **kwargs), DOMAINS, logo, now(), roots=[mva.cert])  # type: ignore[arg-type]
    assert code in codes(report)


def test_org_domain_name_counts(mva: TestMVA) -> None:
    report = mark.check(mva.issue(["example.com"], GOOD), ["news.example.com", "example.com"], GOOD, now(),
                        roots=[mva.cert])
    assert report.valid


def test_garbage() -> None:
    assert codes(mark.check(b"not a pem", DOMAINS, None, now())) == ["mark.unreadable"]


def test_embedded_logo_round_trip(mva: TestMVA) -> None:
    leaf = x509.load_pem_x509_certificates(mva.issue(["example.com"], GOOD))[0]
    assert mark.embedded_logo(leaf) == GOOD
