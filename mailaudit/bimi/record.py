"""The BIMI assertion record ``<selector>._bimi.<domain>`` (tag=value list as in RFC 6376). Pure."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

from mailaudit.mta_sts.problems import Problem

_TAG = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_LPS = re.compile(r"[A-Za-z0-9-]+")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_FQDN = re.compile(rf"(?:{_LABEL}\.)+[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\.?")
_FWS = " \t\r\n"


@dataclass(frozen=True)
class BimiRecord:
    text: str
    tags: tuple[tuple[str, str], ...]
    logo: str | None  # l=: None when absent or empty (an empty l= declines to publish)
    evidence: str | None  # a=: the mark certificate URL
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not any(p.fatal for p in self.problems)

    @property
    def declined(self) -> bool:
        return dict(self.tags).get("l") == "" and self.evidence is None


def select(texts: list[str]) -> list[str]:
    """Records that declare ``v=BIMI1`` (others at the name are ignored)."""
    return [t for t in texts if re.match(r"[ \t]*v[ \t]*=[ \t]*BIMI1[ \t]*(;|$)", t)]


def parse(text: str) -> BimiRecord:
    problems: list[Problem] = []
    tags = _tags(text, problems)
    names = [n for n, _ in tags]
    if not names or names[0] != "v" or tags[0][1] != "BIMI1":
        problems.append(Problem("record.version", True, value=text[:40]))
    values = dict(tags)
    if "l" not in values:
        problems.append(Problem("record.l.missing", True))
    logo = _https(values.get("l", ""), "record.l.invalid", problems)
    evidence = _https(values.get("a", ""), "record.a.invalid", problems)
    if values.get("avp", "brand") not in ("brand", "personal"):
        problems.append(Problem("record.avp.invalid", True, value=values["avp"][:40]))
    lps = values.get("lps")
    if lps is not None and not all(_LPS.fullmatch(p.strip(_FWS)) for p in lps.split(",")):
        problems.append(Problem("record.lps.invalid", True, value=lps[:60]))
    return BimiRecord(text, tuple(tags), logo, evidence, tuple(problems))


def _tags(text: str, problems: list[Problem]) -> list[tuple[str, str]]:
    tags: list[tuple[str, str]] = []
    parts = text.split(";")
    if parts and parts[-1].strip(_FWS) == "":
        parts = parts[:-1]
    for part in parts:
        name, sep, value = part.partition("=")
        name = name.strip(_FWS)
        if not sep or not _TAG.fullmatch(name):
            problems.append(Problem("record.syntax", True, value=part.strip(_FWS)[:60]))
        elif any(n == name for n, _ in tags):
            problems.append(Problem("record.duplicate", True, value=name))
        else:
            tags.append((name, value.strip(_FWS)))
    return tags


def _https(value: str, code: str, problems: list[Problem]) -> str | None:
    """One HTTPS URI with a host name (an IP literal is not a name), or None when empty."""
    if value == "":
        return None
    try:
        parts = urllib.parse.urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() != "https" or "," in value or not _FQDN.fullmatch(parts.hostname or ""):
        problems.append(Problem(code, True, value=value[:120]))
        return None
    return value


def fixed_value(logo_url: str, evidence_url: str | None = None) -> str:
    """The record to publish for a logo (and an optional mark certificate)."""
    value = f"v=BIMI1; l={logo_url}"
    return value + (f"; a={evidence_url}" if evidence_url else "")
