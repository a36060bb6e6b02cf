"""`mailaudit spf DOMAIN [--ip IP ...]`: the SPF include tree as a table, then check_host()
for each address.

Exit code 1 when the SPF check has a finding at or above high or an address does not get
``pass``, 3 when a lookup could not complete (and nothing else is wrong), else 0.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from tabulate import tabulate

from mailaudit.addresses import parse_ip
from mailaudit.checks.base import Collector
from mailaudit.cli.common import output_format, resolver_from, resolver_options, single_check
from mailaudit.dnscore.resolver import run_sync
from mailaudit.domains import normalize
from mailaudit.errors import InputError
from mailaudit.facts.spf import spf_facts
from mailaudit.model import Severity
from mailaudit.render.jsonout import dumps, finding_dict
from mailaudit.spf.check import run as run_spf_check
from mailaudit.spf.evaluate import SpfOutcome, SpfResult, check_host_async
from mailaudit.spf.tree import SpfNode
from mailaudit.text import safe
from mailaudit.verdict import ExitCode


@click.command("spf")
@click.argument("domain")
@click.option("--ip", "ips", multiple=True, metavar="IP", help="Evaluate check_host() for this address (repeatable).")
@click.option("--sender", default=None, metavar="ADDRESS",
              help="MAIL FROM to evaluate with (default postmaster@DOMAIN).")
@click.option("--helo", default=None, metavar="NAME", help="HELO name to evaluate with (default DOMAIN).")
@resolver_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None,
              help="Output format (default: table on a terminal, json otherwise).")
def spf(domain: str, ips: tuple[str, ...], **params: Any) -> int:
    """Show DOMAIN's SPF include/redirect tree with lookup counts, and evaluate addresses."""
    for ip in ips:
        if parse_ip(ip) is None:
            raise InputError(f"--ip {ip!r}: not an IPv4 or IPv6 address")
    name = normalize(domain).domain
    resolver = resolver_from(params)
    ctx, out = single_check("spf", name, resolver)
    sender = params["sender"] or f"postmaster@{name}"
    helo = params["helo"] or name

    async def work() -> tuple[SpfNode | None, list[SpfOutcome]]:
        await run_spf_check(ctx, out)
        facts = await spf_facts(ctx)
        outcomes = [await check_host_async(ip, name, sender, helo, resolver=resolver) for ip in ips]
        return facts.tree, outcomes

    tree, outcomes = run_sync(work)
    evaluations = list(zip(ips, outcomes, strict=True))
    fmt = output_format(params["fmt"])
    sys.stdout.write(render_json(name, tree, evaluations, out) if fmt == "json"
                     else render_table(tree, evaluations, out))
    return int(exit_code(evaluations, out))


def exit_code(evaluations: list[tuple[str, SpfOutcome]], out: Collector) -> ExitCode:
    serious = any(f.severity.at_least(Severity.HIGH) for f in out.findings)
    refused = any(o.result not in (SpfResult.PASS, SpfResult.TEMPERROR) for _, o in evaluations)
    if serious or refused:
        return ExitCode.FINDINGS
    failed = out.errors or any(o.result is SpfResult.TEMPERROR for _, o in evaluations)
    return ExitCode.INCOMPLETE if failed else ExitCode.OK


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


def render_table(tree: SpfNode | None, evaluations: list[tuple[str, SpfOutcome]], out: Collector) -> str:
    lines: list[str] = []
    if tree is not None:
        headers = ["domain", "via", "lookups", "voids", "subtree lookups", "subtree voids", "problem", "record"]
        lines.append(tabulate(tree_rows(tree), headers=headers))
        lines.append(f"\ntotal: {tree.total_lookups} DNS lookups (limit 10), {tree.total_voids} void lookups (limit 2)")
        networks = out.data.get("networks")
        if isinstance(networks, dict):
            v4, v6 = networks.get("ipv4", []), networks.get("ipv6", [])
            lines.append(f"authorised: {len(v4)} IPv4 and {len(v6)} IPv6 networks (merged)")
    if evaluations:
        rows = [[safe(ip), o.result.value, safe(o.mechanism or ""), safe(o.domain), o.lookups, o.voids,
                 safe(_short(o.explanation or o.reason, 60))] for ip, o in evaluations]
        lines.append("")
        lines.append(tabulate(rows, headers=["address", "result", "matched", "at", "lookups", "voids", "why"]))
    if out.findings:
        lines.append("")
        lines += [f"{f.severity.value:8} {f.id}: {safe(f.detail)}" for f in out.findings]
    lines += [f"error: {safe(e)}" for e in out.errors]
    return "\n".join(lines) + "\n"


def render_json(
    domain: str, tree: SpfNode | None, evaluations: list[tuple[str, SpfOutcome]], out: Collector
) -> str:
    doc = {
        "version": 1,
        "domain": domain,
        "tree": tree.to_data() if tree else None,
        "lookups": tree.total_lookups if tree else 0,
        "voids": tree.total_voids if tree else 0,
        "networks": out.data.get("networks", {"ipv4": [], "ipv6": []}),
        "evaluations": [
            {"ip": ip, "result": o.result.value, "mechanism": o.mechanism, "domain": o.domain,
             "explanation": o.explanation, "reason": o.reason, "lookups": o.lookups, "voids": o.voids}
            for ip, o in evaluations
        ],
        "findings": [finding_dict(f) for f in out.findings],
        "errors": list(out.errors),
    }
    return dumps(doc, pretty=True) + "\n"
