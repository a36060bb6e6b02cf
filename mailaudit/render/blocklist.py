"""The `blocklist` command's output: each lookup with its answer and meaning, lists not used,
delisting pages. Pure functions of a ``BlocklistInspection``."""

from __future__ import annotations

from tabulate import tabulate

from mailaudit.dnsbl.record import codes_text
from mailaudit.inspect import BlocklistInspection
from mailaudit.render.jsonout import dumps, finding_dict
from mailaudit.render.ui import ui
from mailaudit.text import safe

_COLUMNS = ("target", "list", "status", "answer", "meaning")


def render_blocklist_json(result: BlocklistInspection) -> str:
    check = result.check
    doc = {
        "version": 1,
        "targets": [{"target": t.value, "kind": t.kind.value} for t in result.targets],
        "lists": check.datum("lists", []),
        "results": check.datum("results", []),
        "listed": check.datum("listed", 0),
        "refused": check.datum("refused", 0),
        "errors": list(check.errors),
        "findings": [finding_dict(f) for f in check.findings],
    }
    return dumps(doc, pretty=True) + "\n"


def _rows(result: BlocklistInspection) -> list[list[str]]:
    rows = []
    for item in result.run.lookups:
        found = item.result
        what = found.describe() if found and found.meanings else (found.reason if found else "")
        codes = codes_text(found.codes) if found else (item.answer.error or "error")
        rows.append([safe(item.target.value), item.bl.zone, item.status, safe(codes), safe(what)])
    return rows


def render_blocklist_table(result: BlocklistInspection, lang: str = "en") -> str:
    words = ui(lang)
    rows = _rows(result)
    headers = [words.get(f"bl_col_{key}", key) for key in _COLUMNS]
    text = tabulate(rows, headers=headers) if rows else words["bl_no_lookups"]
    outcome = result.run
    notes = [f"{h.bl.zone}: {h.status}: {h.reason}" for h in outcome.lists if not h.usable]
    delist = {i.bl.zone: i.bl.delist for i in outcome.lookups if i.status == "listed" and i.bl.delist}
    lines = [text, ""]
    lines += [words["bl_not_used"].format(note=safe(n)) for n in notes]
    lines += [words["bl_delist"].format(zone=zone, url=url) for zone, url in delist.items()]
    lines += [f"{words['error']}: {safe(e)}" for e in result.check.errors]
    listed, refused = result.check.datum("listed", 0), result.check.datum("refused", 0)
    lines.append(words["bl_summary"].format(listed=listed, refused=refused))
    return "\n".join(lines) + "\n"
