"""May the probe connect to this address? A minimal stand-in for ``mailaudit.net.targets``.

The i13a developer writes the shared rule in ``mailaudit/net/targets.py``; until the lead unifies
them, the SMTP probes refuse the same kinds of address here: loopback, private, link-local,
unspecified, multicast, reserved and other non-global ranges (IPv4-mapped IPv6 judged as its
IPv4 address), unless ``--allow-private-targets``. A hostile zone must not make the auditor
probe internal services.
"""

from __future__ import annotations

import ipaddress


def refusal(address: str, allow_private: bool) -> str | None:
    """Why ``address`` must not be probed, or None when it may be."""
    text = address.strip().strip("[]")
    if "%" in text:
        return "scoped address"
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return "not an IP address"
    if allow_private:
        return None
    return _special(ip)


def _special(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _special(ip.ipv4_mapped)
    for attribute, label in (
        ("is_loopback", "loopback"),
        ("is_unspecified", "unspecified"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    ):
        if getattr(ip, attribute):
            return f"{label} address (allowed only with --allow-private-targets)"
    if not ip.is_global:
        return "not a globally routable address (allowed only with --allow-private-targets)"
    return None
