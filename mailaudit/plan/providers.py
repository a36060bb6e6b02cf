"""The provider table (``providers.toml``): filtering services and relays with their onboarding
parameters, loaded into frozen records; templates filled from the domain and ``--param`` values.

Pure apart from reading the packaged TOML file; nothing is cached at module level (callers keep
the loaded ``Providers`` for a run).
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from mailaudit.errors import InputError
from mailaudit.plan.facts import MxHost, Record, owner


class ProviderError(InputError):
    """An unknown provider, a missing or unknown parameter, or a broken table entry (exit 2)."""


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    default: str = ""
    about: str = ""


@dataclass(frozen=True, slots=True)
class Filter:
    key: str
    name: str
    mx: tuple[tuple[int, str], ...]  # (preference, host template)
    lock: str  # plan.lock.<lock> in the texts
    params: tuple[Param, ...] = ()
    lock_ranges: tuple[str, ...] = ()
    lock_certificate: str = ""
    lock_hostname: str = ""
    relay: str = ""  # the relay entry when the filter also sends outbound mail
    recipient_verification: str = ""  # callout | directory
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Relay:
    key: str
    name: str
    include: str  # template
    params: tuple[Param, ...] = ()
    dkim: tuple[tuple[str, str, str], ...] = ()  # (name, type, value) templates
    dkim_key: str = ""  # "console": the provider generates the key; copy it into a TXT record
    dkim_selector: str = ""
    return_path: tuple[str, str, str] | None = None
    spf_via_return_path: bool = False  # SPF is checked at the provider's return path, not the From domain
    sample_addresses: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Providers:
    filters: Mapping[str, Filter]
    relays: Mapping[str, Relay]


def load(text: str | None = None) -> Providers:
    """The packaged table, or ``text`` (a TOML document of the same shape)."""
    if text is None:
        text = resources.files("mailaudit.plan").joinpath("providers.toml").read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
        filters = {k: _filter(k, v) for k, v in data.get("filter", {}).items()}
        relays = {k: _relay(k, v) for k, v in data.get("relay", {}).items()}
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ProviderError(f"provider table: {exc}") from exc
    for item in filters.values():
        if item.relay and item.relay not in relays:
            raise ProviderError(f"provider table: filter {item.key} names unknown relay {item.relay}")
    return Providers(filters, relays)


def _params(raw: Any) -> tuple[Param, ...]:
    return tuple(Param(str(p["name"]), str(p.get("default", "")), str(p.get("about", ""))) for p in raw or ())


def _filter(key: str, raw: Mapping[str, Any]) -> Filter:
    mx = tuple((int(m["preference"]), str(m["host"])) for m in raw["mx"])
    if not mx:
        raise ValueError(f"filter {key} has no MX hosts")
    return Filter(key, str(raw["name"]), mx, str(raw["lock"]), _params(raw.get("params")),
                  tuple(map(str, raw.get("lock_ranges", ()))), str(raw.get("lock_certificate", "")),
                  str(raw.get("lock_hostname", "")), str(raw.get("relay", "")),
                  str(raw.get("recipient_verification", "")), tuple(map(str, raw.get("sources", ()))))


def _relay(key: str, raw: Mapping[str, Any]) -> Relay:
    dkim = tuple((str(d["name"]), str(d["type"]).upper(), str(d["value"])) for d in raw.get("dkim", ()))
    rp = raw.get("return_path")
    return_path = (str(rp["name"]), str(rp["type"]).upper(), str(rp["value"])) if rp else None
    return Relay(key, str(raw["name"]), str(raw["include"]), _params(raw.get("params")), dkim,
                 str(raw.get("dkim_key", "")), str(raw.get("dkim_selector", "")), return_path,
                 bool(raw.get("spf_via_return_path", False)), tuple(map(str, raw.get("sample_addresses", ()))),
                 tuple(map(str, raw.get("sources", ()))))


def values(domain: str, params: tuple[Param, ...], given: Mapping[str, str]) -> dict[str, str]:
    """Template values: the domain forms, then each parameter (given, else its default)."""
    bare = domain.lower().rstrip(".")
    out = {"domain": bare, "domain_dashed": bare.replace(".", "-")}
    for param in params:
        value = given.get(param.name) or fill(param.default, out)
        if not value:
            raise ProviderError(f"missing parameter {param.name}: {param.about} (--param {param.name}=VALUE)")
        out[param.name] = value
    return out


def fill(template: str, known: Mapping[str, str]) -> str:
    names = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    missing = names - set(known)
    if missing:
        raise ProviderError(f"template {template!r} needs {', '.join(sorted(missing))}")
    return template.format_map(known)


def filter_hosts(item: Filter, domain: str, given: Mapping[str, str]) -> tuple[MxHost, ...]:
    known = values(domain, item.params, given)
    return tuple(MxHost(pref, owner(fill(host, known))) for pref, host in item.mx)


def relay_include(item: Relay, domain: str, given: Mapping[str, str]) -> str:
    return fill(item.include, values(domain, item.params, given)).lower().rstrip(".")


def relay_records(item: Relay, domain: str, given: Mapping[str, str]) -> tuple[Record, ...]:
    """The DKIM (and return-path) records the relay expects at the domain, filled in."""
    known = values(domain, item.params, given)
    base = owner(domain)
    out = [Record(f"{fill(n, known)}.{base}", t, fill(v, known)) for n, t, v in item.dkim]
    if item.return_path is not None:
        n, t, v = item.return_path
        out.append(Record(f"{fill(n, known)}.{base}", t, fill(v, known)))
    return tuple(out)


def unknown_params(params: tuple[Param, ...], given: Mapping[str, str]) -> tuple[str, ...]:
    names = {p.name for p in params}
    return tuple(sorted(k for k in given if k not in names))
