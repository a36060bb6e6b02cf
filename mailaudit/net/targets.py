"""May the auditor connect to this address?

A hostile zone can point ``mta-sts.<domain>`` or an MX at 127.0.0.1, 10.0.0.5 or 169.254.169.254;
without a guard the auditor becomes a scanner of its own network. Every client that opens a
connection to an address taken from DNS (HTTPS fetches, SMTP probes) asks :func:`refusal` first.

The API is one function on purpose::

    reason = refusal("10.0.0.5", allow_private=False)   # -> "private"
    if reason is not None:
        ...  # do not connect; report that the target was not contacted, and why

``allow_private`` (``--allow-private-targets``) admits loopback, private, link-local, shared and
unique-local addresses (test rigs, intranet audits). Addresses that can never be a mail or web
server (unspecified, multicast, broadcast, reserved) are refused even then.
"""

from __future__ import annotations

import ipaddress

__all__ = ["admissible_with_option", "refusal"]

# Checked in this order; the first match names the reason. ``private`` entries are admitted
# with allow_private, the others never (e.g. ``::1`` is both loopback and in reserved ``::/8``).
_ORDER: tuple[tuple[str, str, bool], ...] = (
    ("unspecified", "is_unspecified", False),
    ("multicast", "is_multicast", False),
    ("loopback", "is_loopback", True),
    ("link-local", "is_link_local", True),
    ("reserved", "is_reserved", False),
    ("private", "is_private", True),
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, RFC 6598: not in is_private


def refusal(address: str, allow_private: bool) -> str | None:
    """Why the auditor must not connect to ``address``, or None when it may.

    The reason is a short stable token: ``invalid``, ``unspecified``, ``multicast``, ``reserved``,
    ``loopback``, ``link-local``, ``private`` or ``shared``. IPv4-mapped IPv6 addresses
    (``::ffff:127.0.0.1``) are judged as the IPv4 address they carry.
    """
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]").split("%", 1)[0])
    except ValueError:
        return "invalid"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for reason, attribute, admissible in _ORDER:
        if getattr(ip, attribute):
            return None if admissible and allow_private else reason
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED and not allow_private:
        return "shared"
    return None


def admissible_with_option(reason: str) -> bool:
    """Would ``--allow-private-targets`` admit an address refused for ``reason``?"""
    return reason in ("loopback", "link-local", "private", "shared")
