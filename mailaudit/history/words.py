"""The words of ``history`` and ``portfolio`` in each language (``words/<lang>.toml``).

Every key of English exists in every language (a test checks); a missing one falls back to
English rather than failing a report.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType

LANGUAGES = ("en", "id")


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def load(lang: str) -> Mapping[str, str]:
    """The table of ``lang`` over English's keys."""
    def table(name: str) -> dict[str, str]:
        text = resources.files("mailaudit.history").joinpath("words", f"{name}.toml").read_text("utf-8")
        return {str(k): str(v) for k, v in tomllib.loads(text).items()}

    english = table("en")
    chosen = table(lang) if lang in LANGUAGES and lang != "en" else {}
    return MappingProxyType({**english, **chosen})


class Sayer:
    """``say(key, params)``: the sentence for ``key`` with ``{names}`` filled in."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else "en"
        self.words = load(self.lang)

    def __call__(self, key: str, params: Mapping[str, str] | None = None) -> str:
        return self.words.get(key, key).format_map(_Blank(params or {}))
