"""The finding catalogue: each finding id's title, severity, texts, fix and references.

Every package that shows words to a person keeps them in its own ``catalogue/<lang>.toml``
(``mailaudit/spf/catalogue/en.toml``, ``mailaudit/render/catalogue/id.toml``...), apart from its
logic. A top-level table is a finding id; the reserved ``_words`` table holds the other words
(``_words.ui`` for renderers, ``_words.plan`` for the fix plan, ``_words.checks`` for a check's
label...). Translations have the same keys. Checks never write finding text themselves: they
name an id, a variant and parameters, and the catalogue builds the sentence in the report's
language. This is the one translation mechanism of the package.
"""

from __future__ import annotations

import functools
import pathlib
import string
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from mailaudit.errors import InputError
from mailaudit.model import DnsRecord, Finding, Fix, Severity

HERE = pathlib.Path(__file__).resolve().parent
PACKAGE = HERE.parent  # the mailaudit package: every */catalogue/<lang>.toml beneath it
LANGUAGES = ("en", "id")
BASE_LANGUAGE = "en"


@dataclass(frozen=True, slots=True)
class Spec:
    """One finding id's metadata in one language."""

    id: str
    check: str
    severity: Severity
    title: str
    description: str
    risk: str
    remediation: str
    detail: Mapping[str, str]  # variant -> template
    fix: Mapping[str, str]  # variant -> template of the fix summary
    references: tuple[str, ...] = ()
    severity_note: str = ""  # when the default severity changes with context


class _Keep(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, params: Mapping[str, str]) -> str:
    """``str.format_map`` that leaves unknown ``{name}`` fields as they are."""
    try:
        return string.Formatter().vformat(template, (), _Keep(params))
    except (ValueError, IndexError):
        return template


class Catalogue:
    def __init__(
        self, specs: Mapping[str, Spec], lang: str = BASE_LANGUAGE, words: Mapping[str, Mapping[str, str]] | None = None
    ) -> None:
        self.specs = dict(specs)
        self.lang = lang
        self._words = {section: MappingProxyType(dict(table)) for section, table in (words or {}).items()}

    @classmethod
    def load(cls, lang: str = BASE_LANGUAGE, folder: pathlib.Path = PACKAGE) -> Catalogue:
        if lang not in LANGUAGES:
            raise InputError(f"unknown report language {lang!r} (choose from {', '.join(LANGUAGES)})")
        specs, words = _tables(folder, lang)
        return cls(specs, lang, words)

    def words(self, section: str) -> Mapping[str, str]:
        """The ``_words.<section>`` table in this language (English for a word not translated)."""
        return self._words.get(section, MappingProxyType({}))

    def __contains__(self, finding_id: object) -> bool:
        return finding_id in self.specs

    def spec(self, finding_id: str) -> Spec:
        try:
            return self.specs[finding_id]
        except KeyError:
            raise KeyError(f"finding id {finding_id!r} is not in the catalogue") from None

    def make(
        self,
        finding_id: str,
        subject: str,
        *,
        variant: str = "default",
        severity: Severity | None = None,
        evidence: Iterable[str] = (),
        records: Iterable[DnsRecord] = (),
        remove: Iterable[DnsRecord] = (),
        params: Mapping[str, object] | None = None,
    ) -> Finding:
        spec = self.spec(finding_id)
        values = {k: str(v) for k, v in (params or {}).items()}
        values.setdefault("subject", subject)
        records, remove = tuple(records), tuple(remove)
        fix_text = spec.fix.get(variant, spec.fix.get("default", ""))
        fix = Fix(fill(fix_text, values), records, remove) if fix_text or records or remove else None
        return Finding(
            id=finding_id,
            subject=subject,
            severity=severity or spec.severity,
            title=fill(spec.title, values),
            detail=fill(spec.detail.get(variant, spec.detail.get("default", "")), values),
            evidence=tuple(evidence),
            fix=fix,
            variant=variant,
            params=tuple(sorted(values.items())),
        )

    def localize(self, finding: Finding) -> Finding:
        """The same finding with its texts taken from this catalogue's language."""
        if finding.id not in self.specs:
            return finding
        spec = self.specs[finding.id]
        values = dict(finding.params)
        fix = finding.fix
        if fix is not None:
            template = spec.fix.get(finding.variant, spec.fix.get("default"))
            fix = Fix(fill(template, values), fix.records, fix.remove) if template else fix
        return Finding(
            id=finding.id,
            subject=finding.subject,
            severity=finding.severity,
            title=fill(spec.title, values),
            detail=fill(spec.detail.get(finding.variant, spec.detail.get("default", "")), values),
            evidence=finding.evidence,
            fix=fix,
            variant=finding.variant,
            params=finding.params,
        )


