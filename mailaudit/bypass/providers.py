"""The filtering-service table (``providers.toml``) and matching an MX host against it."""

from __future__ import annotations

import importlib.resources
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Provider:
    key: str
    name: str
    suffixes: tuple[str, ...]
    lock: str  # "ranges" | "certificate" | "hostname"
    lock_value: str | None
    ranges_url: str | None
    mailbox: bool
    sources: tuple[str, ...]
    verified: bool

    def owns(self, host: str) -> bool:
        """``host`` (any case, trailing dot or not) is one of the service's hosts."""
        name = host.lower().rstrip(".")
        return any(name == s or name.endswith("." + s) for s in self.suffixes)


def _provider(entry: dict[str, object]) -> Provider:
    def text(field: str) -> str | None:
        value = entry.get(field)
        return value if isinstance(value, str) else None

    def texts(field: str) -> tuple[str, ...]:
        value = entry.get(field, [])
        return (
            tuple(v.lower() if field == "suffixes" else v for v in value if isinstance(v, str))
            if isinstance(value, list)
            else ()
        )

    return Provider(
        key=str(entry["key"]),
        name=str(entry["name"]),
        suffixes=texts("suffixes"),
        lock=text("lock") or "ranges",
        lock_value=text("lock_value"),
        ranges_url=text("ranges_url"),
        mailbox=entry.get("mailbox") is True,
        sources=texts("sources"),
        verified=entry.get("verified") is True,
    )


def load_providers() -> tuple[Provider, ...]:
    """The table from the package data. Read it once per run and pass it around (no module state)."""
    data = importlib.resources.files(__package__).joinpath("providers.toml").read_text(encoding="utf-8")
    table = tomllib.loads(data)
    return tuple(_provider(entry) for entry in table.get("provider", []))


def provider_of(host: str, table: Iterable[Provider]) -> Provider | None:
    """The filtering service ``host`` belongs to, the longest matching suffix winning."""
    best: tuple[int, Provider] | None = None
    for provider in table:
        name = host.lower().rstrip(".")
        for suffix in provider.suffixes:
            if (name == suffix or name.endswith("." + suffix)) and (best is None or len(suffix) > best[0]):
                best = (len(suffix), provider)
    return best[1] if best else None


def filter_of(mx_hosts: Iterable[tuple[int, str]], table: Iterable[Provider]) -> Provider | None:
    """The service a domain's mail goes through first: the provider of its most preferred MX hosts.
    None when the primary MX names no known service."""
    ordered = sorted(mx_hosts)
    table = tuple(table)
    if not ordered:
        return None
    best = ordered[0][0]
    for preference, host in ordered:
        if preference != best:
            break
        found = provider_of(host, table)
        if found is not None:
            return found
    return None
