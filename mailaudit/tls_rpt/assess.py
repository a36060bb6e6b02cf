"""TLS-RPT verdicts from facts: the ``_smtp._tls`` TXT strings and whether MTA-STS or DANE is in use. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from mailaudit.mta_sts.issues import Assessment, Issue, Reason
from mailaudit.tls_rpt import record


def owner(domain: str) -> str:
    return f"_smtp._tls.{domain}"


def assess(domain: str, texts: Sequence[str], sts: bool | None, dane: bool | None) -> Assessment:
    """``sts``/``dane``: in use, not in use, or None when that could not be told."""
    chosen = record.select(list(texts))
    data: dict[str, object] = {"record": chosen[0] if len(chosen) == 1 else None}
    fix = ((f"{owner(domain)}.", "TXT", record.fixed_value(f"tls-reports@{domain}")),)
    if not chosen:
        return _missing(domain, sts, dane, fix, data)
    if len(chosen) > 1:
        return Assessment((Issue("tls_rpt.multiple", owner(domain), params=(("count", str(len(chosen))),),
                                 evidence=tuple(chosen), records=fix),), data=data)
    parsed = record.parse(chosen[0])
    if parsed.valid:
        return Assessment(data=data)
    first = next(p for p in parsed.problems if p.fatal)
    return Assessment((Issue("tls_rpt.invalid", owner(domain), variant=first.code.replace("record.", "").replace(
        ".", "_"), params=(("value", first.value),), evidence=(chosen[0],), records=fix),), data=data)


def _missing(domain: str, sts: bool | None, dane: bool | None, fix: tuple[tuple[str, str, str], ...],
             data: dict[str, object]) -> Assessment:
    if sts or dane:
        used = " and ".join(n for n, on in (("MTA-STS", sts), ("DANE", dane)) if on)
        variant = "sts" if sts and not dane else "dane" if dane and not sts else "both"
        return Assessment((Issue("tls_rpt.missing", owner(domain), variant=variant, params=(("uses", used),),
                                 records=fix),), data=data)
    unknown = [n for n, on in (("mta_sts", sts), ("dane", dane)) if on is None]
    if unknown:
        return Assessment(errors=tuple(Reason(f"unknown.{n}", domain) for n in unknown), data=data)
    return Assessment(data=data)


def mail_destinations(texts: Sequence[str]) -> list[record.Destination]:
    """The ``mailto:`` destinations of the one valid record (what the check verifies can receive mail)."""
    chosen = record.select(list(texts))
    parsed = record.parse(chosen[0]) if len(chosen) == 1 else None
    if parsed is None or not parsed.valid:
        return []
    return [d for d in parsed.destinations if d.scheme == "mailto"]


def deliverable(destination: record.Destination, mx: str, a: str) -> Issue | None:
    """``mx``/``a``: what the MX and A lookups of the address's domain gave: ``answer``, ``null`` (a
    null MX), ``nxdomain``, ``nodata`` (``a`` is only consulted after MX ``nodata``: implicit MX)."""
    if mx == "answer" or (mx == "nodata" and a == "answer"):
        return None
    variant = "nxdomain" if mx == "nxdomain" else "null_mx" if mx == "null" else "no_host"
    return Issue("tls_rpt.rua.undeliverable", destination.uri, variant=variant,
                 params=(("target", destination.domain), ("uri", destination.uri)))
