"""Running the dnssec and dane checks (through the engine and the CLI) against the signed tree."""

from __future__ import annotations

import asyncio
import json
import pathlib
import subprocess
import sys
from typing import Any

from mailaudit.dnscore.resolver import Resolver
from mailaudit.engine import Auditor
from mailaudit.model import CheckResult, DomainReport
from mailaudit.options import AuditOptions

from .signedserver import SignedServer
from .signing import World


def anchor_file(world: World, folder: pathlib.Path) -> pathlib.Path:
    path = folder / "test-anchor.ds"
    path.write_text(world.anchor_text)
    return path


def audit(server: SignedServer, anchor: pathlib.Path, domain: str, *checks: str, **options: Any) -> DomainReport:
    resolver = Resolver([server.address], timeout=0.5, retries=0)
    opts = AuditOptions(checks=checks or ("dnssec", "dane"), trust_anchor=str(anchor), **options)
    return asyncio.run(Auditor(resolver, opts).audit(domain))


def result(report: DomainReport, check_id: str) -> CheckResult:
    return next(c for c in report.checks if c.id == check_id)


def ids(report: DomainReport, check_id: str) -> list[str]:
    return sorted(f.id for f in result(report, check_id).findings)


def cli(server: SignedServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mailaudit",
            "check",
            *args,
            "--nameserver",
            server.address,
            "--timeout",
            "0.5",
            "--no-dnsbl",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def cli_json(server: SignedServer, *args: str) -> tuple[int, dict[str, Any]]:
    done = cli(server, *args, "--format", "json")
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)
