"""Turning what a user typed into the domain to audit (A-label form), or a clear error."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import idna
from publicsuffixlist import PublicSuffixList

from mailaudit.errors import InputError
from mailaudit.text import escape_text

_LDH = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_MAX_NAME = 253
_DOTS = MappingProxyType(str.maketrans("\u3002\uff0e\uff61", "..."))  # label separators (RFC 3490 3.1)


@dataclass(frozen=True, slots=True)
class DomainInput:
    domain: str  # A-label, lower case, no trailing dot
    given: str
    via: str | None = None  # "url" or "email" when the domain was taken from one (the report says so)
    host: str = ""  # the host name the URL or address named

    def note(self, words: Mapping[str, str]) -> str | None:
        """The report's note on where the domain came from, in the catalogue's words."""
        if self.via is None:
            return None
        template = words.get(f"input_from_{self.via}", "audited {domain} from {given}")
        return template.format(domain=self.domain, host=self.host, given=_shown(self.given))


def normalize(text: str, exact: bool = False) -> DomainInput:
    """Accept a bare name, Unicode (IDN) or A-label, a trailing dot, an e-mail address or URL.

    A URL means its registered domain (by the Public Suffix List: ``https://www.shop.example/x``
    audits ``shop.example``), unless ``exact``; an e-mail address means the domain after ``@``."""
    raw = text
    text = text.strip()
    shown = _shown(raw)
    if not text:
        raise InputError("empty domain name")
    if any(ch.isspace() for ch in text):
        raise InputError(f"{shown}: a domain name cannot contain spaces")
    if "://" in text:
        try:
            host = urllib.parse.urlsplit(text).hostname
        except ValueError:  # e.g. an unclosed '[' of an IPv6 literal
            host = None
        if not host:
            raise InputError(f"{shown}: URL without a host name")
        host_alabel = to_alabel(host, shown)
        domain = host_alabel if exact else registered_domain(host_alabel)
        return DomainInput(domain, raw, "url_exact" if exact or domain == host_alabel else "url", host_alabel)
    if "@" in text:
        local, _, host = text.rpartition("@")
        if not local or not host:
            raise InputError(f"{shown}: not a domain or e-mail address")
        domain = to_alabel(host, shown)
        return DomainInput(domain, raw, "email", domain)
    return DomainInput(to_alabel(text, shown), raw)


def registered_domain(host: str) -> str:
    """The registered domain of an A-label host name by the Public Suffix List (the bundled copy of
    the maintained ``publicsuffixlist`` package: no download), or the host itself when it is a
    public suffix or has no registrable part."""
    found = PublicSuffixList().privatesuffix(host)
    return found if isinstance(found, str) and found else host


def to_alabel(text: str, shown: str | None = None) -> str:
    shown = shown or _shown(text)
    text = text.translate(_DOTS)
    name = text[:-1] if text.endswith(".") else text
    if not name:
        raise InputError(f"{shown}: empty domain name")
    if name.startswith(".") or ".." in name:
        raise InputError(f"{shown}: empty label (two dots in a row or a leading dot)")
    labels = name.split(".")
    if len(labels) < 2:
        raise InputError(f"{shown}: not a domain name (needs at least two labels, like example.com)")
    out: list[str] = []
    for label in labels:
        out.append(_label(label, shown))
    domain = ".".join(out)
    if len(domain) > _MAX_NAME:
        raise InputError(f"{shown}: longer than {_MAX_NAME} characters")
    if out[-1].isdigit():
        raise InputError(f"{shown}: an IP address or number is not a domain name")
    return domain


def _label(label: str, shown: str) -> str:
    if label.isascii():
        low = label.lower()
        if len(low) > 63:
            raise InputError(f"{shown}: label {_shown(label[:20])}... is longer than 63 characters")
        if not _LDH.match(low):
            raise InputError(f"{shown}: label {_shown(label)} has characters not allowed in a host name")
        if low.startswith("xn--"):
            try:
                idna.decode(low)
            except idna.IDNAError as err:
                raise InputError(f"{shown}: bad A-label {low}: {err}") from None
        return low
    try:
        encoded = idna.encode(label, uts46=True).decode("ascii")
    except idna.IDNAError as err:
        raise InputError(f"{shown}: not a valid internationalised label: {err}") from None
    if len(encoded) > 63:
        raise InputError(f"{shown}: label {_shown(label[:20])} is longer than 63 octets when encoded")
    return encoded


def _shown(text: str) -> str:
    """A user's input, safe to print on one line: control characters escaped, length capped."""


    clipped = text if len(text) <= 80 else text[:77] + "..."
    return repr(escape_text(clipped))
