"""SMTP replies (RFC 5321 section 4.2, enhanced codes RFC 3463) found in pasted or bounced text.

Finds replies written at the start of a line (``550-5.7.26 ...`` / ``550 5.7.26 ...``), after a
prefix (Postfix ``said: 550 ...``, DSN ``smtp; 550 ...``, Exim's indented lines), and joins the
continuation lines. Also pulls the IP addresses, e-mail addresses and host names a reply names.
Every pattern is linear (no nested unbounded repetition) and every input is capped.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

import idna

from .limits import DEFAULT_LIMITS

_CODE = re.compile(r"(?<![\w.-])([245][0-5][0-9])([ -])(?:([245])\.([0-9]{1,3})\.([0-9]{1,3})(?![\w.]))?")
_DOMAIN_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_SEPARATORS = str.maketrans({c: " " for c in "[](){}<>,;\"'`|=!?*\\"})
MAX_REPLIES = 20


@dataclass(frozen=True, slots=True)
class Reply:
    """One SMTP reply: basic code, enhanced status code (``""`` when none) and the joined text."""

    code: int
    status: str
    text: str

    @property
    def permanent(self) -> bool:
        return self.code >= 500

    @property
    def search_text(self) -> str:
        """Lower-case, whitespace collapsed: what the knowledge table matches."""
        return " ".join(f"{self.code} {self.status} {self.text}".lower().split())

    def __str__(self) -> str:
        return " ".join(x for x in (str(self.code), self.status, self.text) if x)


def _start(line: str) -> re.Match[str] | None:
    """The reply code that starts on this line, if any (at its start, or with an enhanced code)."""
    stripped = line.lstrip()
    for match in _CODE.finditer(line):
        at_start = match.start() == len(line) - len(stripped)
        enhanced = match.group(3) is not None
        if enhanced and match.group(3) != match.group(1)[0]:
            continue
        if enhanced or (at_start and len(stripped) > 4 and not stripped[4:5].isdigit()):
            return match
    return None


def find_replies(text: str, limit: int = DEFAULT_LIMITS.max_text_chars) -> tuple[Reply, ...]:
    """Every reply in ``text`` (capped at ``limit`` characters and ``MAX_REPLIES`` replies)."""
    lines = text[:limit].replace("\r", "").split("\n")
    replies: list[Reply] = []
    i = 0
    while i < len(lines) and len(replies) < MAX_REPLIES:
        match = _start(lines[i])
        if match is None:
            i += 1
            continue
        reply, i = _collect(lines, i, match)
        if reply not in replies:
            replies.append(reply)
    return tuple(replies)


def _collect(lines: list[str], i: int, match: re.Match[str]) -> tuple[Reply, int]:
    """Join the reply starting at ``lines[i]`` with its continuation lines; return it and the next index."""
    code, status = match.group(1), _status(match)
    indented = match.start() > 0
    pieces = [_rest(lines[i], match)]
    more = match.group(2) == "-"
    i += 1
    while i < len(lines) and lines[i].strip():
        line = lines[i]
        nxt = _start(line)
        if nxt is not None and nxt.group(1) == code and nxt.start() == len(line) - len(line.lstrip()):
            pieces.append(_rest(line, nxt))
            more = nxt.group(2) == "-"
        elif nxt is None and (more or indented) and (line[:1].isspace() or more) and not _field_line(line):
            pieces.append(line.strip())
        else:
            break
        i += 1
    text = " ".join(" ".join(pieces).split())
    for prefix in (f" {code}-{status} ", f" {code} {status} ") if status else (f" {code}-", ):
        text = (" " + text + " ").replace(prefix, " ").strip()
    return Reply(int(code), status, text), i


def _field_line(line: str) -> bool:
    """A DSN field line (``Status: 5.0.0``) ends a reply."""
    name, sep, _ = line.partition(":")
    return bool(sep) and not line[:1].isspace() and name.replace("-", "").isalnum()


def _status(match: re.Match[str]) -> str:
    if match.group(3) is None:
        return ""
    return f"{match.group(3)}.{int(match.group(4))}.{int(match.group(5))}"


def _rest(line: str, match: re.Match[str]) -> str:
    return line[match.end():].strip()


def status_codes(text: str, limit: int = DEFAULT_LIMITS.max_text_chars) -> tuple[str, ...]:
    """Enhanced status codes standing alone (a DSN ``Status:`` field)."""
    out: list[str] = []
    for token in text[:limit].translate(_SEPARATORS).split():
        parts = token.split(".")
        if len(parts) == 3 and parts[0] in ("2", "4", "5") and all(p.isdigit() and len(p) <= 3 for p in parts[1:]):
            code = f"{parts[0]}.{int(parts[1])}.{int(parts[2])}"
            if code not in out:
                out.append(code)
    return tuple(out)


def _tokens(text: str) -> list[str]:
    return [t.strip(".:") for t in text.translate(_SEPARATORS).split()]


def addresses_in(text: str) -> tuple[str, ...]:
    """IP addresses named in ``text`` (IPv4 and IPv6, in order, each once)."""
    out: list[str] = []
    for token in _tokens(text):
        if not token or len(token) > 45 or not (token[0].isdigit() or ":" in token):
            continue
        for candidate in (token, token.removeprefix("ipv6:").removeprefix("IPv6:")):
            try:
                ip = ipaddress.ip_address(candidate)
            except ValueError:
                continue
            if str(ip) not in out:
                out.append(str(ip))
            break
    return tuple(out)


def emails_in(text: str) -> tuple[str, ...]:
    """E-mail addresses named in ``text`` (lower-cased, each once; IDN domains in A-label form)."""
    out: list[str] = []
    for token in _tokens(text):
        local, at, domain = token.rpartition("@")
        domain = a_label(domain)
        address = f"{local}@{domain}".lower()
        if at and local and is_domain(domain) and address not in out:
            out.append(address)
    return tuple(out)


def a_label(domain: str) -> str:
    """A Unicode (IDN) domain in A-label form (UTS 46); unchanged when ASCII or not convertible."""
    if domain.isascii() or len(domain) > 253:
        return domain
    try:
        return idna.encode(domain.rstrip("."), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return domain


def domains_in(text: str) -> tuple[str, ...]:
    """Host or domain names named in ``text`` (not inside e-mail addresses or URLs' paths)."""
    out: list[str] = []
    for token in _tokens(text):
        token = token.lower()
        if "://" in token:
            token = token.split("://", 1)[1].split("/", 1)[0]
        if "@" in token or "/" in token:
            continue
        if is_domain(token) and token not in out:
            out.append(token)
    return tuple(out)


def is_domain(text: str) -> bool:
    """A plausible DNS name with at least two labels and an alphabetic top label."""
    labels = text.lower().rstrip(".").split(".")
    if len(labels) < 2 or len(text) > 253 or not labels[-1].isalpha() or len(labels[-1]) < 2:
        return False
    return all(_DOMAIN_LABEL.fullmatch(label) for label in labels)


_SENDER_CUES = ("email from ", "mail from ", "message from ", "sender domain ", "domain of ", "mailfrom domain ",
                "from domain ", "sending domain ", "spf domain ", "dkim domain ", "spf [", "mail from:<",
                "mail from: <", "smtp.mailfrom=")


def sender_domain_in(text: str, limit: int = DEFAULT_LIMITS.max_text_chars) -> str:
    """The sending domain a reply names (Gmail's "email from example.com is not accepted..."), or ""."""
    low = text[:limit].lower()
    for cue in _SENDER_CUES:
        at = low.find(cue)
        while at >= 0:
            word = low[at + len(cue):].split(" ", 1)[0].strip("<>[]()\"'.,;:")
            domain = word.rpartition("@")[2]
            if is_domain(domain):
                return domain.rstrip(".")
            at = low.find(cue, at + 1)
    return ""
