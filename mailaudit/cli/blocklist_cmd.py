"""`mailaudit blocklist IP|DOMAIN ...`: look addresses and domains up on the blocklists directly.

Runs through the engine (``inspect.inspect_blocklists``: the same lookups as the `dnsbl` check,
with health probes, refusal codes, DQS) and renders through ``render/blocklist.py``. Exit code 1 when
something is listed, 3 when a lookup could not complete (and nothing is listed), else 0. A
refusal is never a listing.
"""

from __future__ import annotations

from typing import Any

import click

from mailaudit.addresses import parse_ip, special_range
from mailaudit.catalogue import LANGUAGES, Catalogue
from mailaudit.cli.common import EXIT_CODES, output_format, resolver_from, resolver_options
from mailaudit.cli.output import emit
from mailaudit.dnsbl.check import Target
from mailaudit.dnsbl.lists import Kind, check_dqs_key, select
from mailaudit.domains import normalize
from mailaudit.engine import Auditor
from mailaudit.errors import InputError
from mailaudit.inspect import inspect_blocklists
from mailaudit.options import AuditOptions
from mailaudit.render.blocklist import render_blocklist_json, render_blocklist_table


@click.command("blocklist", short_help="Look IP addresses and domains up on the DNS blocklists.", epilog=EXIT_CODES)
@click.argument("targets", nargs=-1, required=True, metavar="IP|DOMAIN...")
@resolver_options
@click.option("--dnsbl", "dnsbl_zones", multiple=True, metavar="ZONE",
              help="Use these blocklist zones instead of the built-in set (repeatable; "
                   "domain:ZONE for a domain list).")
@click.option("--spamhaus-dqs-key", metavar="KEY", default=None,
              help="Query Spamhaus through its Data Query Service with this key.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None,
              help="Output format (default: table on a terminal, json otherwise).")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="Language of the report texts.")
def blocklist(targets: tuple[str, ...], **params: Any) -> int:
    """Look IP addresses and domains up on the DNS blocklists."""
    wanted = [parse_target(t) for t in targets]
    lists = select(tuple(params["dnsbl_zones"]) or None)
    key = check_dqs_key(params["spamhaus_dqs_key"]) if params["spamhaus_dqs_key"] else None
    auditor = Auditor(resolver_from(params), AuditOptions(), Catalogue.load(params["lang"]))
    result = auditor.resolver.run_sync(lambda: inspect_blocklists(auditor, wanted, lists, key))
    fmt = output_format(params["fmt"])
    emit(render_blocklist_json(result) if fmt == "json" else render_blocklist_table(result, params["lang"]))
    return int(result.exit_code)


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
