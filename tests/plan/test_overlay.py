"""The plan laid over DNS served by the project's test server: the changed RRsets as after the
last step, everything else from the server."""

from __future__ import annotations

from typing import Any

from mailaudit.catalogue import Catalogue
from mailaudit.dnscore.resolver import run_sync
from mailaudit.plan.overlay import overlay_resolver
from mailaudit.plan.providers import load
from mailaudit.plan.run import plan_run

from ..conftest import resolver_for


def test_overlay_answers_the_final_records_and_follows_published_cnames(dns_server: Any) -> None:
    server = dns_server("plan")
    resolver = resolver_for(server)

    async def go() -> tuple[Any, ...]:
        outcome = await plan_run("tokobaju.example", resolver, load(), "relaycloud", "relaycloud", {},
                                 Catalogue.load())
        overlay = await overlay_resolver(outcome.book, resolver)
        mx = await overlay.query("tokobaju.example", "MX")
        txt = await overlay.query("tokobaju.example", "TXT")
        dkim = await overlay.query("rc1._domainkey.tokobaju.example", "TXT")
        ns = await overlay.query("tokobaju.example", "NS")
        return outcome, mx, txt, dkim, ns

    outcome, mx, txt, dkim, ns = run_sync(go)
    assert sorted(rd.to_text() for rd in mx.rdatas) == ["10 mx1.filter.relaycloud.example.",
                                                        "20 mx2.filter.relaycloud.example."]
    assert txt.texts() == ["v=spf1 a:mail.tokobaju.example include:spf.relaycloud.example -all"]
    assert [n.to_text() for n in dkim.cnames] == ["rc1.tokobaju-example.dkim.relaycloud.example."]
    assert ns.ok and ns.rdatas  # untouched names come from the server
    assert outcome.problems == () and outcome.new_findings == ()
