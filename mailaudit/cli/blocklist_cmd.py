"""`mailaudit blocklist IP|DOMAIN ...`: look addresses and domains up on the blocklists directly.

Uses the same engine as the `dnsbl` check: health probes, refusal codes, DQS. Exit code 1 when
something is listed, 3 when a lookup could not complete (and nothing is listed), else 0. A
refusal is never a listing.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from tabulate import tabulate

from mailaudit.addresses import parse_ip, special_range
from mailaudit.checks.base import Collector
from mailaudit.cli.common import output_format, resolver_from, resolver_options, single_check
from mailaudit.dnsbl.check import BlocklistRun, Target, lookup_all, report
from mailaudit.dnsbl.lists import Kind, check_dqs_key, select
from mailaudit.dnsbl.record import codes_text
from mailaudit.dnscore.resolver import run_sync
from mailaudit.domains import normalize
from mailaudit.errors import InputError
from mailaudit.render.jsonout import dumps, finding_dict
from mailaudit.text import safe
from mailaudit.verdict import ExitCode

_PLACEHOLDER = "blocklist.invalid"  # the context's domain; never looked up


@click.command("blocklist")
@click.argument("targets", nargs=-1, required=True, metavar="IP|DOMAIN...")
@resolver_options
@click.option("--dnsbl", "dnsbl_zones", multiple=True, metavar="ZONE",
              help="Use these blocklist zones instead of the built-in set (repeatable; "
                   "domain:ZONE for a domain list).")
@click.option("--spamhaus-dqs-key", metavar="KEY", default=None,
              help="Query Spamhaus through its Data Query Service with this key.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None,
              help="Output format (default: table on a terminal, json otherwise).")
def blocklist(targets: tuple[str, ...], **params: Any) -> int:
    """Look IP addresses and domains up on the DNS blocklists."""
    wanted = [parse_target(t) for t in targets]
    lists = select(tuple(params["dnsbl_zones"]) or None)
    key = check_dqs_key(params["spamhaus_dqs_key"]) if params["spamhaus_dqs_key"] else None
    resolver = resolver_from(params)
    ctx, out = single_check("dnsbl", _PLACEHOLDER, resolver)
    outcome = run_sync(lambda: lookup_all(ctx, wanted, lists, key))
    report(out, outcome)
    fmt = output_format(params["fmt"])
    sys.stdout.write(render_json(wanted, out) if fmt == "json" else render_table(outcome, out))
    if out.data.get("listed"):
        return int(ExitCode.FINDINGS)
    return int(ExitCode.INCOMPLETE if out.errors else ExitCode.OK)


def parse_target(text: str) -> Target:
    if "%" in text and parse_ip(text.partition("%")[0]) is not None:
        raise InputError(f"{text}: an address with a %zone index is local, never on a public blocklist")
    ip = parse_ip(text)
    if ip is not None:
        why = special_range(ip)
        if why is not None:
            raise InputError(f"{text}: a {why} address is never on a public blocklist")
        return Target(str(ip), Kind.IP, ("command line",))
    return Target(normalize(text).domain, Kind.DOMAIN, ("command line",))


def render_json(targets: list[Target], out: Collector) -> str:
    doc = {
        "version": 1,
        "targets": [{"target": t.value, "kind": t.kind.value} for t in targets],
        "lists": out.data.get("lists", []),
        "results": out.data.get("results", []),
        "listed": out.data.get("listed", 0),
        "refused": out.data.get("refused", 0),
        "errors": list(out.errors),
        "findings": [finding_dict(f) for f in out.findings],
    }
    return dumps(doc, pretty=True) + "\n"


def render_table(outcome: BlocklistRun, out: Collector) -> str:
    rows = []
    for item in outcome.lookups:
        result = item.result
        what = result.describe() if result and result.meanings else (result.reason if result else "")
        codes = codes_text(result.codes) if result else (item.answer.error or "error")
        rows.append([safe(item.target.value), item.bl.zone, item.status, safe(codes), safe(what)])
    text = tabulate(rows, headers=["target", "list", "status", "answer", "meaning"]) if rows else "no lookups"
    notes = [f"{h.bl.zone}: {h.status}: {h.reason}" for h in outcome.lists if not h.usable]
    delist = {i.bl.zone: i.bl.delist for i in outcome.lookups if i.status == "listed" and i.bl.delist}
    lines = [text, ""]
    lines += [f"not used: {safe(n)}" for n in notes]
    lines += [f"delisting for {zone}: {url}" for zone, url in delist.items()]
    lines += [f"error: {safe(e)}" for e in out.errors]
    listed, refused = out.data.get("listed", 0), out.data.get("refused", 0)
    lines.append(f"{listed} listing(s), {refused} refusal(s) (a refusal is not a listing)")
    return "\n".join(lines) + "\n"
