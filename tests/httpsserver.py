"""A real HTTPS server on 127.0.0.x for tests, with a test CA made at test time.

Independent of the code under test (stdlib ``ssl`` + ``http.server``, certificates made with
``cryptography``). One server listens on one loopback address and port and serves many host
names: the certificate is chosen by SNI, the content by ``Host`` and path.

* :class:`TestCA`: a CA made in the test's temporary folder; ``issue(names, days=..., expired=...)``
  writes a leaf certificate and key; ``ca_file`` is the PEM to pass as ``--ca-file``.
* :meth:`HttpsServer.site`: a host name with a certificate kind: ``valid``, ``expired`` or
  ``wrong_name`` (a certificate for another name).
* :meth:`HttpsServer.serve`: content for (host, path): status, media type, body, extra headers.
* faults: ``hang(host)`` accepts TCP and never answers; ``redirect``, ``status`` (e.g. 404), a
  wrong media type and a BOM are plain content; ``huge(host, path, size)`` streams ``size`` bytes
  without a Content-Length.
* counting: ``connections`` (TCP accepts, before any TLS), ``requests`` (a Counter of
  (host, path)); ``reset()`` clears both.
"""

from __future__ import annotations

import collections
import collections.abc
import datetime as dt
import http.server
import pathlib
import socket
import ssl
import threading
from dataclasses import dataclass, field

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


class TestCA:
    """A certificate authority that exists only for one test run."""

    __test__ = False  # not a pytest class

    def __init__(self, folder: pathlib.Path, name: str = "mailaudit test CA") -> None:
        self.folder = folder
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=30))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        self.ca_file = folder / "test-ca.pem"
        self.ca_file.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, names: list[str], *, days: int = 90, expired: bool = False) -> tuple[pathlib.Path, pathlib.Path]:
        """A leaf for ``names``; returns (certificate PEM, key PEM) paths."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        start, end = (now - dt.timedelta(days=60), now - dt.timedelta(days=1)) if expired else (
            now - dt.timedelta(days=1), now + dt.timedelta(days=days))
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(names[0]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        stem = self.folder / f"{names[0].replace('*', '_')}-{x509.random_serial_number() % 10**8}"
        cert_path, key_path = stem.with_suffix(".crt"), stem.with_suffix(".key")
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        return cert_path, key_path


@dataclass(frozen=True)
class Content:
    status: int = 200
    content_type: str | None = "text/plain"
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    stream_bytes: int = 0  # > 0: send this many bytes, chunked, no Content-Length


@dataclass
class _State:
    contexts: dict[str, ssl.SSLContext] = field(default_factory=dict)
    content: dict[tuple[str, str], Content] = field(default_factory=dict)
    hanging: set[str] = field(default_factory=set)
    connections: int = 0
    handshakes: collections.Counter[str] = field(default_factory=collections.Counter)
    requests: collections.Counter[tuple[str, str]] = field(default_factory=collections.Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        state = self.server.state
        host = (self.headers.get("Host") or "").split(":", 1)[0].lower()
        with state.lock:
            state.requests[(host, self.path)] += 1
        content = state.content.get((host, self.path), Content(404, "text/html", b"<html>not found</html>"))
        self.send_response(content.status)
        if content.content_type is not None:
            self.send_header("Content-Type", content.content_type)
        for name, value in content.headers:
            self.send_header(name, value)
        self.send_header("Connection", "close")
        if content.stream_bytes:
            self._stream(content.stream_bytes)
            return
        self.send_header("Content-Length", str(len(content.body)))
        self.end_headers()
        self.wfile.write(content.body)

    def _stream(self, size: int) -> None:
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"x" * 65536
        sent = 0
        try:
            while sent < size and not self.server.state.stopping.is_set():
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            return  # the client stopped reading: that is what a size cap does


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], state: _State, default: ssl.SSLContext) -> None:
        super().__init__(address, _Handler)
        self.state = state
        self.default = default

    def get_request(self) -> tuple[socket.socket, tuple[str, int]]:
        sock, peer = self.socket.accept()
        with self.state.lock:
            self.state.connections += 1
        return sock, peer

    def finish_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        request.settimeout(10)
        try:
            tls = self.default.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        if getattr(tls, "sni_name", None) in self.state.hanging:  # never answer: hold the connection open
            self.state.stopping.wait(30)
            return
        super().finish_request(tls, client_address)


class HttpsServer:
    """Start with ``HttpsServer(ca, "127.0.0.5")``; stop with ``close()`` (or use as a context manager)."""

    def __init__(self, ca: TestCA, address: str = "127.0.0.1", port: int = 0) -> None:
        self.ca = ca
        self.state = _State()
        default = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert, key = ca.issue(["default.invalid"])
        default.load_cert_chain(cert, key)
        default.sni_callback = self._pick
        self._server = _Server((address, port), self.state, default)
        self.address, self.port = self._server.server_address[0], self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def _pick(self, sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        sock.sni_name = (name or "").lower()  # type: ignore[attr-defined]  # read by finish_request
        with self.state.lock:
            if name:
                self.state.handshakes[name.lower()] += 1
            context = self.state.contexts.get((name or "").lower())
        if context is not None:
            sock.context = context

    def site(self, host: str, kind: str = "valid", days: int = 90) -> None:
        """Serve TLS for ``host``: kind ``valid``, ``expired`` or ``wrong_name``."""
        names = {"valid": [host], "expired": [host], "wrong_name": [f"other-{host}"]}[kind]
        cert, key = self.ca.issue(names, days=days, expired=kind == "expired")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        self.state.contexts[host.lower()] = context

    def serve(self, host: str, path: str, body: bytes | str = b"", *, status: int = 200,
              content_type: str | None = "text/plain", headers: tuple[tuple[str, str], ...] = ()) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.state.content[(host.lower(), path)] = Content(status, content_type, data, headers)

    def redirect(self, host: str, path: str, location: str, status: int = 301) -> None:
        self.serve(host, path, b"", status=status, content_type="text/html", headers=(("Location", location),))

    def huge(self, host: str, path: str, size: int, content_type: str = "text/plain") -> None:
        self.state.content[(host.lower(), path)] = Content(200, content_type, stream_bytes=size)

    def hang(self, host: str) -> None:
        """Complete TLS for ``host``, then never answer."""
        self.state.hanging.add(host.lower())

    def handshakes(self, host: str) -> int:
        return self.state.handshakes[host.lower()]

    @property
    def connections(self) -> int:
        return self.state.connections

    @property
    def requests(self) -> collections.Counter[tuple[str, str]]:
        return self.state.requests

    def reset(self) -> None:
        with self.state.lock:
            self.state.connections = 0
            self.state.requests.clear()
            self.state.handshakes.clear()

    def close(self) -> None:
        self.state.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HttpsServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()






# pytest fixtures: import them in a conftest.py (``from tests.httpsserver import test_ca, https_server``).
@pytest.fixture(scope="module")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    return TestCA(tmp_path_factory.mktemp("ca"))


@pytest.fixture()
def https_server(test_ca: TestCA) -> collections.abc.Iterator[HttpsServer]:
    with HttpsServer(test_ca, "127.0.0.5") as server:
        yield server
