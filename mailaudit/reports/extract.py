"""Find the report documents inside files, archives, messages and mailboxes, within hard limits.

Every function yields :class:`Document` (a stream valid until the next item is requested) or
:class:`~.model.InputError`; a broken piece becomes one error and the walk goes on. Types are
decided by magic bytes, never by a file name or a declared media type (Amazon SES sends
``application/octet-stream``).
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message
from typing import BinaryIO, Literal

from .limits import DEFAULT_LIMITS, LimitExceeded, Limits
from .model import InputError
from .streams import CountingReader, LimitedReader, peek, read_capped, sniff

Kind = Literal["dmarc", "tlsrpt"]
REPORT_NAME = re.compile(r"\.(xml|json|gz|gzip|zip)$", re.IGNORECASE)
REPORT_TYPES = frozenset(
    {"application/gzip", "application/x-gzip", "application/zip", "application/x-zip-compressed",
     "application/xml", "text/xml", "application/tlsrpt+json", "application/tlsrpt+gzip",
     "application/json", "application/octet-stream"}
)
HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:[ \t]")
READ_ERRORS = (OSError, EOFError, zlib.error, zipfile.BadZipFile, gzip.BadGzipFile, LimitExceeded)


@dataclass(frozen=True, slots=True)
class Document:
    """One report document: where it came from, what it is, and its (capped) bytes."""

    origin: str
    kind: Kind
    stream: BinaryIO


Item = Document | InputError


def iter_payload(origin: str, stream: BinaryIO, limits: Limits = DEFAULT_LIMITS, depth: int = 0) -> Iterator[Item]:
    """The documents in one blob: plain XML/JSON, gzip, or zip (members may be gzip again). A blob
    that breaks while it is unpacked (a truncated gzip, a zip without its directory) ends as one
    ``InputError`` after the documents that came before it, never as an exception."""
    try:
        yield from _payload(origin, stream, limits, depth)
    except READ_ERRORS as exc:
        yield InputError(origin, " ".join(str(exc).split())[:300] or type(exc).__name__)


def _payload(origin: str, stream: BinaryIO, limits: Limits, depth: int) -> Iterator[Item]:
    if depth > limits.max_depth:
        yield InputError(origin, "archives nested too deep; refused")
        return
    head, stream = peek(stream)
    kind = sniff(head)
    if kind == "gzip":
        yield from _gunzip(origin, stream, limits, depth)
    elif kind == "zip":
        yield from _unzip(origin, stream, limits, depth)
    elif kind in ("xml", "json"):
        doc_kind: Kind = "dmarc" if kind == "xml" else "tlsrpt"
        yield Document(origin, doc_kind, stream)
    else:
        yield InputError(origin, f"not a DMARC or TLS-RPT report (starts with {_show(head)})")


def _gunzip(origin: str, stream: BinaryIO, limits: Limits, depth: int) -> Iterator[Item]:
    counter = CountingReader(stream)
    inflated = gzip.GzipFile(fileobj=io.BufferedReader(counter, 8192), mode="rb")
    capped = LimitedReader(inflated, limits.max_document, limits, lambda: counter.count)  # type: ignore[arg-type]
    yield from iter_payload(origin, io.BufferedReader(capped, 65536), limits, depth + 1)


def _unzip(origin: str, stream: BinaryIO, limits: Limits, depth: int) -> Iterator[Item]:
    if not stream.seekable():
        stream = io.BytesIO(read_capped(stream, limits.max_message, "zip archive"))
    with zipfile.ZipFile(stream) as archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > limits.max_members:
            yield InputError(origin, f"zip archive with more than {limits.max_members} members; refused")
            return
        for info in members:
            name = f"{origin}!{info.filename}"
            try:
                with archive.open(info) as member:
                    packed = info.compress_size
                    capped = LimitedReader(member, limits.max_document, limits, lambda p=packed: p)  # type: ignore[misc, arg-type]
                    yield from iter_payload(name, io.BufferedReader(capped, 65536), limits, depth + 1)
            except (*READ_ERRORS, NotImplementedError, RuntimeError) as exc:
                yield InputError(name, one_line(exc))


def iter_message(origin: str, raw: bytes, limits: Limits = DEFAULT_LIMITS) -> Iterator[Item]:
    """The reports attached to one e-mail message, whatever their media type."""
    if len(raw) > limits.max_message:
        yield InputError(origin, f"message larger than {limits.max_message} bytes; refused")
        return
    message: Message = message_from_bytes(raw, policy=policy.compat32)
    budget = [limits.max_parts]
    for index, part in enumerate(_leaves(message, limits, 0, budget)):
        if isinstance(part, InputError):
            yield InputError(origin, part.error)
            return
        strength = _candidate(part)
        if not strength:
            continue
        body = part.get_payload(decode=True)
        if isinstance(body, bytes) and body and (strength == "strong" or sniff(body[:512])):
            name = part.get_filename() or f"part{index}"
            yield from iter_payload(f"{origin}/{_clean(name)}", io.BytesIO(body), limits, 1)


def _leaves(part: Message, limits: Limits, depth: int, budget: list[int]) -> Iterator[Message | InputError]:
    """Leaf parts, depth first; too deep or too many parts is one error (a MIME bomb)."""
    budget[0] -= 1
    if depth > limits.max_depth or budget[0] < 0:
        yield InputError("", f"MIME structure deeper than {limits.max_depth} or over {limits.max_parts} parts")
        return
    if not part.is_multipart():
        yield part
        return
    children = part.get_payload()
    for child in children if isinstance(children, list) else []:
        if not isinstance(child, Message):
            continue
        for leaf in _leaves(child, limits, depth + 1, budget):
            yield leaf
            if isinstance(leaf, InputError):
                return


def _candidate(part: Message) -> str:
    """``strong``: named or typed like a report; ``weak``: some other attachment (kept if its bytes are a report)."""
    name = part.get_filename()
    ctype = part.get_content_type()
    if (name and REPORT_NAME.search(name.strip())) or ctype in REPORT_TYPES:
        return "strong"
    return "weak" if name and not ctype.startswith("text/") else ""


def looks_like_message(head: bytes) -> bool:
    """An RFC 5322 message starts with header fields."""
    first = head.lstrip(b"\r\n").split(b"\n", 1)[0]
    return bool(HEADER_LINE.match(first))


def one_line(exc: BaseException) -> str:
    """An exception as one short printable line (for ``errors[]``)."""
    text = str(exc) or type(exc).__name__
    return _clean(" ".join(text.split()))[:300]


def _clean(text: str) -> str:
    """Printable characters only: names come from hostile files."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:200]


def _show(head: bytes) -> str:
    sample = head[:16].decode("latin-1")
    return repr(_clean(sample)) if sample else "nothing (empty)"


def safe_items(origin: str, items: Iterable[Item]) -> Iterator[Item]:
    """Turn a read failure while walking ``items`` into one error for ``origin``."""
    try:
        yield from items
    except READ_ERRORS as exc:
        yield InputError(origin, one_line(exc))
    except (ValueError, RuntimeError) as exc:
        yield InputError(origin, one_line(exc))


__all__ = ["Document", "InputError", "Item", "iter_message", "iter_payload", "looks_like_message"]
