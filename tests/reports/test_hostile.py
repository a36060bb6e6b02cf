"""Hostile input: XML bombs and external entities, decompression bombs, MIME bombs, deep nesting, huge files."""

from __future__ import annotations

import resource
import zipfile
from pathlib import Path

from mailaudit.reports.aggregate import Ingested, ingest
from mailaudit.reports.limits import MIB, Limits
from mailaudit.reports.sources import iter_paths

from . import corpus


def run(root: Path, limits: Limits | None = None) -> Ingested:
    return ingest(iter_paths([str(root)], limits or Limits()), limits or Limits())


def one_error(root: Path, limits: Limits | None = None) -> str:
    result = run(root, limits)
    assert len(result.errors) == 1, result.errors
    return result.errors[0].error


def test_billion_laughs_refused(tmp_path: Path) -> None:
    (tmp_path / "lol.xml").write_bytes(corpus.BILLION_LAUGHS)
    assert "DTD" in one_error(tmp_path) or "orbidden" in one_error(tmp_path)


def test_external_entity_refused(tmp_path: Path) -> None:
    (tmp_path / "xxe.xml").write_bytes(corpus.EXTERNAL_ENTITY)
    assert "root:" not in one_error(tmp_path)


def test_gzip_bomb_refused_by_ratio(tmp_path: Path) -> None:
    (tmp_path / "bomb.xml.gz").write_bytes(corpus.zero_bomb(64))
    (tmp_path / "good.xml").write_bytes(corpus.raw("google.xml"))
    result = run(tmp_path)
    assert "ratio" in result.errors[0].error and result.domains[0].messages == 2835


def test_gzip_over_the_size_cap(tmp_path: Path) -> None:
    (tmp_path / "big.xml.gz").write_bytes(corpus.zero_bomb(3))
    assert "larger than" in one_error(tmp_path, Limits(max_document=2 * MIB))


def test_zip_bomb_with_lying_sizes(tmp_path: Path) -> None:
    """The member's declared size says 100 bytes; it inflates to 64 MiB. Declared sizes are not trusted."""
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("r.xml", b"<" + b"\0" * (64 * MIB))
    data = bytearray(path.read_bytes())
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (100).to_bytes(4, "little")  # uncompressed size in the central directory
    data[26 - 8 + 4:26 - 8 + 8] = (100).to_bytes(4, "little")  # and in the local header
    path.write_bytes(bytes(data))
    error = one_error(tmp_path)
    assert "ratio" in error or "larger" in error or "Bad" in error or "size" in error


def test_zip_with_too_many_members(tmp_path: Path) -> None:
    (tmp_path / "many.zip").write_bytes(corpus.zipped(**{f"{i}.xml": b"<x/>" for i in range(20)}))
    assert "members" in one_error(tmp_path, Limits(max_members=10))


def test_nested_archives(tmp_path: Path) -> None:
    data = corpus.raw("google.xml")
    for _ in range(12):
        data = corpus.gz(data)
    (tmp_path / "deep.gz").write_bytes(data)
    assert "nested" in one_error(tmp_path)


def test_deep_xml(tmp_path: Path) -> None:
    (tmp_path / "deep.xml").write_bytes(corpus.deep_xml(100_000))
    assert "deeper" in one_error(tmp_path)


def test_huge_text_node(tmp_path: Path) -> None:
    (tmp_path / "huge.xml").write_bytes(b"<feedback><report_metadata><org_name>" + b"A" * (6 * MIB) + b"</org_name>")
    assert "longer than" in one_error(tmp_path)


def test_mime_bomb(tmp_path: Path) -> None:
    inner = corpus.message(corpus.raw("google.xml"), "r.xml", "text/xml")
    msg = inner
    for i in range(40):
        msg = (f"From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n"
               ).encode() + msg + f"\n--b{i}--\n".encode()
    (tmp_path / "bomb.eml").write_bytes(msg)
    assert "MIME" in one_error(tmp_path)


def test_many_parts(tmp_path: Path) -> None:
    parts = "".join(f"--b\nContent-Type: text/plain\n\n{i}\n" for i in range(2000))
    (tmp_path / "parts.eml").write_bytes(
        f"From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n{parts}--b--\n".encode())
    assert "MIME" in one_error(tmp_path)


def test_escape_sequences_in_names_are_not_passed_on(tmp_path: Path) -> None:
    eml = corpus.message(b"\x1b]0;owned\x07junk", "\x1b[2Jevil.xml.gz")
    (tmp_path / "esc.eml").write_bytes(eml)
    error = run(tmp_path).errors[0]
    assert "\x1b" not in error.file and "\x1b" not in error.error and "\x07" not in error.error


def test_memory_stays_flat_with_a_big_bomb(tmp_path: Path) -> None:
    (tmp_path / "bomb.xml.gz").write_bytes(corpus.zero_bomb(512))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert "ratio" in one_error(tmp_path)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 200 * 1024
