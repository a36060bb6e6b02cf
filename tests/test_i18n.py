"""Every finding in the English catalogue has a complete Bahasa Indonesia translation, and the
report language reaches every format."""

from __future__ import annotations

import pathlib
import re
import tomllib

import pytest

from mailaudit.catalogue import PACKAGE, Catalogue, catalogue_files
from mailaudit.registry import CHECKS
from mailaudit.render import RenderOptions, render

from .reportdata import failing_report

TEXT_KEYS = ("title", "description", "risk", "remediation")
VARIANT_KEYS = ("detail", "fix")
FIELD = re.compile(r"\{([a-z_]+)\}")


def raw(lang: str) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for path in catalogue_files(PACKAGE, lang):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        data.pop("_words", None)
        out.update(data)
    return out


def words(lang: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in catalogue_files(PACKAGE, lang):
        for section, table in tomllib.loads(path.read_text(encoding="utf-8")).get("_words", {}).items():
            out.setdefault(section, set()).update(table)
    return out


def variants(entry: dict[str, object], key: str) -> dict[str, str]:
    value = entry.get(key, {})
    return {"default": value} if isinstance(value, str) else dict(value)  # type: ignore[arg-type]


ENGLISH = raw("en")


@pytest.mark.parametrize("finding_id", sorted(ENGLISH))
def test_finding_is_translated(finding_id):
    translated = raw("id").get(finding_id)
    assert translated is not None, f"{finding_id}: no Bahasa Indonesia translation in a catalogue/id.toml"
    english = ENGLISH[finding_id]
    for key in TEXT_KEYS:
        if english.get(key):
            assert translated.get(key), f"{finding_id}: {key} is not translated"
            assert translated[key] != english[key], f"{finding_id}: {key} is still English"
    for key in VARIANT_KEYS:
        wanted, have = variants(english, key), variants(translated, key)
        missing = sorted(set(wanted) - set(have))
        assert not missing, f"{finding_id}: {key} variants not translated: {missing}"
        for name, text in wanted.items():
            assert set(FIELD.findall(have[name])) == set(FIELD.findall(text)), \
                f"{finding_id}: {key}.{name} must use the same {{fields}} as the English text"


def test_no_translation_of_an_unknown_id():
    assert sorted(set(raw("id")) - set(ENGLISH)) == []


def test_translation_files_only_hold_text():
    for path in catalogue_files(PACKAGE, "id"):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        data.pop("_words", None)
        for fid, entry in data.items():
            extra = set(entry) - {*TEXT_KEYS, *VARIANT_KEYS, "severity_note"}
            assert not extra, f"{path.name} {fid}: {extra} belong in the English file only"


def test_catalogue_builds_indonesian_findings():
    catalogue = Catalogue.load("id")
    finding = catalogue.make("mx.missing", "contoh.example", params={"domain": "contoh.example"})
    assert finding.title == raw("id")["mx.missing"]["title"]
    assert finding.severity.value == "high"  # severity and references stay from English


def test_localize_turns_a_report_into_indonesian():
    english = Catalogue.load("en").make("mx.host.cname", "mx.contoh.example",
                                        params={"domain": "contoh.example", "target": "host.example"})
    indonesian = Catalogue.load("id").localize(english)
    assert indonesian.title != english.title and "host.example" in indonesian.detail


def test_ui_words_exist_in_both_languages():
    english, indonesian = words("en"), words("id")
    for section, keys in english.items():  # every word of every section, the CLI's and plan's included
        assert indonesian.get(section) == keys, f"_words.{section}: {sorted(keys ^ indonesian.get(section, set()))}"
    # a table only the translation has maps English data (a blocklist's code meanings) to Indonesian
    for check in CHECKS:  # every registered check has a label in both languages
        for lang in ("en", "id"):
            assert check.id in Catalogue.load(lang).words("checks"), f"{check.id}: no label in {lang}"
    for fmt in ("html", "markdown", "junit"):
        text = render(fmt, [failing_report()], RenderOptions(lang="id"))
        assert text  # every renderer takes the language
    assert "Laporan keamanan e-mail" in render("html", [failing_report()], RenderOptions(lang="id"))


def test_docs_mention_languages():
    docs = pathlib.Path(__file__).resolve().parent.parent / "docs" / "reports.md"
    assert "--lang id" in docs.read_text(encoding="utf-8")


# -- Indonesian as an Indonesian administrator writes it (docs/glossary-id.md) ----------------

BANNED_ID = ("Terbitkan", "host surat", "mengirim surat", "menerima surat",
             "terbitkan", "server surat", "Server surat", "me-resolve", "paling-paling",
             "meminta 2048", "meminta setidaknya 2048", "penyebab pencantuman", "tandatangani dengannya",
             "kurang menghargainya", "di mana-mana", "menggagalkan pemeriksaan")


def test_indonesian_texts_avoid_the_phrases_the_glossary_rules_out():
    for path in catalogue_files(PACKAGE, "id"):
        text = path.read_text(encoding="utf-8")
        found = [p for p in BANNED_ID if p in text]
        assert not found, f"{path}: {found} (see docs/glossary-id.md)"


ENGLISH_UI = ("[high]", "[medium]", "HIGH", "MEDIUM",
              "evidence:", "fix:", "publish:", "remove:", "finding(s)", "worst ", "No findings", "Why it matters",
              "Fix plan", "Before the next step", "grade ", "Checks", "findings", "problems to fix", "Start with",
              "Prepared by", "severity", "subject")


def test_every_format_of_check_and_fix_speaks_indonesian():
    import subprocess
    import sys

    zones = pathlib.Path(__file__).resolve().parent.parent / "examples" / "zones"
    base = [sys.executable, "-m", "mailaudit"]
    runs = [[*base, "check", "batikmurni.example", "--format", fmt] for fmt in ("table", "markdown", "html")]
    runs += [[*base, "fix", "batikmurni.example"], [*base, "spf", "batikmurni.example", "--format", "table"]]
    for argv in runs:
        out = subprocess.run([*argv, "--offline", "--zone", str(zones), "--lang", "id", "--brand", "x"]
                             if argv[3] == "check" else [*argv, "--offline", "--zone", str(zones), "--lang", "id"],
                             capture_output=True, text=True, timeout=120).stdout
        assert out, argv
        out = re.sub(r"(?s)<style>.*?</style>|<[^>]+>", " ", out)  # what a reader sees, not class names
        left = [w for w in ENGLISH_UI if w in out]
        assert not left, f"{argv[3:5]}: English left under --lang id: {left}"
