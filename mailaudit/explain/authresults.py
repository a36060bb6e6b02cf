"""``Authentication-Results`` (RFC 8601) and ``ARC-Authentication-Results`` (RFC 8617) fields.

A tolerant reader written for what receivers really send; the ``authres`` package (Apache-2.0)
was tried first and rejects common real fields: Microsoft's (no authserv-id), Yahoo's (a trailing
``;``), and it recurses per nested comment (a hostile field raises RecursionError) and is
quadratic in the number of results. Here one linear scan splits the field on ``;`` outside quotes
and comments (nesting capped), keeps each comment's text, and reads ``method=result``,
``reason=`` and ``ptype.property=value`` words.
"""

from __future__ import annotations

from dataclasses import dataclass

from .replies import addresses_in

MAX_RESULTS = 50
MAX_COMMENT_DEPTH = 8
KNOWN_METHODS = frozenset({"spf", "dkim", "dmarc", "arc", "auth", "iprev", "compauth", "bimi", "dkim-atps",
                           "domainkeys", "sender-id", "smime", "vbr", "rrvs", "dkim-adsp"})


@dataclass(frozen=True, slots=True)
class AuthResult:
    method: str
    result: str
    reason: str = ""
    props: tuple[tuple[str, str], ...] = ()
    comment: str = ""

    def prop(self, name: str) -> str:
        key = name.lower()
        return next((v for k, v in self.props if k == key), "")


@dataclass(frozen=True, slots=True)
class AuthResults:
    authserv_id: str
    results: tuple[AuthResult, ...]
    instance: int = 0  # ARC instance (i=), 0 for Authentication-Results

    def of(self, method: str) -> tuple[AuthResult, ...]:
        return tuple(r for r in self.results if r.method == method)

    def client_ip(self) -> str:
        """The connecting address the receiver recorded (smtp.remote-ip, iprev, or an SPF comment)."""
        for result in self.results:
            for key in ("smtp.remote-ip", "policy.iprev", "smtp.client-ip"):
                found = addresses_in(result.prop(key))
                if found:
                    return found[0]
        for result in self.of("spf") + self.of("iprev"):
            found = addresses_in(result.comment)
            if found:
                return found[0]
        return ""


def _segments(value: str) -> list[tuple[str, str]]:
    """(text outside comments, comment text) of each ``;``-separated segment; one linear pass."""
    segments: list[tuple[str, str]] = []
    text: list[str] = []
    comment: list[str] = []
    depth = 0
    quoted = False
    for ch in value:
        if quoted:
            (comment if depth else text).append(ch)
            quoted = ch != '"'
        elif ch == "(":
            depth = min(depth + 1, MAX_COMMENT_DEPTH)
            comment.append(" ")
        elif ch == ")" and depth:
            depth -= 1
            (comment if depth else text).append(" ")
        elif depth:
            comment.append(ch)
        elif ch == ";":
            segments.append(("".join(text), "".join(comment)))
            text, comment = [], []
        else:
            text.append(ch)
            quoted = ch == '"'
        if len(segments) > MAX_RESULTS:
            break
    segments.append(("".join(text), "".join(comment)))
    return [(" ".join(t.split()), " ".join(c.split())) for t, c in segments]


def parse_authentication_results(value: str, arc: bool = False) -> AuthResults:
    """Parse one unfolded field value. Never raises: unreadable parts are skipped."""
    segments = _segments(value)
    instance = 0
    if arc and segments and segments[0][0].lower().startswith("i="):
        digits = segments[0][0][2:].strip()
        instance = int(digits) if digits.isdigit() and len(digits) < 4 else 0
        segments = segments[1:]
    authserv = ""
    if segments and "=" not in segments[0][0]:
        authserv = segments[0][0].split(" ", 1)[0].lower()
        segments = segments[1:]
    results: list[AuthResult] = []
    for text, comment in segments:
        results.extend(_resinfo(text, comment))
    return AuthResults(authserv, tuple(results[:MAX_RESULTS]), instance)


def _resinfo(text: str, comment: str) -> list[AuthResult]:
    """The results in one segment (usually one; several when a receiver forgot the ``;``)."""
    out: list[AuthResult] = []
    method = result = reason = ""
    props: list[tuple[str, str]] = []
    for word in text.split():
        key, eq, val = word.partition("=")
        if not eq:
            continue
        key = key.lower()
        base = key.split("/", 1)[0]
        if "." not in key and (not method or base in KNOWN_METHODS) and base != "reason":
            if method:
                out.append(AuthResult(method, result, reason, tuple(props), comment))
            method, result, reason, props = base, val.lower().strip('"'), "", []
        elif key == "reason" and method:
            reason = val.strip('"')
        elif method:
            props.append((key, val.strip('"')))
    if method:
        out.append(AuthResult(method, result, reason, tuple(props), comment))
    return out
