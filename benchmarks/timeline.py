"""Which DNS questions of one audit wait on which answers: a timeline of the transport.

``Recorder`` wraps any ``Transport`` (mailaudit/dnscore/transport.py; ``Resolver(...,
transport=Recorder(inner))`` accepts it) and logs, for every question, when it went out and when
its answer came back. ``rounds`` then puts each question in a round of delay:

* round 0: sent before any answer had arrived;
* round n: sent after an answer of round n-1 had arrived (and none of a later round).

That is the latest answer the question *could* have waited for, so the number of rounds is the
length of the audit's critical path as run, whatever the CPU time between rounds (no clock
arithmetic with the delay). A question in round n that does not need any answer of round n-1
is a wait to remove: ``format_rounds`` prints the rounds for a reader to find those.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import dns.name
import dns.rdatatype

from mailaudit.dnscore.answer import Answer
from mailaudit.dnscore.transport import Transport
from mailaudit.dnssec.model import Fetched


@dataclass(frozen=True)
class Question:
    name: str
    rdtype: str
    sent: float  # perf_counter seconds
    answered: float
    outcome: str
    signed: bool = False


@dataclass
class Recorder:
    """A transport that passes every question to ``inner`` and logs it (see the module doc)."""

    inner: Transport
    log: list[Question] = field(default_factory=list)

    async def lookup(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Answer:
        sent = time.perf_counter()
        answer = await self.inner.lookup(name, rdtype)
        self._note(name, rdtype, sent, answer.outcome.name)
        return answer

    async def lookup_signed(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Fetched:
        sent = time.perf_counter()
        fetched = await self.inner.lookup_signed(name, rdtype)  # type: ignore[attr-defined]
        self._note(name, rdtype, sent, "ERROR" if fetched.error is not None else "FETCHED", signed=True)
        return fetched  # type: ignore[no-any-return]

    def send(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType, deliver: Callable[[Answer], None]) -> None:
        """The resolver's fast path (``Do53Source.send``), logged the same way; an inner transport
        without it is asked through ``lookup``."""
        sent = time.perf_counter()

        def done(answer: Answer) -> None:
            self._note(name, rdtype, sent, answer.outcome.name)
            deliver(answer)

        inner_send = getattr(self.inner, "send", None)
        if inner_send is not None:
            inner_send(name, rdtype, done)
        else:
            task = asyncio.ensure_future(self.inner.lookup(name, rdtype))
            task.add_done_callback(lambda finished: done(finished.result()))

    async def aclose(self) -> None:
        await self.inner.aclose()

    def _note(self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType, sent: float, outcome: str,
              signed: bool = False) -> None:
        text = name.to_text(omit_final_dot=True) or "."
        self.log.append(Question(text, dns.rdatatype.to_text(rdtype), sent, time.perf_counter(), outcome, signed))


def rounds(log: Sequence[Question]) -> list[list[Question]]:
    """The questions by round of delay (see the module doc), each round in the order sent."""
    ordered = sorted(log, key=lambda q: q.sent)
    by_answer = sorted(log, key=lambda q: q.answered)
    level: dict[int, int] = {}
    out: list[list[Question]] = []
    for q in ordered:
        before = [level[id(a)] for a in by_answer if a.answered <= q.sent and id(a) in level]
        n = 1 + max(before) if before else 0
        level[id(q)] = n
        while len(out) <= n:
            out.append([])
        out[n].append(q)
    return out


def format_rounds(log: Sequence[Question], domain: str, delay_ms: float,
                  audit: tuple[float, float] | None = None) -> str:
    """A text table: one line per question, grouped by round, names shortened relative to ``domain``.

    ``audit``: when the audit started and ended (perf_counter), to show the time spent before
    the first question and after the last answer (CPU, not DNS)."""
    if not log:
        return f"{domain}: no questions\n"
    start, last = min(q.sent for q in log), max(q.answered for q in log)
    lines = [f"{domain}: {len(log)} questions in {len(rounds(log))} rounds "
             f"({1000 * (last - start):.0f} ms, {delay_ms:g} ms per answer)"]
    if audit is not None:
        lines.append(f"  audit: {1000 * (start - audit[0]):.1f} ms before the first question, "
                     f"{1000 * (audit[1] - last):.1f} ms after the last answer")
    for n, group in enumerate(rounds(log)):
        lines.append(f"  round {n} ({len(group)} questions)")
        for q in group:
            name = q.name.replace(domain, "@") if q.name.endswith(domain) else q.name
            flag = " (DO)" if q.signed else ""
            lines.append(f"    {1000 * (q.sent - start):7.1f} ms  {q.rdtype:<6} {name}{flag}  -> {q.outcome}")
    return "\n".join(lines) + "\n"


def round_counts(log: Sequence[Question]) -> list[int]:
    return [len(group) for group in rounds(log)]
