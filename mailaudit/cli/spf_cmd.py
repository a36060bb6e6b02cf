"""`mailaudit spf DOMAIN [--ip IP ...]`: the SPF include tree as a table, then check_host()
for each address. Runs through the engine (``inspect.inspect_spf``), renders through
``render/spf.py``.

Exit code 1 when the SPF check has a finding at or above high or an address does not get
``pass``, 3 when a lookup could not complete (and nothing else is wrong), else 0.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import click

from mailaudit.addresses import parse_ip
from mailaudit.catalogue import LANGUAGES, Catalogue
from mailaudit.cli.common import EXIT_CODES, output_format, resolver_from, resolver_options
from mailaudit.cli.output import emit
from mailaudit.domains import normalize
from mailaudit.engine import Auditor
from mailaudit.errors import InputError
from mailaudit.inspect import inspect_spf
from mailaudit.options import AuditOptions
from mailaudit.render.spf import render_spf_json, render_spf_table


@click.command("spf", short_help="The SPF include tree with lookup counts, and check_host() for addresses.",
               epilog=EXIT_CODES)
@click.argument("domain")
@click.option("--ip", "ips", multiple=True, metavar="IP", help="Evaluate check_host() for this address (repeatable).")
@click.option("--sender", default=None, metavar="ADDRESS",
              help="MAIL FROM to evaluate with (default postmaster@DOMAIN).")
@click.option("--helo", default=None, metavar="NAME", help="HELO name to evaluate with (default DOMAIN).")
@resolver_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default=None,
              help="Output format (default: table on a terminal, json otherwise).")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="Language of the report texts.")
def spf(domain: str, ips: tuple[str, ...], **params: Any) -> int:
    """Show DOMAIN's SPF include/redirect tree with lookup counts, and evaluate addresses."""
    for ip in ips:
        if parse_ip(ip) is None:
            raise InputError(f"--ip {ip!r}: not an IPv4 or IPv6 address")
    name = normalize(domain).domain
    options = dataclasses.replace(AuditOptions(), checks=("spf",))
    auditor = Auditor(resolver_from(params), options, Catalogue.load(params["lang"]))
    sender = params["sender"] or f"postmaster@{name}"
    helo = params["helo"] or name
    result = auditor.resolver.run_sync(lambda: inspect_spf(auditor, name, ips, sender, helo))
    fmt = output_format(params["fmt"])
    emit(render_spf_json(result) if fmt == "json" else render_spf_table(result, params["lang"]))
    return int(result.exit_code)
