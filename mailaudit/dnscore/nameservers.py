"""Nameserver arguments: ``HOST``, ``HOST:PORT``, ``[V6]:PORT``; names resolved once."""

from __future__ import annotations

import ipaddress
import socket

from mailaudit.errors import InputError


def parse_nameserver(text: str, default_port: int = 53) -> tuple[str, int]:
    """``HOST``, ``HOST:PORT``, ``[V6]:PORT`` or a bare IPv6 address -> (host, port)."""
    text = text.strip()
    host, port = text, default_port
    if text.startswith("["):
        host, closed, rest = text[1:].partition("]")
        if not closed:
            raise InputError(f"nameserver {text!r}: '[' without ']'")
        if rest.startswith(":"):
            port = _port(rest[1:], text)
    elif text.count(":") == 1:
        host, _, raw = text.partition(":")
        port = _port(raw, text)
    if not host:
        raise InputError(f"nameserver {text!r}: empty host")
    return host, port


def address_of(host: str, text: str) -> str:
    """A nameserver given by name is resolved once, with the system's resolver."""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, 53, type=socket.SOCK_DGRAM)
    except (OSError, UnicodeError) as err:
        raise InputError(f"nameserver {text!r}: cannot resolve {host!r} ({err})") from None
    return str(infos[0][4][0])


def _port(raw: str, text: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise InputError(f"nameserver {text!r}: bad port")
    return int(raw)
