"""Zone-file lines shown for copy and paste: control characters visible, backslashes kept."""

from __future__ import annotations

from mailaudit.model import DnsRecord
from mailaudit.render.records import zone_line
from mailaudit.text import escape_text


def zone_text(line: str) -> str:
    """``escape_text`` for a zone line, but ``\\`` stays single: it is already zone-file escaping."""
    return "".join(ch if ch == "\\" else escape_text(ch) for ch in line)


def pasteable(record: DnsRecord, ttl: int | None = 3600) -> str:
    return zone_text(zone_line(record, ttl))
