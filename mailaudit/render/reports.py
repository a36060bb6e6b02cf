"""Output of ``mailaudit reports``: json (the contract's shape), table, csv and html.

Pure functions of :class:`~mailaudit.reports.result.ReportsRun`. Everything in a report file
is hostile (organisation names, file names, PTR names from DNS): the table and csv pass it
through ``escape_text``; the HTML page is a Jinja2 template with autoescaping, no scripts and
a Content-Security-Policy; csv cells that a spreadsheet would run as a formula are quoted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from tabulate import tabulate

from mailaudit.catalogue import Catalogue
from mailaudit.render.html import environment, show
from mailaudit.render.jsonout import dumps, finding_dict
from mailaudit.reports.aggregate import iso
from mailaudit.reports.classify import Source
from mailaudit.reports.result import DomainResult, ReportsRun, TlsResult
from mailaudit.text import safe

FORMATS = ("table", "json", "html", "csv")
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def source_dict(source: Source) -> dict[str, Any]:
    s = source.stats
    return {"ip": s.ip, "ptr": source.ptr, "messages": s.messages, "spf_aligned": s.spf_aligned,
            "dkim_aligned": s.dkim_aligned, "dmarc_pass": s.dmarc_pass, "category": source.category.value,
            "authorized_by": source.authorized_by, "signals": list(source.signals),
            "reporters": list(s.reporters), "listed": list(source.listed)}


def domain_dict(result: DomainResult) -> dict[str, Any]:
    stats, ready = result.stats, result.readiness
    return {
        "domain": stats.domain,
        "period": {"begin": iso(stats.begin), "end": iso(stats.end)},
        "reports": stats.reports,
        "messages": stats.messages,
        "sources": [source_dict(s) for s in result.sources],
        "findings": [finding_dict(f) for f in result.findings],
        "readiness": {"next_policy": ready.next_policy, "ready": ready.ready, "aligned_share": ready.aligned_share,
                      "detail": result.detail, "current_policy": ready.current.p, "considered": ready.considered,
                      "failing": ready.failing, "hurt": [{"ip": ip, "messages": n} for ip, n in ready.hurt]},
    }


def tls_dict(result: TlsResult) -> dict[str, Any]:
    t = result.stats
    return {"domain": t.domain, "policy_type": t.policy_type, "successful": t.successful, "failed": t.failed,
            "failures": [{"result_type": k, "count": n} for k, n in t.failures],
            "reporters": list(t.reporters), "findings": [finding_dict(f) for f in result.findings]}


def reports_doc(run: ReportsRun) -> dict[str, Any]:
    """The contract's JSON document (extra keys are additions, never changes)."""
    return {
        "version": 1,
        "domains": [domain_dict(d) for d in run.domains],
        "tls": [tls_dict(t) for t in run.tls],
        "errors": [{"file": e.file, "error": e.error} for e in run.errors],
        "lookup_errors": list(run.lookup_failures),
        "duplicates": run.duplicates,
    }


def render_json(run: ReportsRun) -> str:
    return dumps(reports_doc(run), pretty=True) + "\n"


def _label(words: Mapping[str, str], source: Source) -> str:
    return words.get(f"category_{source.category.value}", source.category.value)


def render_table(run: ReportsRun, catalogue: Catalogue) -> str:
    w = catalogue.words("reports")
    out: list[str] = []
    for d in run.domains:
        begin, end = iso(d.stats.begin), iso(d.stats.end)
        out.append(f"{safe(d.domain)}  {w.get('period', 'Period')} {begin} .. {end}  "
                   f"{w.get('reports', 'Reports')} {d.stats.reports}  "
                   f"{w.get('messages', 'Messages')} {d.stats.messages}")
        rows = [[safe(s.ip), safe(s.ptr or "-"), s.stats.messages, s.stats.spf_aligned, s.stats.dkim_aligned,
                 s.stats.dmarc_pass, _label(w, s), safe(s.authorized_by or "-")] for s in d.sources]
        keys = ("ip", "ptr", "messages", "spf_aligned", "dkim_aligned", "dmarc_pass", "category", "authorized_by")
        out.append(tabulate(rows, headers=[w.get(k, k) for k in keys]))
        out.append(f"{w.get('readiness', 'Readiness')}: {safe(d.detail)}")
        for f in d.findings:
            out.append(f"  [{f.severity.value}] {f.id} {safe(f.subject)}: {safe(f.detail)}")
            if f.fix is not None:
                out.append(f"      -> {safe(f.fix.summary)}")
                out += [f"         {safe(r.name)} {r.type} \"{safe(r.value)}\"" for r in f.fix.records]
        out.append("")
    out += _tls_table(run, w)
    out += [f"{w.get('errors', 'errors')}: {safe(e.file)}: {safe(e.error)}" for e in run.errors]
    out += [f"{w.get('lookups', 'lookups')}: {safe(x)}" for x in run.lookup_failures]
    return "\n".join(out).rstrip("\n") + "\n"


def _tls_table(run: ReportsRun, w: Mapping[str, str]) -> list[str]:
    if not run.tls:
        return []
    rows = [[safe(t.stats.domain), t.stats.policy_type, t.stats.successful, t.stats.failed,
             safe(", ".join(f"{k} {n}" for k, n in t.stats.failures) or "-")] for t in run.tls]
    heads = [w.get(k, k) for k in ("domain", "policy_type", "successful", "failed", "failures")]
    lines = [w.get("tls", "TLS-RPT"), tabulate(rows, headers=heads)]
    lines += [f"  [{f.severity.value}] {f.id} {safe(f.subject)}: {safe(f.detail)}"
              for t in run.tls for f in t.findings]
    return [*lines, ""]


def _cell(value: object) -> str:
    text = safe(str(value))
    return "'" + text if text.startswith(FORMULA) else text


def render_csv(run: ReportsRun) -> str:
    """One row per (domain, source)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["domain", "begin", "end", "ip", "ptr", "messages", "spf_aligned", "dkim_aligned", "dmarc_pass",
                     "category", "authorized_by", "reporters"])
    for d in run.domains:
        for s in d.sources:
            writer.writerow([_cell(x) for x in (
                d.domain, iso(d.stats.begin), iso(d.stats.end), s.ip, s.ptr or "", s.stats.messages,
                s.stats.spf_aligned, s.stats.dkim_aligned, s.stats.dmarc_pass, s.category.value,
                s.authorized_by or "", " ".join(s.stats.reporters))])
    return buffer.getvalue()


def render_html(run: ReportsRun, catalogue: Catalogue) -> str:
    template = environment().get_template("reports.html.j2")
    words = dict(catalogue.words("reports"))
    return template.render(doc=reports_doc(run), w=words, lang=catalogue.lang, show=show)


def render(fmt: str, run: ReportsRun, catalogue: Catalogue) -> str:
    if fmt == "json":
        return render_json(run)
    if fmt == "csv":
        return render_csv(run)
    if fmt == "html":
        return render_html(run, catalogue)
    return render_table(run, catalogue)
