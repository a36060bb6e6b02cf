"""DNSSEC chain-of-trust validation from trust anchors (pure logic over a fetch interface).

    from mailaudit.dnssec import Validator, Status, root_anchors, load_anchors

``Validator(fetch, anchors).validate(name, rdtype)`` returns a :class:`Verdict` whose ``status``
is secure, insecure, bogus or indeterminate; see docs/transport-security-dnssec.md.
"""

from .anchors import Anchor, TrustAnchorError, TrustAnchors, load_anchors, parse_anchors, root_anchors
from .model import Fetch, Fetched, Problem, Signed, Status, Verdict, fetch_failure, fetched_from_message
from .validator import Validator, ZoneState, worst

__all__ = [
    "Anchor",
    "Fetch",
    "Fetched",
    "Problem",
    "Signed",
    "Status",
    "TrustAnchorError",
    "TrustAnchors",
    "Validator",
    "Verdict",
    "ZoneState",
    "fetch_failure",
    "fetched_from_message",
    "load_anchors",
    "parse_anchors",
    "root_anchors",
    "worst",
]
