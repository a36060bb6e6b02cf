"""Caps on what ``explain`` reads: hostile input (a 50 MB message, a MIME bomb) stays bounded."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Every bound the parsers respect; the defaults suit a pasted bounce or a forwarded message."""

    max_bytes: int = 10 * 1024 * 1024  # input read; the rest is cut off (and said so)
    max_depth: int = 8  # nesting of multipart / message/rfc822
    max_parts: int = 200  # MIME parts walked in total
    max_header_bytes: int = 256 * 1024  # one header block
    max_headers: int = 500  # fields in one header block
    max_field_chars: int = 16 * 1024  # one field's value as kept
    max_text_chars: int = 64 * 1024  # text searched for SMTP replies
    max_received: int = 50  # Received fields parsed
    max_signatures: int = 10  # DKIM signatures verified


DEFAULT_LIMITS = Limits()
