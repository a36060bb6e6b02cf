"""The plan's words in the reader's language (``[_words.plan_<group>]`` of ``plan/catalogue/<lang>.toml``,
through the one catalogue mechanism), and the command that proves each proof. Callers load
``Words`` once per run; nothing is cached at module level.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from mailaudit.catalogue import Catalogue
from mailaudit.plan.model import Proof, Text

GROUPS = ("step", "why", "action", "lock", "wait", "risk", "note", "check", "proof", "ui")


@dataclass(frozen=True, slots=True)
class Words:
    lang: str
    table: Mapping[str, str]  # "plan.step.switch" -> template

    def __call__(self, text: Text) -> str:
        template = self.table.get(text.key)
        if template is None:
            raise KeyError(f"no text {text.key} in {self.lang}")
        return _format(template, text.values)

    def ui(self, name: str, **params: object) -> str:
        return _format(self.table[f"plan.ui.{name}"], {k: str(v) for k, v in params.items()})

    def proof(self, proof: Proof) -> str:
        return _format(self.table[f"plan.proof.{proof.kind}"], proof.values)


def _format(template: str, values: Mapping[str, str]) -> str:
    """Fill ``{name}`` fields; a field without a value stays visible instead of raising."""
    out: list[str] = []
    for literal, field, _spec, _conv in string.Formatter().parse(template):
        out.append(literal)
        if field is not None:
            out.append(values.get(field, "{" + field + "}"))
    return "".join(out)


def load(lang: str = "en", catalogue: Catalogue | None = None) -> Words:
    """``InputError`` for an unknown language (from the catalogue)."""
    catalogue = catalogue if catalogue is not None and catalogue.lang == lang else Catalogue.load(lang)
    table: dict[str, str] = {}
    for group in GROUPS:
        for name, template in catalogue.words(f"plan_{group}").items():
            table[f"plan.{group}.{name}"] = template
    return Words(lang, table)


def command(proof: Proof, domain: str, verify: str) -> str:
    """The mailaudit command that shows the proof; ``verify`` is this plan's ``--verify`` command."""
    p = proof.values
    if proof.kind == "smtp":
        return f"mailaudit check {domain} --smtp"
    if proof.kind == "dkim_key":
        return f"mailaudit check {domain} --dkim-selector {p['selector']}"
    if proof.kind == "message":
        return "mailaudit explain received-test-message.eml"
    if proof.kind == "reports":
        return "mailaudit reports DMARC-REPORTS-FOLDER"
    return verify
