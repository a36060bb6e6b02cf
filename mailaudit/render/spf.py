"""The `spf` command's output: the include/redirect tree with lookup counts, the check_host()
result of each address, and the SPF check's findings. Pure functions of an ``SpfInspection``."""

from __future__ import annotations

from collections.abc import Mapping

from tabulate import tabulate

from mailaudit.inspect import SpfInspection
from mailaudit.render.jsonout import dumps, finding_dict
from mailaudit.render.ui import ui
from mailaudit.spf.tree import SpfNode
from mailaudit.text import safe

_TREE_COLUMNS = ("domain", "via", "lookups", "voids", "subtree_lookups", "subtree_voids", "problem", "record")
_EVAL_COLUMNS = ("address", "result", "matched", "at", "lookups", "voids", "why")


def tree_rows(node: SpfNode) -> list[list[object]]:
    indent = "│ " * max(node.depth - 1, 0) + ("└ " if node.depth else "")
    problem = "loop" if node.loop else "not expanded (walk cap)" if node.truncated else node.info.problem or ""
    record = node.info.record.text if node.info.record else (node.info.error if problem else "")
    rows: list[list[object]] = [[
        safe(indent + node.domain), safe(node.term or "(record)"), node.lookups, node.voids,
        node.total_lookups, node.total_voids, safe(problem), safe(_short(record)),
    ]]
    for child in node.children:
        rows.extend(tree_rows(child))
    return rows


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _headers(words: Mapping[str, str], keys: tuple[str, ...]) -> list[str]:
    return [words.get(f"spf_col_{key}", key) for key in keys]


def render_spf_table(result: SpfInspection, lang: str = "en") -> str:
    words = ui(lang)
    lines: list[str] = []
    tree = result.tree
    if tree is not None:
        lines.append(tabulate(tree_rows(tree), headers=_headers(words, _TREE_COLUMNS)))
        lines.append("\n" + words["spf_total"].format(lookups=tree.total_lookups, voids=tree.total_voids))
        networks = result.check.datum("networks")
        if isinstance(networks, dict):
            v4, v6 = networks.get("ipv4", []), networks.get("ipv6", [])
            lines.append(words["spf_networks"].format(v4=len(v4), v6=len(v6)))
    if result.evaluations:
        rows = [[safe(ip), o.result.value, safe(o.mechanism or ""), safe(o.domain), o.lookups, o.voids,
                 safe(_short(o.explanation or o.reason, 60))] for ip, o in result.evaluations]
        lines.append("")
        lines.append(tabulate(rows, headers=_headers(words, _EVAL_COLUMNS)))
    if result.check.findings:
        lines.append("")
        lines += [f"{f.severity.value:8} {f.id}: {safe(f.detail)}" for f in result.check.findings]
    lines += [f"{words['error']}: {safe(e)}" for e in result.check.errors]
    return "\n".join(lines) + "\n"


def render_spf_json(result: SpfInspection) -> str:
    tree = result.tree
    doc = {
        "version": 1,
        "domain": result.domain,
        "tree": tree.to_data() if tree else None,
        "lookups": tree.total_lookups if tree else 0,
        "voids": tree.total_voids if tree else 0,
        "networks": result.check.datum("networks", {"ipv4": [], "ipv6": []}),
        "evaluations": [
            {"ip": ip, "result": o.result.value, "mechanism": o.mechanism, "domain": o.domain,
             "explanation": o.explanation, "reason": o.reason, "lookups": o.lookups, "voids": o.voids}
            for ip, o in result.evaluations
        ],
        "findings": [finding_dict(f) for f in result.check.findings],
        "errors": list(result.check.errors),
    }
    return dumps(doc, pretty=True) + "\n"
