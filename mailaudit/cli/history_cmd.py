"""`mailaudit history DOMAIN --db FILE` and `mailaudit portfolio --db FILE`: follow-up over time."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from mailaudit.catalogue import LANGUAGES
from mailaudit.cli.common import output_format
from mailaudit.domains import normalize
from mailaudit.errors import InputError
from mailaudit.history import DomainState, DueRules, HistoryDB, domain_state, exit_code, open_db, timeline
from mailaudit.history.timeline import Differ, RunChange, make_differ
from mailaudit.render.history import Words, history_json, history_table, portfolio_csv, portfolio_json
from mailaudit.render.history_html import render_portfolio, render_timeline
from mailaudit.render.jsonout import dumps

F = TypeVar("F", bound=Callable[..., Any])


def history_options(func: F) -> F:
    """--db, --lang and the rules of what is due."""
    for option in reversed([
        click.option("--db", required=True, metavar="FILE", help="The history database (`check --db FILE` fills it)."),
        click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
                     help="Language of the texts."),
        click.option("--stale-days", type=click.IntRange(0, 3650), default=14, show_default=True,
                     help="A domain not audited for this many days is due for an audit."),
        click.option("--coverage-days", type=click.IntRange(0, 3650), default=14, show_default=True,
                     help="Days of DMARC reports needed before the next policy step."),
        click.option("--overdue-days", type=click.IntRange(0, 3650), default=28, show_default=True,
                     help="A DMARC step ready for this many days and not taken is overdue."),
    ]):
        func = option(func)
    return func


def _rules(params: dict[str, Any]) -> DueRules:
    return DueRules(stale_days=params["stale_days"], coverage_days=params["coverage_days"],
                    overdue_days=params["overdue_days"])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _state(store: HistoryDB, domain: str, now: dt.datetime, rules: DueRules,
           differ: Differ | None = None) -> tuple[list[RunChange], DomainState]:
    changes = timeline(store.runs_of(domain), differ)
    return changes, domain_state(changes, store.dmarc_of(domain), now, rules, store.tls_of(domain))


@click.command()
@click.argument("domain")
@click.option("--format", "fmt", type=click.Choice(("table", "json", "html")), default=None,
              help="Output format (default: table on a terminal, json otherwise).")
@history_options
def history(domain: str, fmt: str | None, **params: Any) -> int:
    """The runs of DOMAIN recorded in the database: grade, fixed, new, open, and what is due."""
    name, now, rules = normalize(domain).domain, _now(), _rules(params)
    with open_db(params["db"], create=False) as store:
        if not store.runs_of(name):
            raise InputError(f"{params['db']}: no run of {name} is recorded (audit it with `check {name} --db`)")
        changes, state = _state(store, name, now, rules)
    words, chosen = Words(params["lang"]), output_format(fmt)
    if chosen == "json":
        sys.stdout.write(dumps(history_json(name, changes, state, words), pretty=True) + "\n")
    elif chosen == "html":
        sys.stdout.write(render_timeline(name, changes, state, now, words))
    else:
        sys.stdout.write(history_table(name, changes, state, words))
    return exit_code([state])


@click.command()
@click.option("--format", "fmt", type=click.Choice(("html", "json", "csv")), default="html", show_default=True,
              help="Output format.")
@history_options
def portfolio(fmt: str, **params: Any) -> int:
    """Every domain's latest state and what is due next (exit 1 when a domain regressed)."""
    now, rules = _now(), _rules(params)
    with open_db(params["db"], create=False) as store:
        differ = make_differ()  # the catalogue read once for every domain
        states = [_state(store, name, now, rules, differ)[1] for name in store.domains()]
    words = Words(params["lang"])
    if fmt == "json":
        sys.stdout.write(dumps(portfolio_json(states, now, rules, words), pretty=True) + "\n")
    elif fmt == "csv":
        sys.stdout.write(portfolio_csv(states, words))
    else:
        sys.stdout.write(render_portfolio(states, now, rules, words))
    return exit_code(states)
