"""Hard limits for untrusted report input. Nothing here trusts a size a file declares about itself."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps applied while reading reports; exceeding one makes that file an ``errors[]`` entry.

    ``max_ratio`` only applies once ``ratio_floor`` bytes came out, so tiny reports with
    a large ratio (a 300-byte header compresses well) are not mistaken for bombs.
    """

    max_document: int = 512 * MIB  # decompressed bytes of one XML/JSON document
    max_json: int = 16 * MIB  # TLS-RPT documents are small; json.loads needs them whole
    max_ratio: int = 200  # decompressed / compressed bytes
    ratio_floor: int = 4 * MIB
    max_message: int = 64 * MIB  # one e-mail message (.eml, mbox entry, IMAP fetch)
    max_mbox: int = 16 * 1024 * MIB  # an mbox file is streamed; this caps one scan
    max_parts: int = 256  # MIME parts walked per message
    max_depth: int = 8  # MIME nesting depth, and archive-in-archive nesting
    max_members: int = 256  # members of one zip archive
    max_files: int = 100_000  # files visited below one folder
    max_xml_depth: int = 64  # element nesting inside an aggregate report


DEFAULT_LIMITS = Limits()


class LimitExceeded(Exception):
    """Raised when input crosses one of the :class:`Limits`; the message is one line for ``errors[]``."""
