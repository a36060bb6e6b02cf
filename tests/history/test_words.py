"""Both languages have every word, and every placeholder a sentence uses is one the code fills."""

from __future__ import annotations

import re
import string

from mailaudit.history.due import DUE_KINDS, STEPS
from mailaudit.history.words import LANGUAGES, Sayer, load

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_language_has_the_english_keys_and_placeholders():
    english = load("en")
    for lang in LANGUAGES:
        table = load(lang)
        own = Sayer(lang).words
        assert set(own) == set(english)
        for key, text in table.items():
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english[key])), (lang, key)
            list(string.Formatter().parse(text))  # well-formed


def test_every_due_kind_and_step_has_words():
    words = load("id")
    for kind in DUE_KINDS:
        assert f"due_{kind}" in words and f"kind_{kind}" in words
    for step in STEPS:
        assert f"step_{step.replace('.', '_')}" in words


def test_indonesian_is_not_english():
    en, id_ = load("en"), load("id")
    differing = [k for k in en if en[k] != id_[k]]
    assert len(differing) > len(en) * 0.8


def test_values_with_braces_are_not_interpreted():
    say = Sayer("en")
    text = say("due_stale", {"days": "{limit}", "limit": "3"})
    assert text == "Not audited for {limit} days (limit 3): run an audit."
    assert say("no_such_key") == "no_such_key"
