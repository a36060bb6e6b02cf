"""Bounded MIME parsing of raw bytes with the stdlib ``email`` package.

Header blocks are parsed by ``email.parser.BytesHeaderParser``; bodies are split here, by
boundary, with caps on input size, nesting depth, part count and header size, so a MIME bomb
(deep nesting, thousands of parts, a 50 MB message, a megabyte header) costs bounded time and
memory. Containers keep no body of their own: leaves (and attached messages) do, so the bytes kept
are bounded by the input size times the number of attached-message levels.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email.header
import email.message
import email.parser
import email.policy
import itertools
import quopri
from dataclasses import dataclass, field

from .limits import DEFAULT_LIMITS, Limits

Headers = tuple[tuple[str, str], ...]
MAX_ENCODED_WORD = 200  # RFC 2047 says 75; real mailers overshoot a little
RFC822_TYPES = frozenset({"message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers"})


@dataclass(frozen=True, slots=True)
class Part:
    """A leaf part: its headers, content type and transfer-encoded body."""

    headers: Headers
    content_type: str
    charset: str
    encoding: str
    body: bytes
    depth: int

    def text(self, limit: int = DEFAULT_LIMITS.max_text_chars) -> str:
        """The body decoded (transfer encoding, then charset); undecodable bytes are replaced."""
        return decode_text(self.body, self.encoding, self.charset)[:limit]


@dataclass(frozen=True, slots=True)
class Message:
    """One message: its header fields (unfolded, in order), its leaf parts and attached messages."""

    raw: bytes
    headers: Headers
    parts: tuple[Part, ...]
    attached: tuple[Message, ...]
    content_type: str
    problems: tuple[str, ...] = ()
    truncated: bool = False

    def get(self, name: str) -> str | None:
        return header(self.headers, name)

    def get_all(self, name: str) -> tuple[str, ...]:
        return headers_named(self.headers, name)


def header(headers: Headers, name: str) -> str | None:
    key = name.lower()
    return next((v for k, v in headers if k == key), None)


def headers_named(headers: Headers, name: str) -> tuple[str, ...]:
    key = name.lower()
    return tuple(v for k, v in headers if k == key)


@dataclass(slots=True)
class _Budget:
    limits: Limits
    parts: int = 0
    problems: list[str] = field(default_factory=list)

    def note(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)


def parse_message(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> Message:
    """Parse ``raw`` (already cut to ``limits.max_bytes`` by the reader, or cut here)."""
    truncated = len(raw) > limits.max_bytes
    raw = raw[: limits.max_bytes]
    budget = _Budget(limits)
    if truncated:
        budget.note("truncated")
    message = _message(raw, 0, budget)
    return Message(message.raw, message.headers, message.parts, message.attached, message.content_type,
                   tuple(budget.problems), truncated)


def split_header_block(raw: bytes) -> tuple[bytes, bytes]:
    """(header block, body) at the first empty line; a block without one is all header."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        at = raw.find(sep)
        if at >= 0:
            other = raw.find(b"\n\n" if sep == b"\r\n\r\n" else b"\r\n\r\n")
            if other < 0 or at <= other:
                return raw[: at + len(sep)], raw[at + len(sep):]
    return raw, b""


def parse_headers(block: bytes, budget_limits: Limits = DEFAULT_LIMITS) -> tuple[Headers, list[str]]:
    """Header fields of one block: (lower-case name, unfolded value with RFC 2047 words decoded)."""
    problems: list[str] = []
    if len(block) > budget_limits.max_header_bytes:
        block = block[: budget_limits.max_header_bytes]
        problems.append("header_too_large")
    parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(block)
    if parsed.defects:
        problems.append("malformed_header")
    items = parsed.items()
    if len(items) > budget_limits.max_headers:
        items = items[: budget_limits.max_headers]
        problems.append("too_many_headers")
    out = tuple((name.lower(), clean_value(value, budget_limits.max_field_chars)) for name, value in items)
    return out, problems


def clean_value(value: object, limit: int) -> str:
    """Unfold, decode RFC 2047 words, replace undecodable bytes; cap at ``limit`` characters."""
    if isinstance(value, email.header.Header):  # compat32 wraps raw 8-bit values: get the bytes back
        text = "".join(_decode_bytes(chunk, charset or "utf-8") if isinstance(chunk, bytes) else chunk
                       for chunk, charset in email.header.decode_header(value))
    else:
        text = str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = " ".join(text.split())[: limit * 2]
    if "=?" in text:
        text = _decode_words(text)
    return text[:limit]


def _decode_words(text: str) -> str:
    """RFC 2047 encoded words, token by token: an encoded word holds no space and is at most 75
    characters (RFC 2047 section 2), so longer tokens stay as written. The stdlib's decoder is
    quadratic on a long run of ``=?a?q?`` fragments; tokens keep it linear. Adjacent encoded words
    are joined without the space between them (section 6.2)."""
    out: list[str] = []
    previous = False
    for token in text.split(" "):
        encoded = "=?" in token and "?=" in token and len(token) <= MAX_ENCODED_WORD
        if encoded:
            token = _decode_token(token)
        if out and not (encoded and previous):
            out.append(" ")
        out.append(token)
        previous = encoded
    return "".join(out)


