"""Trust anchors: the built-in root KSKs and --trust-anchor files (DS or DNSKEY, zone-file format)."""

from __future__ import annotations

import asyncio
import pathlib

import dns.name
import dns.rdatatype
import pytest

from mailaudit.dnssec.anchors import TrustAnchorError, load_anchors, root_anchors
from mailaudit.dnssec.model import Status
from mailaudit.dnssec.validator import Validator

from .fetcher import DirectFetch
from .signedserver import SignedServer
from .signing import World


def test_built_in_root_anchors_are_ksk_2017_and_ksk_2024() -> None:
    (anchor,) = root_anchors().anchors
    assert anchor.zone == dns.name.root
    assert sorted(ds.key_tag for ds in anchor.ds) == [20326, 38696]
    assert {ds.algorithm for ds in anchor.ds} == {8} and {ds.digest_type for ds in anchor.ds} == {2}


def test_ds_file_with_ttl_comments_and_several_zones(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "anchors"
    path.write_text(
        "; my lab\n$TTL 3600\n. DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
        "lab.example. IN DS 1 13 2 " + "00" * 32 + "\n"
    )
    anchors = load_anchors(path)
    assert [a.zone.to_text() for a in anchors.anchors] == [".", "lab.example."]
    assert anchors.closest(dns.name.from_text("mx.lab.example.")).zone.to_text() == "lab.example."  # type: ignore[union-attr]
    assert anchors.closest(dns.name.from_text("other.example.")).zone == dns.name.root  # type: ignore[union-attr]


def test_dnskey_anchor_validates_the_tree(tmp_path: pathlib.Path, signed_server: object, world: World) -> None:
    path = tmp_path / "root.key"
    path.write_text(f". 172800 IN DNSKEY {world.keys['.'].dnskey.to_text()}\n")
    server: SignedServer = signed_server()  # type: ignore[operator]

    async def run() -> Status:
        validator = Validator(DirectFetch(server.host, server.port), load_anchors(path), clock=lambda: world.now)
        return (await validator.validate(dns.name.from_text("example.test."), dns.rdatatype.MX)).status

    assert asyncio.run(run()) is Status.SECURE


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no DS or DNSKEY record"),
        (b"; only a comment\n", "no DS or DNSKEY record"),
        (b". DS 20326 8 2\n", "expecting another identifier"),
        (b"this is not a zone file {\n", "not DS/DNSKEY records in zone-file format"),
        (b"example. A 192.0.2.1\n", "A record; only DS or DNSKEY"),
        (b"example. DNSKEY 256 3 13 " + b"A" * 88 + b"\n", None),
        (b"example. DNSKEY 0 3 13 " + b"A" * 88 + b"\n", "without the zone flag"),
        (b"\xff\xfe\x00garbage", "not UTF-8 text"),
        (b". CH DS 20326 8 2 00\n", None),
    ],
)
def test_bad_anchor_files_give_one_line(tmp_path: pathlib.Path, content: bytes, message: str | None) -> None:
    path = tmp_path / "anchor.txt"
    path.write_bytes(content)
    if message is None:  # acceptable, or refused with a one-line reason: never a traceback
        try:
            load_anchors(path)
        except TrustAnchorError as err:
            assert "\n" not in str(err)
        return
    with pytest.raises(TrustAnchorError) as err:
        load_anchors(path)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert str(err.value).startswith(str(path))


def test_missing_and_huge_files(tmp_path: pathlib.Path) -> None:
    with pytest.raises(TrustAnchorError, match="cannot read"):
        load_anchors(tmp_path / "nope")
    big = tmp_path / "big"
    big.write_bytes(b";" * (2 << 20))
    with pytest.raises(TrustAnchorError, match="too large"):
        load_anchors(big)
    with pytest.raises(TrustAnchorError, match="cannot read"):
        load_anchors(tmp_path)
