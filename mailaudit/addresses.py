"""Pure helpers for IP addresses: reverse names, special-purpose ranges, literals."""

from __future__ import annotations

import ipaddress

import dns.name
import dns.reversename

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip(text: str) -> IPAddress | None:
    """An IPv4 or IPv6 address, or None. Scoped addresses (``fe80::1%eth0``) are refused: a
    zone index means nothing outside the host that wrote it."""
    if "%" in text:
        return None
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def reverse_name(address: str | IPAddress) -> dns.name.Name:
    return dns.reversename.from_address(str(address))


def special_range(address: IPAddress) -> str | None:
    """Why an address can never be a public mail host, or None when it is globally routable."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return special_range(address.ipv4_mapped)
    checks = (
        ("is_loopback", "loopback"),
        ("is_unspecified", "unspecified"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_private", "private (RFC 1918 / RFC 4193 or other non-public range)"),
        ("is_reserved", "reserved"),
    )
    for attribute, label in checks:
        if getattr(address, attribute):
            return label
    if not address.is_global:
        return "not globally routable"
    return None


def ip_literal_of_name(name: dns.name.Name) -> IPAddress | None:
    """An MX target like ``192.0.2.1.`` or ``[192.0.2.1]`` names an address, not a host."""
    text = name.to_text(omit_final_dot=True)
    return parse_ip(text)
