"""BIMI check: the assertion record, DMARC at enforcement (domain and organizational domain), the
logo (SVG Tiny PS) and the mark certificate, each fetched like a receiver does."""

from __future__ import annotations

import asyncio
import datetime as dt
import pathlib
import urllib.parse

from cryptography import x509

from mailaudit.bimi import assess, record
from mailaudit.checks.base import Check, Collector
from mailaudit.checks.emit import emit
from mailaudit.context import AuditContext
from mailaudit.facts.org_dmarc import org_dmarc
from mailaudit.facts.web import fetch
from mailaudit.mta_sts.issues import Issue, Reason
from mailaudit.net.https import FetchResult, FetchRules


async def run(ctx: AuditContext, out: Collector) -> None:
    out.data.update({"record": None, "logo": None})
    found = await _discover(ctx, out)
    if found is None:
        return
    parsed, found_at = found
    out.data["record"] = parsed.text
    if parsed.declined:
        return
    await _dmarc(ctx, out)
    logo_bytes = await _logo(ctx, out, parsed.logo) if parsed.logo else None
    if parsed.evidence:
        await _mark(ctx, out, parsed.evidence, logo_bytes)
    elif parsed.logo:
        emit(out, [Issue("bimi.mark.missing", found_at, params=(("url", parsed.logo),))])


async def _discover(ctx: AuditContext, out: Collector) -> tuple[record.BimiRecord, str] | None:
    """The record at the domain, else at its organizational domain (as receivers look). The
    domain's own record is asked while the organizational domain is found, not after it."""
    own = assess.owner(ctx.domain)
    org, first = await asyncio.gather(org_dmarc(ctx), ctx.query(own, "TXT"))
    names = [ctx.domain] if org.same else [ctx.domain, org.org_domain]
    for name in names:
        owner = assess.owner(name)
        answer = first if owner == own else await ctx.query(owner, "TXT")
        if not answer.ok:
            out.failed(answer)
            return None
        parsed, stage = assess.read_record(owner, answer.texts())
        emit(out, stage.issues)
        if parsed is not None:
            return parsed, owner
        if stage.issues:
            return None
    return None


async def _dmarc(ctx: AuditContext, out: Collector) -> None:
    org = await org_dmarc(ctx)
    if org.failures:
        for failure in org.failures:
            out.failed(failure)
        return
    emit(out, assess.dmarc(ctx.domain, org.org_domain, org.own, org.org).issues)


async def _get(ctx: AuditContext, out: Collector, url: str, rules: FetchRules) -> FetchResult | None:
    parts = urllib.parse.urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    rules = FetchRules(rules.media_types, rules.max_bytes, ctx.options.https_timeout)
    web = await fetch(ctx, parts.hostname or "", path, rules)
    if web.offline:
        emit(out, notes=[Reason("fetch.offline", url)])
    for failure in web.failures if web.result is None else ():
        out.failed(failure)
    return web.result


async def _logo(ctx: AuditContext, out: Collector, url: str) -> bytes | None:
    fetched = await _get(ctx, out, url, assess.LOGO_RULES)
    if fetched is None:
        out.data["logo"] = {"url": url, "fetched": False, "problems": []}
        return None
    data, report, stage = assess.logo(url, fetched)
    out.data["logo"] = data
    emit(out, stage.issues, stage.errors, stage.notes)
    return fetched.body if report is not None else None


async def _mark(ctx: AuditContext, out: Collector, url: str, logo_bytes: bytes | None) -> None:
    fetched = await _get(ctx, out, url, assess.MARK_RULES)
    if fetched is None:
        return
    org = await org_dmarc(ctx)
    domains = [ctx.domain, org.org_domain]
    _report, stage = assess.evidence(url, fetched, domains, logo_bytes, dt.datetime.now(dt.UTC), _roots(ctx))
    emit(out, stage.issues, stage.errors, stage.notes)


def _roots(ctx: AuditContext) -> list[x509.Certificate]:
    """Mark Verifying Authority roots the user trusts (``--ca-file``); none are built in."""
    if not ctx.options.ca_file:
        return []
    try:
        return x509.load_pem_x509_certificates(pathlib.Path(ctx.options.ca_file).read_bytes())
    except (OSError, ValueError):
        return []


CHECK = Check("bimi", "BIMI: the record, DMARC enforcement, the SVG Tiny PS logo and the mark certificate", run,
              needs=("dmarc",), reads=("ca_file", "allow_private_targets", "https_port", "https_timeout"),
              phase="transport")
