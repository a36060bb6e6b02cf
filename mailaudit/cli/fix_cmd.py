"""`mailaudit fix DOMAIN`: audit the domain, then print one ordered fix plan."""

from __future__ import annotations

from typing import Any

import click

from mailaudit.catalogue import Catalogue
from mailaudit.cli.common import EXIT_CODES, build_options, check_options, resolver_from
from mailaudit.cli.output import emit
from mailaudit.domains import normalize
from mailaudit.engine import Auditor
from mailaudit.fixplan.verify import VerifiedPlan, verified_plan
from mailaudit.render.plan import plan_json, plan_text, plan_zone
from mailaudit.verdict import ExitCode

PLAN_FORMATS = ("text", "zone", "json")


@click.command(short_help="An ordered plan of DNS changes that keeps mail flowing.", epilog=EXIT_CODES)
@click.argument("domain")
@check_options
@click.option("--format", "fmt", type=click.Choice(PLAN_FORMATS), default="text", show_default=True,
              help="text for people, zone for a BIND snippet ready to paste, json for tools.")
def fix(domain: str, fmt: str, **params: Any) -> int:
    """Audit DOMAIN and print an ordered plan of DNS changes that keeps mail flowing.

    Before it is printed, the plan is applied to the domain's zone as an overlay and the domain
    audited again, stage by stage; only verified stages are printed, with a note saying so.
    Exit code 0, or 3 when a check could not complete (the plan may then miss steps).
    """
    given = normalize(domain, params["exact"])
    options = build_options({**params, "fail_on": "never"})
    resolver = resolver_from(params)
    auditor = Auditor(resolver, options, Catalogue.load(params["lang"]))

    async def go() -> VerifiedPlan:
        return await verified_plan(auditor, given, params["lang"])

    result = resolver.run_sync(go)
    render = {"text": plan_text, "zone": plan_zone, "json": plan_json}[fmt]
    emit(render(result.plan))
    return int(ExitCode.INCOMPLETE if result.report.errors else ExitCode.OK)
