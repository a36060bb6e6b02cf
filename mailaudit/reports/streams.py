"""Byte streams with hard caps: counting, limiting (size and ratio), and peeking at a stream's head."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import BinaryIO

from .limits import LimitExceeded, Limits

HEAD = 512


class CountingReader(io.RawIOBase):
    """Counts the bytes read from ``inner`` (the compressed side of a decompressor)."""

    def __init__(self, inner: BinaryIO) -> None:
        self._inner = inner
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


class LimitedReader(io.RawIOBase):
    """Yields at most ``limit`` bytes of ``inner``, and refuses a decompression ratio above the cap.

    ``consumed`` reports how many compressed bytes produced the output so far (None: not
    compressed). The output is counted as it comes, never taken from a declared size.
    """

    def __init__(
        self, inner: BinaryIO, limit: int, limits: Limits, consumed: Callable[[], int] | None = None
    ) -> None:
        self._inner = inner
        self._limit = limit
        self._limits = limits
        self._consumed = consumed
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want = min(len(buffer), self._limit + 1 - self.count)
        data = self._inner.read(want) if want > 0 else b""
        n = len(data)
        self.count += n
        if self.count > self._limit:
            raise LimitExceeded(f"larger than {self._limit} bytes once decompressed; refused")
        self._check_ratio()
        buffer[:n] = data
        return n

    def _check_ratio(self) -> None:
        if self._consumed is None or self.count < self._limits.ratio_floor:
            return
        packed = max(self._consumed(), 1)
        if self.count / packed > self._limits.max_ratio:
            raise LimitExceeded(
                f"decompression ratio above {self._limits.max_ratio}:1 (a decompression bomb?); refused"
            )


class PrefixedReader(io.RawIOBase):
    """``head`` (already read, for sniffing) followed by the rest of ``inner``."""

    def __init__(self, head: bytes, inner: BinaryIO) -> None:
        self._head = head
        self._inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def peek(stream: BinaryIO) -> tuple[bytes, BinaryIO]:
    """The first bytes of ``stream``, and a stream that still yields them (the same one if seekable)."""
    if stream.seekable():
        where = stream.tell()
        head = stream.read(HEAD)
        stream.seek(where)
        return head, stream
    head = stream.read(HEAD)
    return head, io.BufferedReader(PrefixedReader(head, stream))


def read_capped(stream: BinaryIO, limit: int, what: str) -> bytes:
    """All of ``stream`` if it is at most ``limit`` bytes, else :class:`LimitExceeded`."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise LimitExceeded(f"{what} larger than {limit} bytes; refused")
    return data


def sniff(head: bytes) -> str:
    """What the bytes are, by magic, never by name or media type: gzip, zip, xml, json or ''."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if text.startswith(b"<"):
        return "xml"
    if text.startswith(b"{"):
        return "json"
    return ""


class RunGuard(io.RawIOBase):
    """Refuses XML whose longest stretch without ``<`` (one text node, attribute or name) is over a cap.

    The XML parser keeps a text node whole in memory; this bounds it before it can grow.
    """

    MAX_RUN = 4 * 1024 * 1024

    def __init__(self, inner: BinaryIO, limits: Limits) -> None:
        self._inner = inner
        self._limits = limits
        self._run = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        n = len(data)
        first = data.find(b"<")
        if first < 0:
            self._run += n
        elif self._run + first <= self.MAX_RUN:  # runs inside one chunk are shorter than the chunk
            self._run = n - data.rfind(b"<") - 1
        else:
            self._run += first
        if self._run > self.MAX_RUN:
            raise LimitExceeded(f"an XML text or tag longer than {self.MAX_RUN} bytes; refused")
        buffer[:n] = data
        return n
