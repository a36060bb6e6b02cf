"""The whole of ``explain`` as one call: read the input, cross-check it, build the report.

    from mailaudit.explain.run import explain_bytes
    report = explain_bytes(open("bounce.eml", "rb").read(), resolver=Resolver(["192.0.2.53"]))
"""

from __future__ import annotations

from mailaudit.catalogue import Catalogue
from mailaudit.dnscore.resolver import Resolver, run_sync
from mailaudit.explain.evidence import read_evidence
from mailaudit.explain.investigate import investigate
from mailaudit.explain.limits import DEFAULT_LIMITS, Limits
from mailaudit.explain.report import ExplainReport, build_report
from mailaudit.options import AuditOptions


async def explain_bytes_async(data: bytes, *, resolver: Resolver, options: AuditOptions | None = None,
                              lang: str = "en", limits: Limits = DEFAULT_LIMITS) -> ExplainReport:
    """Raises ``UnreadableInput`` (a ValueError) when the input holds no reply, bounce or message."""
    evidence = read_evidence(data, limits)
    now = await investigate(evidence, resolver, options)
    return build_report(evidence, now, Catalogue.load(lang))


def explain_bytes(data: bytes, *, resolver: Resolver, options: AuditOptions | None = None,
                  lang: str = "en", limits: Limits = DEFAULT_LIMITS) -> ExplainReport:
    """Synchronous ``explain_bytes_async``."""
    return run_sync(lambda: explain_bytes_async(data, resolver=resolver, options=options, lang=lang, limits=limits))
