"""Zone files for batch tests: client domains sharing one provider, a report service and a blocklist.

Every name an audit asks about is inside these zones (or gets a clean NXDOMAIN from them), so the
same files serve the in-process DNS server and ``--offline --zone``.
"""

from __future__ import annotations

import pathlib

ZONE = "batchr.test"
PROVIDER = f"provider.{ZONE}"
BLOCKLIST = f"bl.{ZONE}"
SOA = "@ SOA ns.test. hostmaster.test. 1 3600 600 86400 60"


def client_domains(count: int) -> list[str]:
    return [f"client{i:03d}.{ZONE}" for i in range(count)]


def write_zones(folder: pathlib.Path, domains: list[str]) -> pathlib.Path:
    """``folder`` with batchr.test.zone and in-addr.arpa.zone; some clients have problems."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        f"$ORIGIN {ZONE}.", SOA,
        f"mx.{PROVIDER}. A 94.130.50.1",
        f'_spf.{PROVIDER}. TXT "v=spf1 ip4:94.130.50.0/24 -all"',
        '*._report._dmarc.reports TXT "v=DMARC1"',
        "2.0.0.127.bl A 127.0.0.2",
    ]
    for number, domain in enumerate(domains):
        spf = "~all" if number % 3 else "-all"
        lines += [f"{domain}. MX 10 mx.{PROVIDER}.", f'{domain}. TXT "v=spf1 include:_spf.{PROVIDER} {spf}"']
        if number % 4:
            lines.append(f'_dmarc.{domain}. TXT "v=DMARC1; p=reject; rua=mailto:agg@reports.{ZONE}"')
    (folder / f"{ZONE}.zone").write_text("\n".join(lines) + "\n")
    (folder / "in-addr.arpa.zone").write_text(
        f"$ORIGIN in-addr.arpa.\n{SOA}\n1.50.130.94 PTR mx.{PROVIDER}.\n")
    return folder


def write_list(path: pathlib.Path, domains: list[str]) -> pathlib.Path:
    path.write_text("# clients\n" + "\n".join(domains) + "\n")
    return path
