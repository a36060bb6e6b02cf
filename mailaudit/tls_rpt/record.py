"""The ``_smtp._tls.<domain>`` TXT record (RFC 8460 section 3). Pure; never raises."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass

from mailaudit.mta_sts.problems import Problem

_DELIM = re.compile(r"[ \t]*;[ \t]*")
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_EXT_VALUE = re.compile(r"[\x21-\x3a\x3c\x3e-\x7e]+")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\.?")
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")


@dataclass(frozen=True)
class Destination:
    uri: str
    scheme: str  # "mailto" or "https"
    domain: str  # the mail domain or the web host


@dataclass(frozen=True)
class TlsRptRecord:
    text: str
    destinations: tuple[Destination, ...]
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return bool(self.destinations) and not any(p.fatal for p in self.problems)


def select(texts: list[str]) -> list[str]:
    """Records a sender keeps: those that begin with ``v=TLSRPTv1`` (others are discarded)."""
    return [t for t in texts if t.startswith("v=TLSRPTv1") and (len(t) == 10 or t[10] in "; \t")]


def parse(text: str) -> TlsRptRecord:
    parts = _DELIM.split(text.strip(" \t"))
    problems: list[Problem] = []
    if parts[0] != "v=TLSRPTv1":
        problems.append(Problem("record.version", True, value=parts[0][:40]))
    if len(parts) > 1 and parts[-1] == "":
        parts = parts[:-1]
    destinations: list[Destination] = []
    seen_rua = False
    for part in parts[1:]:
        name, sep, value = part.partition("=")
        if not sep or not _NAME.fullmatch(name):
            problems.append(Problem("record.syntax", True, value=part[:60]))
        elif name == "rua":
            seen_rua = True
            destinations.extend(_destinations(value, problems))
        elif not _EXT_VALUE.fullmatch(value):
            problems.append(Problem("record.syntax", True, value=part[:60]))
    if not seen_rua:
        problems.append(Problem("record.rua.missing", True))
    return TlsRptRecord(text, tuple(destinations), tuple(problems))


def _destinations(value: str, problems: list[Problem]) -> list[Destination]:
    found = []
    for uri in (u.strip(" \t") for u in value.split(",")):
        destination = destination_of(uri)
        if destination is None:
            problems.append(Problem("record.rua.invalid", True, value=uri[:80]))
        else:
            found.append(destination)
    return found


def destination_of(uri: str) -> Destination | None:
    """A ``mailto:`` address or an ``https:`` URL with a real host name, else None."""
    scheme, sep, rest = uri.partition(":")
    scheme = scheme.lower()
    if not sep or not rest:
        return None
    if scheme == "mailto":
        local, at, domain = urllib.parse.unquote(rest.split("?", 1)[0]).rpartition("@")
        if at and _LOCAL.fullmatch(local) and _DOMAIN.fullmatch(domain):
            return Destination(uri, "mailto", domain.rstrip(".").lower())
        return None
    if scheme == "https":
        try:
            host = urllib.parse.urlsplit(uri).hostname or ""
        except ValueError:
            return None
        if rest.startswith("//") and _DOMAIN.fullmatch(host):
            return Destination(uri, "https", host.rstrip(".").lower())
    return None


def fixed_value(address: str) -> str:
    """The record to publish for report address ``address`` (an e-mail address)."""
    return f"v=TLSRPTv1; rua=mailto:{address}"
