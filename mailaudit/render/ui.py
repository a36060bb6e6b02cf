"""The renderers' own words (headings, labels, status names) in every report language.

Finding texts and these words come from one place, the catalogue: the renderers' words are the
``_words.ui`` table of ``render/catalogue/<lang>.toml``, a check's label the ``_words.checks``
table of that check's own catalogue. ``ui(lang)`` returns every English key, falling back to
English for a word not translated; check labels appear as ``check_<id>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from mailaudit.catalogue import BASE_LANGUAGE, LANGUAGES, Catalogue


def ui(lang: str) -> Mapping[str, str]:
    """The UI words of ``lang`` (English for an unknown language or a missing word)."""
    catalogue = Catalogue.load(lang if lang in LANGUAGES else BASE_LANGUAGE)
    table = dict(catalogue.words("ui"))
    table.update({f"check_{cid}": label for cid, label in catalogue.words("checks").items()})
    return MappingProxyType(table)


def check_label(words: Mapping[str, str], check_id: str) -> str:
    return words.get(f"check_{check_id}", check_id)


def plural(words: Mapping[str, str], key: str, count: int) -> str:
    """``{key}_one`` for 1, ``{key}_other`` otherwise (a language without plural forms has both equal)."""
    return words[f"{key}_one" if count == 1 else f"{key}_other"].format(count=count)
