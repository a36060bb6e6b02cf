"""A batch asks each DNS question once, however many domains share it (not a timed test).

Twelve client domains share one provider: MX host (and its PTR), SPF include tree, DKIM keys
behind CNAMEs, a DMARC report service, and a blocklist. With answers delayed, the domains'
audits overlap, so shared questions are asked while identical ones are still in flight.
"""

from __future__ import annotations

import asyncio
import json
import pathlib

from mailaudit import AuditOptions, Auditor
from mailaudit.cli import main
from mailaudit.dns import run_sync
from mailaudit.model import DomainReport, Status

from .conftest import resolver_for
from .dnsserver import DNSServer

DOMAINS = [f"client{i:02d}.batchq.test" for i in range(12)]
PROVIDER = "provider.batchq.test"
LISTS = ("bl.batchq.test",)
KEY = (  # a real 2048-bit RSA public key
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAh7MlvnoNa+n+PpPzfddEmq0TfHUUYswGebqSEg5PKKFY"
    "DUgBb0A2c4qnqcryW68L1dSO6+7GjHLFHaayeiWXraeSSPJBCUWTkqSH/2JosErG8qlNi64S4pm63YCnOrnaJiF3"
    "baIycQukf4epK0Fvq76+wNo50rUIpa7LZnPF2Y8JAGCE/LmCECgOSeZkXqTIkE2kf7lfFdwMsOrptGWV3DlVE8Pb"
    "YMKKgVLKOz/aVl5Lo2wvlxrE0fqTOAbPg/QzFb+JSUYWrxx8eDZMJfuXUxQp/eKSWjSP8RGbfOMnJ9vvDCf9QhqC"
    "tWYmz5Tx6TRnuQC4RuUczxMe9FYNDHpxlwIDAQAB"
)


def publish(server: DNSServer, folder: pathlib.Path) -> None:
    """The shared provider, a report service, a blocklist, and the clients using them."""
    lines = [
        "$ORIGIN batchq.test.",
        "@ SOA ns.test. hostmaster.test. 1 3600 600 86400 60",
        f"mx.{PROVIDER}. A 94.130.50.1",
        f'_spf.{PROVIDER}. TXT "v=spf1 include:_nb.{PROVIDER} -all"',
        f'_nb.{PROVIDER}. TXT "v=spf1 ip4:94.130.50.0/24 -all"',
        f'k1.keys.{PROVIDER}. TXT "v=DKIM1; k=rsa; p={KEY[:200]}" "{KEY[200:]}"',
        '*._report._dmarc.reports TXT "v=DMARC1"',
        "2.0.0.127.bl A 127.0.0.2",
    ]
    for domain in DOMAINS:
        lines += [
            f"{domain}. MX 10 mx.{PROVIDER}.",
            f'{domain}. TXT "v=spf1 include:_spf.{PROVIDER} -all"',
            f'_dmarc.{domain}. TXT "v=DMARC1; p=reject; rua=mailto:agg@reports.batchq.test"',
            f"s1._domainkey.{domain}. CNAME k1.keys.{PROVIDER}.",
        ]
    (folder / "batchq.test.zone").write_text("\n".join(lines) + "\n")
    (folder / "in-addr.arpa.zone").write_text(
        "$ORIGIN in-addr.arpa.\n@ SOA ns.test. hostmaster.test. 1 3600 600 86400 60\n"
        f"1.50.130.94 PTR mx.{PROVIDER}.\n"
    )
    server.load(folder)


def audit_all(server: DNSServer, domains: list[str]) -> list[DomainReport]:
    options = AuditOptions(dnsbl_zones=LISTS, dkim_selectors=("s1",))
    # at most 64 questions in flight: the in-process server must not drop bursts (a retry
    # would be a repeated question); DKIM discovery alone asks ~45 names per domain
    auditor = Auditor(resolver_for(server, timeout=2.0, max_in_flight=64), options)

    async def collect() -> list[DomainReport]:
        return [report async for report in auditor.audit_many(domains, concurrency=6)]

    return run_sync(collect)


def test_batch_asks_each_question_once(dns_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server = dns_server(delay=0.01)
    publish(server, tmp_path)
    reports = audit_all(server, DOMAINS)
    assert sorted(r.domain for r in reports) == DOMAINS
    assert not [(r.domain, c.id, c.error) for r in reports for c in r.checks if c.status is Status.ERROR]
    assert server.total > len(DOMAINS) * 2
    assert server.repeated() == {}
    for name, rdtype in [(f"mx.{PROVIDER}", "A"), (f"_spf.{PROVIDER}", "TXT"), (f"_nb.{PROVIDER}", "TXT"),
                         ("1.50.130.94.in-addr.arpa", "PTR")]:
        assert server.count(name, rdtype) == 1, (name, rdtype)


def test_cli_batch_asks_each_question_once(dns_server, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    server = dns_server(delay=0.01)
    publish(server, tmp_path)
    listing = tmp_path / "domains.txt"
    listing.write_text("\n".join([*DOMAINS, DOMAINS[0].upper(), DOMAINS[1] + "."]) + "\n")
    code = main(["batch", str(listing), "--nameserver", server.address, "--format", "jsonl",
                 "--dnsbl", LISTS[0], "--dkim-selector", "s1", "--concurrency", "2"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code in (0, 1)
    assert sorted(r["domain"] for r in lines) == DOMAINS
    assert server.repeated() == {}


def test_a_second_batch_on_one_auditor_asks_nothing_new(dns_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server = dns_server()
    publish(server, tmp_path)
    auditor = Auditor(resolver_for(server, timeout=2.0, max_in_flight=64), AuditOptions(dnsbl_zones=LISTS))

    async def twice() -> None:
        for _ in range(2):
            [r async for r in auditor.audit_many(DOMAINS[:4], concurrency=4)]

    asyncio.run(twice())
    assert server.repeated() == {}