@functools.lru_cache(maxsize=8)
def _tables(folder: pathlib.Path, lang: str) -> tuple[Mapping[str, Spec], Mapping[str, Mapping[str, str]]]:
    """The finding specs and word tables of ``lang`` (English beneath it), parsed once per process.

    The package's catalogue files do not change while it runs, and parsing them all takes tens of
    milliseconds, which renderers and the fix plan would otherwise pay per domain; the memo holds
    only immutable package data, no run state."""
    base, words = _read_tree(folder, BASE_LANGUAGE)
    if lang != BASE_LANGUAGE:
        texts, translated = _read_tree(folder, lang)
        for fid, text in texts.items():
            if fid in base:
                base[fid] = _merge(base[fid], text)
        for section, table in translated.items():
            words[section] = {**words.get(section, {}), **table}
    specs = MappingProxyType({fid: _spec(fid, raw) for fid, raw in base.items()})
    return specs, MappingProxyType({section: MappingProxyType(table) for section, table in words.items()})


def catalogue_files(folder: pathlib.Path, lang: str) -> list[pathlib.Path]:
    """Every package's catalogue file for ``lang``, in a stable order."""
    return sorted(folder.glob(f"*/catalogue/{lang}.toml"))


def _read_tree(folder: pathlib.Path, lang: str) -> tuple[dict[str, dict[str, object]], dict[str, dict[str, str]]]:
    """Finding tables and word tables of every catalogue file of ``lang`` under ``folder``."""
    out: dict[str, dict[str, object]] = {}
    words: dict[str, dict[str, str]] = {}
    for path in catalogue_files(folder, lang):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        for section, table in dict(data.pop("_words", {})).items():
            merged = words.setdefault(section, {})
            for key, value in dict(table).items():
                if key in merged:
                    raise ValueError(f"{path}: word {section}.{key} defined twice")
                merged[key] = str(value)
        for fid, raw in data.items():
            if fid in out:
                raise ValueError(f"{path}: finding id {fid} defined twice")
            out[fid] = dict(raw)
    return out, words


def _merge(base: dict[str, object], text: dict[str, object]) -> dict[str, object]:
    merged = dict(base)
    for key, value in text.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}  # type: ignore[dict-item]
        else:
            merged[key] = value
    return merged


def _spec(fid: str, raw: Mapping[str, object]) -> Spec:
    def text(key: str) -> str:
        value = raw.get(key, "")
        return value if isinstance(value, str) else ""

    def variants(key: str) -> dict[str, str]:
        value = raw.get(key, {})
        if isinstance(value, str):
            return {"default": value}
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

    refs = raw.get("references", [])
    return Spec(
        id=fid,
        check=text("check"),
        severity=Severity(text("severity")),
        title=text("title"),
        description=text("description"),
        risk=text("risk"),
        remediation=text("remediation"),
        detail=variants("detail"),
        fix=variants("fix"),
        references=tuple(str(r) for r in refs) if isinstance(refs, list) else (),
        severity_note=text("severity_note"),
    )
