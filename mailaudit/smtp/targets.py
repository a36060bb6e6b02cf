"""May the probe connect to this address? A stand-in for ``mailaudit.net.targets``.

The i13a developer writes the shared rule in ``mailaudit/net/targets.py`` (same signature, same
tokens); until the lead unifies them the SMTP probes use this one, so replacing the import is
the whole change. A hostile zone must not make the auditor probe internal services:

* loopback, link-local, private (RFC 1918, RFC 4193) and shared (RFC 6598) addresses are refused
  unless ``allow_private`` (``--allow-private-targets``);
* unspecified, multicast and reserved addresses are refused always: no mail server lives there;
* IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry; a scoped address
  (``fe80::1%eth0``) is judged without its zone index.
"""

from __future__ import annotations

import ipaddress

# In this order; the first match names the reason. ``True``: admitted with allow_private.
# (``::1`` is loopback and also inside the reserved ``::/8``: loopback is asked first.)
_ORDER: tuple[tuple[str, str, bool], ...] = (
    ("unspecified", "is_unspecified", False),
    ("multicast", "is_multicast", False),
    ("loopback", "is_loopback", True),
    ("link-local", "is_link_local", True),
    ("reserved", "is_reserved", False),
    ("private", "is_private", True),
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")


def refusal(address: str, allow_private: bool) -> str | None:
    """A short token saying why ``address`` must not be contacted (``invalid``, ``unspecified``,
    ``multicast``, ``loopback``, ``link-local``, ``reserved``, ``private``, ``shared``), or None."""
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
