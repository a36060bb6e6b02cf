"""The SMTP probe's DANE verdict for one presented chain, on the one DANE matcher of the package
(``mailaudit.dane.match``, RFC 7672): ``valid`` when a usable TLSA record authenticates the
chain, ``invalid`` when usable records exist and none does, ``unusable`` when no record is usable
for SMTP (DANE then does not apply)."""

from __future__ import annotations

import datetime
import enum
from collections.abc import Sequence

from mailaudit.dane.match import match_detail
from mailaudit.dane.tlsa import TLSARecord

Tlsa = TLSARecord  # usage, selector, mtype, data: the TLSA record as the DANE package types it


class DaneResult(enum.Enum):
    VALID = "valid"  # at least one usable record matches
    INVALID = "invalid"  # usable records exist, none matches
    UNUSABLE = "unusable"  # records exist but none is usable for SMTP: DANE does not apply


def match(records: Sequence[Tlsa], chain: Sequence[bytes], host: str, now: datetime.datetime) -> DaneResult:
    """The DANE verdict for one presented chain (DER, leaf first) at the MX host ``host``."""
    if not any(r.usable for r in records):
        return DaneResult.UNUSABLE
    result = match_detail(records, chain, hostname=host, now=now)
    return DaneResult.VALID if result.ok else DaneResult.INVALID
