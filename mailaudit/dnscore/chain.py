"""Following a CNAME chain through the records of one response: the one walker every live
transport uses, so that a looping or over-long chain is a failure everywhere, never an absence."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import dns.name
import dns.rdata
import dns.rdatatype

MAX_CHAIN = 16  # CNAMEs followed before a chain counts as too long (resolvers stop at 8-16)

# A name as a dictionary key: its labels in lower case. Equal exactly when the Names are (dnspython
# compares labels ASCII-case-insensitively), but hashed in C, where Name.__hash__ loops over every
# byte in Python; the lean transport reads answer owners straight into this form.
NameKey = tuple[bytes, ...]
Records = Mapping[tuple[NameKey, int], Sequence[dns.rdata.Rdata]]


def name_key(name: dns.name.Name) -> NameKey:
    return tuple(map(bytes.lower, name.labels))


def plain_labels(text: str) -> list[bytes] | None:
    """The labels (case kept, no root label) ``dns.name.from_text`` makes of a name written as
    plain ASCII (no escapes, not ``@``, a trailing dot allowed), every label 1-63 octets and at
    most 255 in all; None for anything else, which dnspython must parse."""
    if not text.isascii() or "\\" in text or text == "@":
        return None
    body = text[:-1] if text.endswith(".") else text
    if not body or len(body) > 253:
        return None
    labels = body.encode().split(b".")
    if any(not label or len(label) > 63 for label in labels):
        return None
    return labels


class ChainEnd(enum.Enum):
    FOUND = "found"  # records of the asked type at the end of the chain
    END = "end"  # the chain ends without them (NODATA or NXDOMAIN, the rcode says which)
    LOOP = "loop"
    TOO_LONG = "too long"


@dataclass(frozen=True, slots=True)
class Chain:
    end: ChainEnd
    cnames: tuple[dns.name.Name, ...] = ()
    rdatas: tuple[dns.rdata.Rdata, ...] = ()

    @property
    def problem(self) -> str | None:
        """Why the chain is a failure (a loop, too long), or None."""
        if self.end is ChainEnd.LOOP:
            last = self.cnames[-1].to_text(omit_final_dot=True) if self.cnames else "?"
            return f"CNAME loop at {last}"
        if self.end is ChainEnd.TOO_LONG:
            return f"CNAME chain longer than {MAX_CHAIN}"
        return None


def follow(records: Records, name: dns.name.Name, rdtype: int, limit: int = MAX_CHAIN) -> Chain:
    """Walk from ``name`` through CNAMEs in ``records`` (keyed by ``name_key`` and type, each
    RRset without duplicates: the transports see to that) to the records of ``rdtype``."""
    cnames: list[dns.name.Name] = []
    current = name
    for _ in range(limit + 1):
        key = name_key(current)
        found = records.get((key, rdtype))
        if found:
            return Chain(ChainEnd.FOUND, tuple(cnames), tuple(found))
        alias = records.get((key, dns.rdatatype.CNAME))
        if not alias or rdtype == dns.rdatatype.CNAME:
            return Chain(ChainEnd.END, tuple(cnames))
        current = alias[0].target  # type: ignore[attr-defined]
        if current == name or current in cnames:
            cnames.append(current)
            return Chain(ChainEnd.LOOP, tuple(cnames))
        cnames.append(current)
    return Chain(ChainEnd.TOO_LONG, tuple(cnames))