def _decode_token(token: str) -> str:
    try:
        chunks = email.header.decode_header(token)
    except (ValueError, LookupError, binascii.Error):
        return token
    return "".join(_decode_bytes(chunk, charset or "ascii") if isinstance(chunk, bytes) else chunk
                   for chunk, charset in chunks)


def _decode_bytes(data: bytes, charset: str) -> str:
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    try:
        return data.decode(charset, "replace")
    except (LookupError, ValueError):  # codecs that refuse "replace" or misbehave
        return data.decode("utf-8", "replace")


def decode_text(body: bytes, encoding: str, charset: str) -> str:
    """Transfer-decode then charset-decode; broken base64 or quoted-printable is read as is."""
    data = body
    if encoding == "base64":
        try:
            data = base64.b64decode(b"".join(body.split()) + b"==", validate=False)
        except (binascii.Error, ValueError):
            data = body
    elif encoding == "quoted-printable":
        data = quopri.decodestring(body)
    return _decode_bytes(data, charset or "utf-8")


def _content_type(headers: Headers) -> tuple[str, str, str, str]:
    """(type/subtype, boundary, charset, transfer encoding) read by the stdlib's own rules."""
    probe = email.message.Message()
    value = header(headers, "content-type")
    if value is not None:
        probe["Content-Type"] = value
    ctype = probe.get_content_type()
    boundary = probe.get_param("boundary")
    charset = probe.get_param("charset")
    encoding = (header(headers, "content-transfer-encoding") or "7bit").strip().lower()
    return (ctype, boundary if isinstance(boundary, str) else "",
            charset.strip().lower() if isinstance(charset, str) else "", encoding)


def _message(raw: bytes, depth: int, budget: _Budget) -> Message:
    block, body = split_header_block(raw)
    headers, problems = parse_headers(block, budget.limits)
    for problem in problems:
        budget.note(problem)
    ctype = _content_type(headers)[0]
    parts: list[Part] = []
    attached: list[Message] = []
    _walk(headers, body, depth, budget, parts, attached)
    return Message(raw, headers, tuple(parts), tuple(attached), ctype)


def _walk(headers: Headers, body: bytes, depth: int, budget: _Budget,
          parts: list[Part], attached: list[Message]) -> None:
    """Add the leaves of one entity to ``parts`` and its attached messages to ``attached``."""
    budget.parts += 1
    if budget.parts > budget.limits.max_parts:
        budget.note("too_many_parts")
        return
    ctype, boundary, charset, encoding = _content_type(headers)
    if ctype.startswith("multipart/") and boundary:
        if depth >= budget.limits.max_depth:
            budget.note("too_deep")
            return
        for chunk in split_multipart(body, boundary.encode("utf-8", "replace"), budget.limits.max_parts):
            if chunk.startswith((b"\r\n", b"\n")):
                block, inner = b"", chunk.split(b"\n", 1)[1]  # no headers: text/plain by default
            else:
                block, inner = split_header_block(chunk)
            sub, problems = parse_headers(block, budget.limits)
            for problem in problems:
                budget.note(problem)
            _walk(sub, inner, depth + 1, budget, parts, attached)
        return
    if ctype in RFC822_TYPES:
        if depth >= budget.limits.max_depth:
            budget.note("too_deep")
            return
        inner_raw = decode_text(body, encoding, "utf-8").encode("utf-8", "replace") \
            if encoding in ("base64", "quoted-printable") else body
        attached.append(_message(inner_raw, depth + 1, budget))
        return
    parts.append(Part(headers, ctype, charset, encoding, body, depth))


def split_multipart(body: bytes, boundary: bytes, max_parts: int) -> list[bytes]:
    """The body parts between ``--boundary`` lines (linear scan; at most ``max_parts``)."""
    delim = b"--" + boundary
    starts: list[tuple[int, int]] = []  # (delimiter line start, next line start)
    at = 0
    closed = False
    while len(starts) <= max_parts:
        hit = body.find(delim, at)
        if hit < 0:
            break
        at = hit + len(delim)
        if hit and body[hit - 1:hit] != b"\n":
            continue
        line_end = body.find(b"\n", at)
        after = len(body) if line_end < 0 else line_end + 1
        starts.append((hit, after))
        if body[at:at + 2] == b"--":
            closed = True
            break
    chunks: list[bytes] = []
    for (_, begin), (end, _) in itertools.pairwise(starts):
        chunk = body[begin:end]
        chunks.append(chunk[:-2] if chunk.endswith(b"\r\n") else chunk[:-1] if chunk.endswith(b"\n") else chunk)
    if starts and not closed:
        chunks.append(body[starts[-1][1]:])  # an unterminated last part
    return chunks[:max_parts]
