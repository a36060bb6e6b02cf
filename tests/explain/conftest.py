"""Fixtures for explain: the project's test DNS server with this folder's zones, DKIM keys made
at test time, and messages signed with them."""

from __future__ import annotations

import base64
import pathlib
from collections.abc import Callable, Iterator

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..dnsserver import DNSServer

HERE = pathlib.Path(__file__).resolve().parent
ROOT_ZONES = HERE.parent / "zones" / "root"


class Keys:
    """RSA keys made at test time; ``txt(selector)`` is the DKIM record text for the server."""

    def __init__(self) -> None:
        self.private: dict[str, bytes] = {}
        self.public: dict[str, str] = {}

    def make(self, selector: str) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private[selector] = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption())
        der = key.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
        self.public[selector] = base64.b64encode(der).decode("ascii")

    def txt(self, selector: str) -> str:
        text = f"v=DKIM1; k=rsa; p={self.public[selector]}"
        return " ".join(f'"{text[i:i + 200]}"' for i in range(0, len(text), 200))

    def sign(self, message: bytes, selector: str, domain: str) -> bytes:
        signature = dkim.sign(message, selector.encode(), domain.encode(), self.private[selector],
                              include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
        return signature + message


@pytest.fixture(scope="session")
def keys() -> Keys:
    made = Keys()
    for selector in ("s1", "esp1", "old"):
        made.make(selector)
    return made


@pytest.fixture
def server(keys: Keys) -> Iterator[DNSServer]:
    """example.com (s1 key published, 'old' not), esp.example (esp1), zen.spamhaus.org, bl.spamcop.net."""
    dns = DNSServer()
    dns.load(ROOT_ZONES)
    dns.load(HERE / "zones")
    dns.add("s1._domainkey.example.com.", "TXT", keys.txt("s1"))
    dns.add("esp1._domainkey.esp.example.", "TXT", keys.txt("esp1"))
    dns.start()
    yield dns
    dns.stop()


@pytest.fixture
def cli(server: DNSServer, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run ``mailaudit explain`` against the test server; returns (exit code, stdout, stderr)."""
    from mailaudit.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        argv = ["explain", *args, "--nameserver", server.address, "--timeout", "2",
                "--dnsbl", "zen.spamhaus.org", "--dnsbl", "bl.spamcop.net"]
        code = main(argv)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run
