"""Focused inspections behind the `spf` and `blocklist` commands, run through the engine.

``inspect_spf`` audits one domain with the SPF check only and then evaluates ``check_host`` for
given addresses over the same resolver (the tree comes from the audit's memoised facts, so no
question is asked twice). ``inspect_blocklists`` looks addresses and domains up directly, in a
run context (no made-up domain). Both return typed results for ``render/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mailaudit.checks.base import Collector
from mailaudit.dnsbl.check import BlocklistRun, Target, lookup_all, report
from mailaudit.dnsbl.lists import Blocklist
from mailaudit.engine import Auditor
from mailaudit.facts.spf import spf_facts
from mailaudit.model import CheckResult, Severity
from mailaudit.spf.evaluate import SpfOutcome, SpfResult, check_host_async
from mailaudit.spf.tree import SpfNode
from mailaudit.verdict import ExitCode


@dataclass(frozen=True, slots=True)
class SpfInspection:
    domain: str
    check: CheckResult
    tree: SpfNode | None
    evaluations: tuple[tuple[str, SpfOutcome], ...]

    @property
    def exit_code(self) -> ExitCode:
        """1: a finding at or above high, or an address that does not pass; 3: a lookup failed."""
        serious = any(f.severity.at_least(Severity.HIGH) for f in self.check.findings)
        refused = any(o.result not in (SpfResult.PASS, SpfResult.TEMPERROR) for _, o in self.evaluations)
        if serious or refused:
            return ExitCode.FINDINGS
        failed = bool(self.check.error) or any(o.result is SpfResult.TEMPERROR for _, o in self.evaluations)
        return ExitCode.INCOMPLETE if failed else ExitCode.OK


async def inspect_spf(auditor: Auditor, domain: str, ips: Sequence[str], sender: str, helo: str) -> SpfInspection:
    report_, ctx = await auditor.audit_in_context(domain)
    check = report_.check("spf")
    assert check is not None, "the auditor must run the spf check"
    tree = (await spf_facts(ctx)).tree
    outcomes = [await check_host_async(ip, ctx.domain, sender, helo, resolver=auditor.resolver) for ip in ips]
    return SpfInspection(ctx.domain, check, tree, tuple(zip(ips, outcomes, strict=True)))


@dataclass(frozen=True, slots=True)
class BlocklistInspection:
    targets: tuple[Target, ...]
    check: CheckResult
    run: BlocklistRun

    @property
    def listed(self) -> int:
        return sum(1 for i in self.run.lookups if i.status == "listed")

    @property
    def exit_code(self) -> ExitCode:
        """1 when something is listed, 3 when a lookup failed (and nothing is listed), else 0."""
        if self.listed:
            return ExitCode.FINDINGS
        return ExitCode.INCOMPLETE if self.check.error else ExitCode.OK


async def inspect_blocklists(
    auditor: Auditor, targets: Sequence[Target], lists: Sequence[Blocklist], dqs_key: str | None
) -> BlocklistInspection:
    ctx = auditor.run_context()
    out = Collector("dnsbl", ctx)
    outcome = await lookup_all(ctx, targets, lists, dqs_key)
    report(out, outcome)
    return BlocklistInspection(tuple(targets), out.result(), outcome)
