"""HTTPS fetches with the rules real mail senders apply (MTA-STS policies, BIMI logos, mark certificates).

What a sender does, this client does, and every way it can go wrong is a typed :class:`Outcome`:

* the address comes from our own resolver (never the system's): we connect to it, with SNI and
  ``Host`` set to the name, and the certificate is validated for the name (public roots plus an
  optional ``--ca-file``);
* the address is first checked against :func:`mailaudit.net.targets.refusal`: by default no
  connection to loopback, private or link-local addresses;
* no redirect is followed (a 3xx is an outcome), only 200 counts;
* the body is capped while it streams (a 4 GB answer is never read), and the whole fetch,
  slow bodies included, has one deadline;
* the media type is compared exactly (parameters such as ``charset`` are allowed);
* each (host, path) is fetched once per :class:`HttpsFetcher`, i.e. once per run: concurrent
  callers wait for the same in-flight fetch.

No connection is pooled: two policy hosts on one address must each get their own TLS
handshake, validated for their own name.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import certifi
from cryptography import x509
from cryptography.x509.oid import NameOID

from mailaudit.net.targets import refusal

if TYPE_CHECKING:  # httpx is imported where it is used: at import time it loads click for its own CLI,
    import httpx  # and ``import mailaudit`` must not load click (tests/test_cli.py)

__all__ = ["Certificate", "FetchResult", "FetchRules", "HttpsFetcher", "HttpsSettings", "Outcome", "media_type"]


MAX_ADDRESSES = 3  # addresses tried per fetch when the first ones time out or refuse


class Outcome(enum.StrEnum):
    OK = "ok"
    REFUSED_TARGET = "refused_target"  # the address is loopback/private/... and not allowed
    NO_ADDRESS = "no_address"  # the host has no address to connect to
    TIMEOUT = "timeout"  # no answer inside the deadline (may be our own network)
    CONNECT_FAILED = "connect_failed"  # refused, unreachable, reset
    CERTIFICATE = "certificate"  # TLS handshake failed on certificate validation
    TLS = "tls"  # other TLS failure
    REDIRECT = "redirect"  # 3xx: senders do not follow it
    HTTP_STATUS = "http_status"  # any status other than 200 and 3xx
    MEDIA_TYPE = "media_type"  # 200, but not one of the expected media types
    TOO_LARGE = "too_large"  # the body exceeds the cap
    PROTOCOL = "protocol"  # not HTTP


@dataclass(frozen=True)
class Certificate:
    """The certificate the host presented (on a completed handshake)."""

    names: tuple[str, ...]
    not_before: dt.datetime
    not_after: dt.datetime
    issuer: str

    def days_left(self, now: dt.datetime) -> int:
        return (self.not_after - now).days


@dataclass(frozen=True)
class FetchRules:
    media_types: frozenset[str]
    max_bytes: int
    timeout: float = 10.0


@dataclass(frozen=True)
class HttpsSettings:
    """Per-run settings: ``port`` is an override for test rigs (443 otherwise)."""

    ca_file: str | None = None
    allow_private: bool = False
    port: int = 443


@dataclass(frozen=True)
class FetchResult:
    url: str
    outcome: Outcome
    address: str | None = None
    status: int | None = None
    content_type: str | None = None
    location: str | None = None
    body: bytes = b""
    certificate: Certificate | None = None
    detail: str = ""  # a short token: the refusal reason, the certificate problem, the error class
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    @property
    def contacted(self) -> bool:
        """Whether a connection was attempted at all."""
        return self.outcome not in (Outcome.REFUSED_TARGET, Outcome.NO_ADDRESS)


@dataclass
class HttpsFetcher:
    """One per run. ``fetch`` never raises for network trouble: it returns a :class:`FetchResult`."""

    settings: HttpsSettings = field(default_factory=HttpsSettings)
    _cache: dict[tuple[str, str], asyncio.Task[FetchResult]] = field(default_factory=dict, init=False, repr=False)
    _context: ssl.SSLContext | None = field(default=None, init=False, repr=False)

    async def fetch(self, host: str, addresses: Sequence[str], path: str, rules: FetchRules) -> FetchResult:
        """GET ``https://host/path`` from one of ``addresses`` (ours, resolved by the caller)."""
        key = (host.lower().rstrip("."), path)
        task = self._cache.get(key)
        if task is None:
            task = asyncio.ensure_future(self._fetch_any(key[0], tuple(addresses), path, rules))
            self._cache[key] = task
        return await asyncio.shield(task)

    @property
    def fetched(self) -> int:
        """How many distinct (host, path) fetches this run has started."""
        return len(self._cache)

    def _ssl_context(self) -> ssl.SSLContext:
        if self._context is None:
            context = ssl.create_default_context(cafile=certifi.where())
            if self.settings.ca_file:
                context.load_verify_locations(cafile=self.settings.ca_file)
            self._context = context
        return self._context

    async def _fetch_any(self, host: str, addresses: tuple[str, ...], path: str, rules: FetchRules) -> FetchResult:
        url = f"https://{host}{path}"
        if not addresses:
            return FetchResult(url, Outcome.NO_ADDRESS)
        refused = [(a, refusal(a, self.settings.allow_private)) for a in addresses]
        allowed = [a for a, reason in refused if reason is None]
        if not allowed:
            return FetchResult(url, Outcome.REFUSED_TARGET, address=refused[0][0], detail=refused[0][1] or "")
        result = FetchResult(url, Outcome.NO_ADDRESS)
        for address in allowed[:MAX_ADDRESSES]:  # a hostile zone may list hundreds: bounded time
            result = await self._fetch_one(url, host, address, path, rules)
            if result.outcome not in (Outcome.CONNECT_FAILED, Outcome.TIMEOUT):
                break
        return result

    async def _fetch_one(self, url: str, host: str, address: str, path: str, rules: FetchRules) -> FetchResult:
        import httpx

        started = time.monotonic()
        try:
            async with asyncio.timeout(rules.timeout):
                result = await self._get(url, host, address, path, rules)
        except TimeoutError:
            result = FetchResult(url, Outcome.TIMEOUT, address=address, detail="timeout")
        except httpx.TimeoutException as exc:
            result = FetchResult(url, Outcome.TIMEOUT, address=address, detail=type(exc).__name__)
        except httpx.HTTPError as exc:
            result = _failure(url, address, exc)
        except (OSError, ssl.SSLError) as exc:
            result = _failure(url, address, exc)
        return _with_elapsed(result, time.monotonic() - started)

    async def _get(self, url: str, host: str, address: str, path: str, rules: FetchRules) -> FetchResult:
        import httpx

        target = f"[{address}]" if ":" in address else address
        port = self.settings.port
        netloc = host if port == 443 else f"{host}:{port}"
        timeout = httpx.Timeout(rules.timeout)
        async with (
            httpx.AsyncClient(
                verify=self._ssl_context(),
                trust_env=False,
                follow_redirects=False,
                timeout=timeout,
                limits=httpx.Limits(max_keepalive_connections=0, max_connections=1),
            ) as client,
            client.stream(
                "GET",
                f"https://{target}:{port}{path}",
                headers={"Host": netloc, "Accept": ", ".join(sorted(rules.media_types)),
                         "Accept-Encoding": "identity", "Connection": "close"},
                extensions={"sni_hostname": host},
            ) as response,
        ):
            return await _read(url, address, response, rules)


