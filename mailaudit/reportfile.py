"""Reading mailaudit's own json/jsonl output back (for ``diff``, ``--baseline`` and history).

Below the renderers: anything may import it. Hostile files give one ``ValueError`` line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

VERSION = 1  # the JSON contract's version


def load_reports(text: str) -> list[Mapping[str, Any]]:
    """Report objects from json (``{"version":1,"reports":[...]}``) or jsonl output.

    Raises ValueError with a one-line reason when the text is neither.
    """
    text = text.strip()
    if not text:
        return []
    try:
        whole = _loads(text)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, dict) and isinstance(whole.get("reports"), list):
        return [r for r in whole["reports"] if isinstance(r, dict)]
    if isinstance(whole, dict) and "domain" in whole:
        return [whole]
    out: list[Mapping[str, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = _loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(f"line {number}: not JSON ({err.msg})") from None
        if not isinstance(item, dict) or "domain" not in item:
            raise ValueError(f"line {number}: not a mailaudit report")
        out.append(item)
    return out


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:  # hostile input: thousands of nested arrays or objects
        raise ValueError("JSON nested too deeply") from None
