"""Generates docs/findings.md from the catalogue: ``python -m mailaudit.catalogue.doc``."""

from __future__ import annotations

import sys

from mailaudit.catalogue import Catalogue, Spec
from mailaudit.registry import CHECK_IDS, check_of_finding


def _check_order(spec: Spec) -> tuple[int, int, str]:
    """Registered checks in registry order (their id families in declared order), then the rest."""
    owner = check_of_finding(spec.id)
    if owner is None:
        return (len(CHECK_IDS), 0, spec.id)
    return (CHECK_IDS.index(owner.id), owner.prefixes.index(spec.id.split(".", 1)[0]), spec.id)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def render_catalogue(catalogue: Catalogue) -> str:
    specs = sorted(catalogue.specs.values(), key=_check_order)
    lines = [
        "# Finding catalogue",
        "",
        "Generated from every `mailaudit/*/catalogue/en.toml` by `python -m mailaudit.catalogue.doc`;",
        "a test fails when this file and the catalogue disagree. Ids are stable: scripts may rely on them.",
        "",
        "| id | check | default severity | title |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{s.id}` | {s.check} | {s.severity.value} | {_cell(s.title)} |" for s in specs]
    for spec in specs:
        lines += ["", f"## `{spec.id}`", "", f"**{_cell(spec.title)}**: {spec.severity.value} by default."]
        if spec.severity_note:
            lines.append(f"{_cell(spec.severity_note)}")
        lines += ["", _cell(spec.description)]
        if spec.risk:
            lines += ["", f"*Risk.* {_cell(spec.risk)}"]
        if spec.remediation:
            lines += ["", f"*Fix.* {_cell(spec.remediation)}"]
        if spec.references:
            lines += ["", "*References:* " + "; ".join(_cell(r) for r in spec.references)]
    return "\n".join(lines) + "\n"


def main() -> int:
    sys.stdout.write(render_catalogue(Catalogue.load()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