async def _read(url: str, address: str, response: httpx.Response, rules: FetchRules) -> FetchResult:
    """Turn an open response into a result, reading at most ``rules.max_bytes`` + 1 bytes."""
    content_type = response.headers.get("content-type")
    base = FetchResult(url, Outcome.OK, address=address, status=response.status_code, content_type=content_type,
                       certificate=_peer_certificate(response))
    if 300 <= response.status_code < 400:
        return replace(base, outcome=Outcome.REDIRECT, location=response.headers.get("location"))
    if response.status_code != 200:
        return replace(base, outcome=Outcome.HTTP_STATUS, detail=str(response.status_code))
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > rules.max_bytes:
        return replace(base, outcome=Outcome.TOO_LARGE, detail=declared)
    body = bytearray()
    async for chunk in response.aiter_raw():
        body.extend(chunk)
        if len(body) > rules.max_bytes:
            return replace(base, outcome=Outcome.TOO_LARGE, detail=f">{rules.max_bytes}")
    if media_type(content_type) not in rules.media_types:
        return replace(base, outcome=Outcome.MEDIA_TYPE, body=bytes(body))
    return replace(base, body=bytes(body))


def media_type(content_type: str | None) -> str | None:
    """``text/plain; charset=utf-8`` -> ``text/plain``; None when absent or empty."""
    if content_type is None:
        return None
    value = content_type.split(";", 1)[0].strip().lower()
    return value or None


def _peer_certificate(response: httpx.Response) -> Certificate | None:
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    if not der:
        return None
    return certificate_from_der(der)


def certificate_from_der(der: bytes) -> Certificate:
    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = tuple(san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        names = ()
    issuer = cert.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
    return Certificate(
        names=names,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        issuer=str(issuer[0].value) if issuer else cert.issuer.rfc4514_string(),
    )


# OpenSSL X509_V_ERR_* codes a person can act on.
_VERIFY_CODES = {9: "not_yet_valid", 10: "expired", 18: "self_signed", 19: "untrusted", 20: "untrusted",
                 21: "untrusted", 62: "name_mismatch"}


def _failure(url: str, address: str, exc: BaseException) -> FetchResult:
    """Classify a transport exception by walking its cause chain."""
    import httpx

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            detail = _VERIFY_CODES.get(seen.verify_code, "invalid")
            return FetchResult(url, Outcome.CERTIFICATE, address=address, detail=detail)
        if isinstance(seen, ssl.SSLError):
            return FetchResult(url, Outcome.TLS, address=address, detail=seen.reason or "tls")
        if isinstance(seen, httpx.RemoteProtocolError | httpx.DecodingError):
            return FetchResult(url, Outcome.PROTOCOL, address=address, detail=type(seen).__name__)
        seen = seen.__cause__ or seen.__context__
    return FetchResult(url, Outcome.CONNECT_FAILED, address=address, detail=type(exc).__name__)


def _with_elapsed(result: FetchResult, elapsed: float) -> FetchResult:
    return replace(result, elapsed=round(elapsed, 3))
