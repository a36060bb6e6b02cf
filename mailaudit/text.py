"""Making DNS data safe to show: no control character or escape sequence reaches a terminal."""

from __future__ import annotations

import unicodedata

_MAX_SHOWN = 2000


def escape_text(text: str, limit: int | None = None) -> str:
    """Replace C0/C1 controls, DEL, bidi overrides and other invisible format characters by
    visible escapes (``\\x1b``, ``\\u202e``); optionally clip to ``limit`` characters."""
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0:
            out.append(f"\\x{code:02x}")
        elif unicodedata.category(ch) in ("Cf", "Cs", "Co", "Zl", "Zp", "Cn"):
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    shown = "".join(out)
    if limit is not None and len(shown) > limit:
        return shown[: max(limit - 20, 0)] + f"... ({len(shown)} chars)"
    return shown


def safe(text: str) -> str:
    """Escaped and clipped for a table cell."""
    return escape_text(text, _MAX_SHOWN)


def fix_parts(summary: str) -> tuple[str, list[str]]:
    """A fix summary and the literal file it may end with (after a blank line), e.g. the MTA-STS
    policy to serve: renderers show the file as a block, line by line, each line escaped."""
    text, sep, block = summary.partition("\n\n")
    lines = block.rstrip("\n").split("\n") if sep else []
    return text, lines
