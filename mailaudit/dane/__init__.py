"""DANE for SMTP (RFC 7672): TLSA records at ``_25._tcp.<mx>`` and matching them to a chain.

from mailaudit.dane import TLSARecord, assess, match, tlsa_name
"""

from .match import MatchResult, match, match_detail, names_host
from .tlsa import Assessment, TLSAError, TLSARecord, Usage, assess, from_rdata, from_text, record_problems, tlsa_name

__all__ = [
    "Assessment",
    "MatchResult",
    "TLSAError",
    "TLSARecord",
    "Usage",
    "assess",
    "from_rdata",
    "from_text",
    "match",
    "match_detail",
    "names_host",
    "record_problems",
    "tlsa_name",
]
