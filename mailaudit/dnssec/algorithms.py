"""DNSSEC algorithm and digest knowledge (RFC 8624 section 3, RFC 9904).

``VALIDATE`` says whether a validator should accept signatures of an algorithm: a zone whose DS
records name only algorithms a validator does not accept is treated as *insecure* by that
validator (RFC 4035 section 5.2), not bogus. ``DEPRECATED`` lists algorithms and digests that
still validate but should be replaced (a note, not a failure).
"""

from __future__ import annotations

import dns.dnssectypes

Algorithm = dns.dnssectypes.Algorithm
DSDigest = dns.dnssectypes.DSDigest

# RFC 8624 3.1: MUST NOT validate RSAMD5, DSA, DSA-NSEC3-SHA1; GOST is not implemented here.
NOT_VALIDATED = frozenset({Algorithm.RSAMD5, Algorithm.DSA, Algorithm.DSANSEC3SHA1, Algorithm.ECCGOST})
VALIDATED = frozenset(
    {
        Algorithm.RSASHA1,
        Algorithm.RSASHA1NSEC3SHA1,
        Algorithm.RSASHA256,
        Algorithm.RSASHA512,
        Algorithm.ECDSAP256SHA256,
        Algorithm.ECDSAP384SHA384,
        Algorithm.ED25519,
        Algorithm.ED448,
    }
)
# Still validated, but NOT RECOMMENDED for signing (SHA-1 based; RFC 8624 3.1, RFC 9904).
DEPRECATED = frozenset({Algorithm.RSASHA1, Algorithm.RSASHA1NSEC3SHA1})
RECOMMENDED = "ECDSAP256SHA256 (13) or ED25519 (15)"
DIGESTS = frozenset({DSDigest.SHA1, DSDigest.SHA256, DSDigest.SHA384})
DEPRECATED_DIGESTS = frozenset({DSDigest.SHA1})


def algorithm_name(number: int) -> str:
    """'RSASHA256 (8)' for 8; 'algorithm 200' for an unknown number."""
    try:
        return f"{Algorithm(number).name} ({number})"
    except ValueError:
        return f"algorithm {number}"


def digest_name(number: int) -> str:
    try:
        return f"{DSDigest(number).name} ({number})"
    except ValueError:
        return f"digest {number}"


def usable(algorithm: int, digest: int | None = None) -> bool:
    """Whether a DS (algorithm + digest) or a signature algorithm can be validated here."""
    if algorithm not in VALIDATED:
        return False
    return digest is None or digest in DIGESTS
