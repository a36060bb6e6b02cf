"""The project's SMTP test rig: real SMTP servers on loopback addresses, in-process.

Independent of the code under test. One background thread runs one event loop with every
server of a rig; all servers share one TCP port, each on its own 127.0.0.x address, so the
client under test needs only a port override.

* ``TestCA``: a root and an intermediate made at test time; leaf certificates valid, expired,
  for the wrong name, or self-signed (``CertKind``).
* ``ServerSpec``: ``behaviour`` ``smtp`` (aiosmtpd, with or without STARTTLS), ``silent`` (accepts
  TCP, never says a word: a tarpit), ``busy`` (banner ``421``), ``closed`` (nothing listens:
  connection refused), ``raw`` (sends ``raw`` bytes as its greeting: hostile data), ``drip`` (one
  byte every 50 ms, never a line end: a slow-drip tarpit); ``rcpt``: ``accept`` (postmaster of
  ``domains``), ``tenant_lock`` (``550 5.7.51 TenantInboundAttribution``), ``reject``
  (``550 5.1.1``), ``greylist`` (``451``).
* Counting: ``connections[address]`` (TCP connections accepted), ``max_concurrent[address]``,
  ``commands[address]`` (verbs received, so tests can prove DATA was never sent), ``ehlo[address]``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime
import enum
import ipaddress
import random
import ssl
import tempfile
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

TENANT_LOCK = (
    "550 5.7.51 TenantInboundAttribution; There is a partner connector configured that matched the "
    "message's recipient domain. The connector had either the RestrictDomainsToIPAddresses or "
    "RestrictDomainsToCertificate set"
)


class CertKind(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"
    WRONG_NAME = "wrong_name"
    SELF_SIGNED = "self_signed"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    chain: list[x509.Certificate]  # what the server presents after the leaf

    def der_chain(self) -> list[bytes]:
        return [c.public_bytes(serialization.Encoding.DER) for c in [self.cert, *self.chain]]


class TestCA:
    """A root and an intermediate, made fresh; ``issue`` makes server certificates."""

    __test__ = False  # not a pytest class

    def __init__(self) -> None:
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = self._ca_cert(_name("mailaudit test root"), self.root_key, None, None)
        self.inter_key = ec.generate_private_key(ec.SECP256R1())
        self.intermediate = self._ca_cert(
            _name("mailaudit test intermediate"), self.inter_key, self.root, self.root_key
        )
        self.directory = Path(tempfile.mkdtemp(prefix="mailaudit-smtp-ca-"))
        self.root_pem = self.directory / "root.pem"
        self.root_pem.write_bytes(self.root.public_bytes(serialization.Encoding.PEM))

    def _ca_cert(
        self,
        subject: x509.Name,
        key: ec.EllipticCurvePrivateKey,
        issuer: x509.Certificate | None,
        issuer_key: ec.EllipticCurvePrivateKey | None,
    ) -> x509.Certificate:
        now = _now()
        signer_key = issuer_key or key
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer.subject if issuer else subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=365))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_ca_usage(), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()), critical=False)
        )
        return builder.sign(signer_key, hashes.SHA256())

    def issue(self, host: str, kind: CertKind = CertKind.VALID) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        now = _now()
        start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=90)
        if kind is CertKind.EXPIRED:
            start, end = now - datetime.timedelta(days=120), now - datetime.timedelta(days=30)
        name = "other.example.net" if kind is CertKind.WRONG_NAME else host
        self_signed = kind is CertKind.SELF_SIGNED
        signer_key = key if self_signed else self.inter_key
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name) if self_signed else self.intermediate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()), critical=False)
        )
        cert = builder.sign(signer_key, hashes.SHA256())
        return Issued(cert, key, [] if self_signed else [self.intermediate])

    def server_context(self, issued: Issued, tls_max: ssl.TLSVersion | None = None) -> ssl.SSLContext:
        base = self.directory / f"leaf-{x509.random_serial_number()}"
        cert_file, key_file = base.with_suffix(".crt"), base.with_suffix(".key")
        cert_file.write_bytes(
            b"".join(c.public_bytes(serialization.Encoding.PEM) for c in [issued.cert, *issued.chain])
        )
        key_file.write_bytes(
            issued.key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        if tls_max is not None:  # an old server: only TLS 1.0/1.1 (needs security level 0)
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                context.minimum_version = ssl.TLSVersion.TLSv1
                context.maximum_version = tls_max
        return context


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass
class ServerSpec:
    address: str
    behaviour: str = "smtp"  # smtp | silent | busy | closed | raw | drip
    host: str = "mx.example.test"  # the name in the banner and the certificate
    tls: CertKind | None = None  # None: no STARTTLS
    rcpt: str = "reject"  # accept | tenant_lock | reject | greylist
    domains: frozenset[str] = frozenset()  # domains whose postmaster ``accept`` takes
    hold: float = 0.0  # seconds to sleep before answering RCPT (to make sessions overlap)
    ident: str = "mailaudit test MTA"  # the banner's software name (e.g. "ESMTP Exim 4.96")
    raw: bytes = b""  # behaviour "raw": these bytes as the whole greeting, then silence
    tls_max: ssl.TLSVersion | None = None  # cap the server's TLS version (an old server)
    delay: float = 0.0  # behaviour "raw": seconds before the greeting
    issued: Issued | None = field(default=None, repr=False)


@dataclass
class Counters:
    connections: collections.Counter[str] = field(default_factory=collections.Counter)
    open_now: collections.Counter[str] = field(default_factory=collections.Counter)
    max_concurrent: collections.Counter[str] = field(default_factory=collections.Counter)
    commands: dict[str, list[str]] = field(default_factory=lambda: collections.defaultdict(list))
    ehlo: dict[str, list[str]] = field(default_factory=lambda: collections.defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def opened(self, address: str) -> None:
        with self.lock:
            self.connections[address] += 1
            self.open_now[address] += 1
            self.max_concurrent[address] = max(self.max_concurrent[address], self.open_now[address])

    def closed(self, address: str) -> None:
        with self.lock:
            self.open_now[address] -= 1

    def total(self) -> int:
        with self.lock:
            return sum(self.connections.values())


class _Handler:
    def __init__(self, spec: ServerSpec, counters: Counters) -> None:
        self.spec = spec
        self.counters = counters

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        self.counters.ehlo[self.spec.address].append(hostname)
        return responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.spec.hold:
            await asyncio.sleep(self.spec.hold)
        local, _, domain = address.partition("@")
        if self.spec.rcpt == "tenant_lock":
            return TENANT_LOCK
        if self.spec.rcpt == "greylist":
            return "451 4.7.1 Greylisted, try again later"
        if self.spec.rcpt == "accept" and domain.lower() in self.spec.domains and local.lower() == "postmaster":
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 Recipient OK"
        return "550 5.1.1 No such user here"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "554 5.7.0 this test server takes no messages"


class _CountingSMTP(SMTP):
    def __init__(self, spec: ServerSpec, counters: Counters, **kw: Any) -> None:
        super().__init__(_Handler(spec, counters), **kw)
        self._spec = spec
        self._counters = counters
        self._counted = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not self._counted:
            self._counted = True
            self._counters.opened(self._spec.address)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        if self._counted:
            self._counted = False
            self._counters.closed(self._spec.address)
        super().connection_lost(error)

    def _record(self, line: str) -> None:
        self._counters.commands[self._spec.address].append(line.split(" ", 1)[0].upper())

    async def smtp_EHLO(self, hostname: str) -> None:
        self._record("EHLO")
        await super().smtp_EHLO(hostname)

    async def smtp_STARTTLS(self, arg: str) -> None:
        self._record("STARTTLS")
        await super().smtp_STARTTLS(arg)

    async def smtp_MAIL(self, arg: str) -> None:
        self._record("MAIL")
        await super().smtp_MAIL(arg)

    async def smtp_RCPT(self, arg: str) -> None:
        self._record("RCPT")
        await super().smtp_RCPT(arg)

    async def smtp_DATA(self, arg: str) -> None:
        self._record("DATA")
        await super().smtp_DATA(arg)

    async def smtp_QUIT(self, arg: str) -> None:
        self._record("QUIT")
        await super().smtp_QUIT(arg)


class SmtpRig:
    """``SmtpRig(specs, ca).start()`` ... ``stop()``. ``port`` is shared by every server."""

    def __init__(self, specs: list[ServerSpec], ca: TestCA | None = None) -> None:
        self.specs = specs
        self.ca = ca
        self.counters = Counters()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._servers: list[asyncio.AbstractServer] = []

    def start(self) -> SmtpRig:
        for spec in self.specs:
            if spec.tls is not None:
                if self.ca is None:
                    raise ValueError("a STARTTLS server needs a TestCA")
                spec.issued = self.ca.issue(spec.host, spec.tls)
        self._thread.start()
        for _ in range(20):
            port = random.randint(20000, 60000)
            try:
                asyncio.run_coroutine_threadsafe(self._bind_all(port), self._loop).result(10)
            except OSError:
                asyncio.run_coroutine_threadsafe(self._close_all(), self._loop).result(10)
                continue
            self.port = port
            return self
        raise RuntimeError("no free port for the SMTP rig")

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._close_all(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def spec(self, address: str) -> ServerSpec:
        return next(s for s in self.specs if s.address == address)

    async def _bind_all(self, port: int) -> None:
        for spec in self.specs:
            if spec.behaviour == "closed":
                continue
            server = await self._bind(spec, port)
            self._servers.append(server)

    async def _bind(self, spec: ServerSpec, port: int) -> asyncio.AbstractServer:
        loop = asyncio.get_running_loop()
        if spec.behaviour in ("silent", "busy", "raw", "drip"):
            return await asyncio.start_server(self._raw(spec), spec.address, port)
        context = self.ca.server_context(spec.issued, spec.tls_max) if (self.ca and spec.issued) else None

        def factory() -> _CountingSMTP:
            return _CountingSMTP(
                spec, self.counters, hostname=spec.host, ident=spec.ident, tls_context=context, loop=loop
            )

        return await loop.create_server(factory, spec.address, port)

    def _raw(self, spec: ServerSpec) -> Any:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.counters.opened(spec.address)
            try:
                if spec.behaviour == "busy":
                    writer.write(b"421 4.7.0 mx.example.test Too many connections, try later\r\n")
                    await writer.drain()
                elif spec.behaviour == "raw":
                    await asyncio.sleep(spec.delay)
                    writer.write(spec.raw)
                    await writer.drain()
                    while await reader.read(1024):
                        pass
                elif spec.behaviour == "drip":  # a slow-drip tarpit: one byte at a time, never a line end
                    while True:
                        writer.write(b"2")
                        await writer.drain()
                        await asyncio.sleep(0.05)
                else:
                    while await reader.read(1024):
                        pass
            except (ConnectionError, OSError):
                pass
            finally:
                self.counters.closed(spec.address)
                writer.close()

        return serve

    async def _close_all(self) -> None:
        for server in self._servers:
            server.close()
        for server in self._servers:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 2)
        self._servers.clear()


def loopback(n: int, base: int = 20) -> list[str]:
    """``n`` distinct 127.0.x.y addresses starting at 127.0.0.<base>."""
    first = int(ipaddress.IPv4Address("127.0.0.0")) + base
    return [str(ipaddress.IPv4Address(first + i)) for i in range(n)]
