"""DNS records as people paste them: BIND presentation format, TXT split into quoted strings."""

from __future__ import annotations

from mailaudit.model import DnsRecord

_CHUNK = 255


def txt_value(value: str) -> str:
    """A TXT value as quoted character-strings of at most 255 bytes, escaped for zone files."""
    raw = value.encode("utf-8", errors="replace")  # a lone surrogate (undecodable input) becomes '?'
    chunks = [raw[i : i + _CHUNK] for i in range(0, len(raw), _CHUNK)] or [b""]
    return " ".join('"' + _escape(chunk) + '"' for chunk in chunks)


def _escape(chunk: bytes) -> str:
    out: list[str] = []
    for byte in chunk:
        if byte in (0x22, 0x5C):  # " and \
            out.append("\\" + chr(byte))
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:03d}")
    return "".join(out)


def presentation_value(record: DnsRecord) -> str:
    if record.type.upper() in ("TXT", "SPF"):
        return txt_value(record.value)
    return record.value


def zone_line(record: DnsRecord, ttl: int | None = 3600) -> str:
    """``name. 3600 IN TXT "v=spf1 -all"``."""
    ttl_text = f" {ttl}" if ttl is not None else ""
    return f"{record.name}{ttl_text} IN {record.type.upper()} {presentation_value(record)}"
