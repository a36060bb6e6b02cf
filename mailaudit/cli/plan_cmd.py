"""`mailaudit plan DOMAIN [--mx-to HOSTS|PROVIDER] [--relay INCLUDE|PROVIDER]`: an onboarding runbook."""

from __future__ import annotations

import shlex
import sys
from typing import Any

import click

from mailaudit.catalogue import LANGUAGES, Catalogue
from mailaudit.cli.common import resolver_from, resolver_options
from mailaudit.dnscore.resolver import run_sync
from mailaudit.domains import normalize
from mailaudit.errors import InputError
from mailaudit.plan.providers import load, unknown_params
from mailaudit.plan.run import Outcome, plan_run
from mailaudit.plan.words import load as load_words
from mailaudit.render.runbook import Shown, runbook_json, runbook_text, runbook_zone
from mailaudit.verdict import ExitCode

FORMATS = ("text", "json", "zone")


@click.command("plan")
@click.argument("domain")
@click.option("--mx-to", "mx_to", default=None, metavar="HOST[,HOST...]|PROVIDER",
              help="Move the MX records to these hosts (priorities 10, 20... in order) or to a filtering service.")
@click.option("--relay", default=None, metavar="INCLUDE|PROVIDER",
              help="Add an SMTP relay: its SPF include domain, or a relay provider.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A provider's parameter, e.g. tenant=contoso or region=eu (repeatable).")
@resolver_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for people, zone for a BIND snippet, json for tools (the shape of fix --format json).")
@click.option("--verify", is_flag=True, help="Check each step's proofs against today's DNS: done, pending, or by hand.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True, help="Language of the texts.")
def plan(domain: str, mx_to: str | None, relay: str | None, params: tuple[str, ...], fmt: str, verify: bool,
         lang: str, **dns_params: Any) -> int:
    """Write the runbook for moving DOMAIN's MX to a filter and/or adding a relay, verified step by step.

    Exit 0; 1 when its self-check finds a problem or the plan is blocked (no safe SPF record);
    3 when a lookup could not complete; 2 for bad usage.
    """
    if mx_to is None and relay is None:
        raise InputError("plan: give --mx-to HOSTS|PROVIDER and/or --relay INCLUDE|PROVIDER")
    given = normalize(domain)
    values = _params(params)
    providers = load()
    resolver = resolver_from(dns_params)
    catalogue = Catalogue.load(lang)

    async def go() -> Outcome:
        return await plan_run(given.domain, resolver, providers, mx_to, relay, values, catalogue, verify)

    outcome = run_sync(go)
    _check_params(providers, outcome, values)
    shown = Shown(given.domain, _verify_command(given.domain, mx_to, relay, params, dns_params),
                  outcome.statuses, outcome.problems, outcome.new_findings)
    render = {"text": runbook_text, "zone": runbook_zone, "json": runbook_json}[fmt]
    sys.stdout.write(render(outcome.book, load_words(lang, catalogue), shown))
    if outcome.problems or outcome.new_findings:
        return int(ExitCode.FINDINGS)
    if outcome.incomplete:  # a lookup failed: the plan could not tell, whatever else it says
        return int(ExitCode.INCOMPLETE)
    return int(ExitCode.FINDINGS if outcome.book.blocked else ExitCode.OK)


def _params(items: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise InputError(f"--param {item!r}: give NAME=VALUE")
        out[name.strip()] = value.strip()
    return out


def _check_params(providers: Any, outcome: Outcome, values: dict[str, str]) -> None:
    book = outcome.book
    known = list(providers.filters[book.provider].params) if book.provider else []
    known += list(providers.relays[book.relay].params) if book.relay else []
    extra = unknown_params(tuple(known), values)
    if extra:
        raise InputError(f"--param: {', '.join(extra)} is not a parameter of the chosen provider")


def _verify_command(domain: str, mx_to: str | None, relay: str | None, params: tuple[str, ...],
                    dns_params: dict[str, Any]) -> str:
    parts = ["mailaudit", "plan", domain]
    parts += ["--mx-to", mx_to] if mx_to else []
    parts += ["--relay", relay] if relay else []
    for item in params:
        parts += ["--param", item]
    for server in dns_params.get("nameservers", ()):
        parts += ["--nameserver", server]
    for zone in dns_params.get("zones", ()):
        parts += ["--zone", zone]
    parts += ["--offline"] if dns_params.get("offline") else []
    return " ".join(shlex.quote(p) for p in [*parts, "--verify"])
