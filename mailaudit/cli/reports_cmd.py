"""`mailaudit reports PATH... [--imap URL]`: read DMARC aggregate and TLS-RPT reports, join them
with the domains' live DNS, and say who sends as each domain and whether the next DMARC step is safe.

Exit codes (contract): 1 when a finding is at or above ``--fail-on``, else 3 when a file could
not be read or a lookup could not complete, else 0; 2 for bad usage (one line, no traceback).
"""

from __future__ import annotations

import getpass
import importlib
import itertools
import os
import pathlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click

from mailaudit.catalogue import LANGUAGES, Catalogue
from mailaudit.cli.common import FAIL_ON, build_options, output_format, resolver_options
from mailaudit.dnscore.resolver import Resolver, run_sync
from mailaudit.errors import InputError
from mailaudit.model import Severity
from mailaudit.render.reports import FORMATS, render, reports_doc
from mailaudit.reports.aggregate import Collector
from mailaudit.reports.extract import Item
from mailaudit.reports.imap import ImapOptions, ImapUrlError, iter_imap, parse_imap_url
from mailaudit.reports.live import join_live
from mailaudit.reports.result import ReportsRun, analyse
from mailaudit.reports.sources import iter_paths

PASSWORD_ENV = "MAILAUDIT_IMAP_PASSWORD"


@click.command("reports")
@click.argument("paths", nargs=-1, metavar="PATH...")
@resolver_options
@click.option("--imap", "imap_url", default=None, metavar="URL",
              help="Also read an IMAP folder: imaps://USER@HOST[:PORT]/FOLDER (read-only).")
@click.option("--imap-password-env", default=PASSWORD_ENV, show_default=True, metavar="VAR",
              help="Environment variable holding the IMAP password (else a prompt on a terminal).")
@click.option("--imap-move", default=None, metavar="FOLDER",
              help="Move each IMAP message whose reports were all read to this folder.")
@click.option("--ca-file", default=None, metavar="PEM", help="Extra trusted CA certificates for imaps://.")
@click.option("--dnsbl", "dnsbl_zones", multiple=True, metavar="ZONE",
              help="Blocklists for SPF-authorised sources, instead of the built-in set (repeatable).")
@click.option("--no-dnsbl", is_flag=True, help="Skip blocklist lookups.")
@click.option("--spamhaus-dqs-key", metavar="KEY", default=None, help="Spamhaus Data Query Service key.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format (default: table on a terminal, json otherwise).")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="high", show_default=True,
              help="Exit 1 when a finding is at or above this severity.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True, help="Language of the texts.")
@click.option("--db", "db", default=None, metavar="FILE", help="Also store the DMARC/TLS-RPT data in this history DB.")
def reports(paths: tuple[str, ...], **params: Any) -> int:
    """Read DMARC aggregate and TLS-RPT reports: files, folders, .eml, mbox, Maildir, .gz, .zip, IMAP."""
    if not paths and not params["imap_url"]:
        raise InputError("give at least one PATH (file, folder, mbox, Maildir) or --imap URL")
    for path in paths:
        if not os.path.lexists(path):
            raise InputError(f"{path}: no such file or folder")
    store = history_hook() if params["db"] else None
    resolver = _resolver(params)
    options = build_options({**params, "dkim_selectors": (), "sending_ips": ()})
    catalogue = Catalogue.load(params["lang"])
    collector = Collector()
    collector.feed(_inputs(paths, params))
    ingested = collector.result()
    live = run_sync(lambda: join_live(ingested.domains, resolver, options, catalogue))
    run = analyse(ingested, live, catalogue)
    sys.stdout.write(render(output_format(params["fmt"]), run, catalogue))
    if store is not None:
        store(params["db"], run)
    fail_on = None if params["fail_on"] == "never" else Severity(params["fail_on"])
    return run.exit_code(fail_on)


def _resolver(params: dict[str, Any]) -> Resolver:
    """Like the other commands, but ``--offline`` alone is allowed: nothing is then looked up."""
    if params["offline"] and not params["zones"]:
        return Resolver(offline=True)
    from mailaudit.cli.common import resolver_from

    return resolver_from(params)


def _inputs(paths: tuple[str, ...], params: dict[str, Any]) -> Iterator[Item]:
    items: Iterator[Item] = iter_paths(list(paths))
    url = params["imap_url"]
    if url:
        try:
            target = parse_imap_url(url)
        except ImapUrlError as err:
            raise InputError(f"--imap: {err}") from None
        password = _password(params["imap_password_env"], target.label)
        options = ImapOptions(move_to=params["imap_move"], ssl_context=_ssl_context(params["ca_file"]))
        items = itertools.chain(items, iter_imap(target, password, options))
    return items


def _password(variable: str, label: str) -> str:
    """From the environment, else a prompt on a terminal; never from the command line."""
    value = os.environ.get(variable)
    if value:
        return value
    if sys.stdin.isatty():
        return getpass.getpass(f"IMAP password for {label}: ")
    raise InputError(f"--imap: set the password in the environment variable {variable} (no terminal to ask on)")


def _ssl_context(ca_file: str | None) -> Any:
    import ssl

    context = ssl.create_default_context()
    if ca_file:
        if not pathlib.Path(ca_file).is_file():
            raise InputError(f"--ca-file {ca_file}: no such file")
        context.load_verify_locations(ca_file)
    return context


def history_hook() -> Callable[[str, ReportsRun], None]:
    """The ``--db`` hook: hand the contract's JSON document to the history package (issue 17).

    ``mailaudit.history.ingest.from_reports_json(doc)`` -> (dmarc, tls, problems) and
    ``mailaudit.history.record_reports(path, dmarc, tls)``; imported by name so this command
    works (and says so before reading anything) in a build without it.
    """
    try:
        history = importlib.import_module("mailaudit.history")
        ingest = importlib.import_module("mailaudit.history.ingest")
    except ImportError:
        raise InputError("--db: the history database is not part of this build") from None

    def store(db: str, run: ReportsRun) -> None:
        dmarc, tls, _problems = ingest.from_reports_json(reports_doc(run))
        history.record_reports(db, dmarc, tls)

    return store
