"""Zone files written at test time for the SMTP and bypass checks (answered offline by --zone)."""

from __future__ import annotations

import pathlib

HEAD = "$ORIGIN {origin}.\n@ 300 SOA ns.{origin}. hostmaster.{origin}. 1 3600 600 86400 60\n@ 300 NS ns.{origin}.\n"


def write_zone(folder: pathlib.Path, origin: str, lines: list[str]) -> pathlib.Path:
    """``folder/<origin>.zone`` with a SOA, an NS and ``lines`` (relative or absolute names)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{origin}.zone"
    path.write_text(HEAD.format(origin=origin) + "".join(line + "\n" for line in lines))
    return path


def client_zone(
    folder: pathlib.Path, domain: str, mx: list[tuple[int, str, str]], extra: list[str] | None = None
) -> pathlib.Path:
    """A client domain: MX ``(preference, host, address)``; hosts inside the domain get their A here."""
    lines = [f"@ 300 MX {pref} {host}." for pref, host, _ in mx]
    lines += [f"{host}. 300 A {address}" for _, host, address in mx if host.endswith("." + domain)]
    return write_zone(folder, domain, lines + (extra or []))
