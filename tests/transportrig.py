"""A rig for the transport checks: the project's DNS server and the HTTPS test server, both on loopback.

Domains live under ``.test`` (the root zone the DNS server loads); web hosts (``mta-sts.<domain>``,
logo hosts) resolve to the HTTPS server's 127.0.0.x address. Everything is real: DNS over UDP/TCP,
TLS with certificates from the test CA made at test time.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import pathlib

import pytest

from mailaudit import AuditOptions, audit
from mailaudit.dns import Resolver
from mailaudit.model import DomainReport
from tests.dnsserver import DNSServer
from tests.httpsserver import HttpsServer, TestCA

ZONES = pathlib.Path(__file__).resolve().parent / "zones"
POLICY = "/.well-known/mta-sts.txt"


@dataclasses.dataclass
class Rig:
    dns: DNSServer
    https: HttpsServer
    ca_file: pathlib.Path

    def web(self, host: str, kind: str = "valid", days: int = 90) -> None:
        """``host`` resolves to the HTTPS server, with a certificate of ``kind``."""
        self.dns.add(f"{host}.", "A", self.https.address)
        self.https.site(host, kind, days)

    def mx(self, domain: str, *hosts: str) -> None:
        for preference, host in enumerate(hosts, start=1):
            self.dns.add(f"{domain}.", "MX", f"{preference * 10} {host}.")
            self.dns.add(f"{host}.", "A", f"192.0.2.{preference}")

    def sts(self, domain: str, policy: str | bytes, *, record: str = "v=STSv1; id=20261201", **serve: object) -> None:
        """Publish ``_mta-sts.<domain>`` and serve ``policy`` at the policy host."""
        self.dns.add(f"_mta-sts.{domain}.", "TXT", f'"{record}"')
        self.web(f"mta-sts.{domain}")
        self.https.serve(f"mta-sts.{domain}", POLICY, policy, **serve)  # type: ignore[arg-type]

    def options(self, checks: tuple[str, ...], **kw: object) -> AuditOptions:
        base = AuditOptions(checks=checks, ca_file=str(self.ca_file), allow_private_targets=True,
                            https_port=self.https.port, https_timeout=2.0)
        return dataclasses.replace(base, **kw)  # type: ignore[arg-type]

    def resolver(self) -> Resolver:
        return Resolver(nameservers=[self.dns.address], timeout=0.5, retries=0)

    def audit(self, domain: str, *checks: str, **kw: object) -> DomainReport:
        return audit(domain, resolver=self.resolver(), options=self.options(checks, **kw))

    def cli_args(self, *extra: str) -> list[str]:
        return ["--nameserver", self.dns.address, "--timeout", "0.5", "--ca-file", str(self.ca_file),
                "--https-port", str(self.https.port), "--https-timeout", "1.5", *extra]


def make_rig(tmp_path: pathlib.Path, address: str, extra_roots: bytes = b"") -> collections.abc.Iterator[Rig]:
    ca = TestCA(tmp_path)
    ca_file = tmp_path / "trusted.pem"
    ca_file.write_bytes(ca.ca_file.read_bytes() + extra_roots)
    server = DNSServer()
    server.load(ZONES / "root")
    server.start()
    with HttpsServer(ca, address) as https:
        yield Rig(server, https, ca_file)
    server.stop()


@pytest.fixture()
def rig(tmp_path: pathlib.Path) -> collections.abc.Iterator[Rig]:
    yield from make_rig(tmp_path, "127.0.0.6")
