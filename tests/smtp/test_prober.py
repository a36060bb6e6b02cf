"""Politeness and safety of the run-wide prober, counted at real loopback SMTP servers."""

from __future__ import annotations

import asyncio
import time

from mailaudit.smtp.outcomes import FailureKind
from mailaudit.smtp.prober import Prober, ProbeSettings
from mailaudit.smtp.session import Timeouts

from ..smtpserver import ServerSpec, SmtpRig, loopback

FAST = Timeouts(connect=1.0, banner=1.0, command=1.0, session=3.0)


def settings(rig: SmtpRig, **kw: object) -> ProbeSettings:
    base: dict[str, object] = {"port": rig.port, "allow_private": True, "timeouts": FAST}
    base.update(kw)
    return ProbeSettings(**base)  # type: ignore[arg-type]


def test_batch_of_200_domains_connects_to_each_shared_address_once() -> None:
    # 200 client domains, all with MX at one provider: 3 hosts, 6 addresses between them.
    addresses = loopback(6, base=60)
    hosts = {a: f"mx{i // 2}.provider.test" for i, a in enumerate(addresses)}
    rig = SmtpRig([ServerSpec(a, host=hosts[a]) for a in addresses]).start()
    try:
        prober = Prober(settings(rig, cap=4))

        async def domain(n: int) -> list[object]:
            return await asyncio.gather(*(prober.tls(a, hosts[a]) for a in addresses))

        async def batch() -> list[list[object]]:
            return await asyncio.gather(*(domain(n) for n in range(200)))

        results = asyncio.run(batch())
    finally:
        rig.stop()
    assert len(results) == 200
    assert all(probe.failure is None for row in results for probe in row)  # type: ignore[attr-defined]
    assert rig.counters.connections == {a: 1 for a in addresses}
    assert dict(prober.stats.connections) == {a: 1 for a in addresses}


def test_one_connection_at_a_time_per_address() -> None:
    # 30 domains whose origin host is the same address: 30 RCPT probes, never two at once.
    address = loopback(1, base=70)[0]
    domains = [f"client{n}.test" for n in range(30)]
    rig = SmtpRig([ServerSpec(address, rcpt="accept", domains=frozenset(domains), hold=0.02)]).start()
    try:
        prober = Prober(settings(rig, cap=10))

        async def run() -> list[object]:
            return await asyncio.gather(*(prober.rcpt(address, None, d) for d in domains * 2))

        results = asyncio.run(run())
    finally:
        rig.stop()
    assert all(r.rcpt is not None and r.rcpt.code == 250 for r in results)  # type: ignore[attr-defined]
    assert rig.counters.connections[address] == 30  # each (address, domain) once, asked twice
    assert rig.counters.max_concurrent[address] == 1


def test_global_cap_bounds_connections_in_flight() -> None:
    addresses = loopback(8, base=80)
    rig = SmtpRig([ServerSpec(a, rcpt="accept", domains=frozenset({"d.test"}), hold=0.1) for a in addresses]).start()
    try:
        prober = Prober(settings(rig, cap=2))

        async def run() -> float:
            start = time.monotonic()
            await asyncio.gather(*(prober.rcpt(a, None, "d.test") for a in addresses))
            return time.monotonic() - start

        elapsed = asyncio.run(run())
    finally:
        rig.stop()
    assert sum(rig.counters.connections.values()) == 8
    assert elapsed >= 0.35  # 8 sessions holding 0.1 s each, two at a time


def test_private_targets_refused_without_the_option() -> None:
    address = loopback(1, base=90)[0]
    rig = SmtpRig([ServerSpec(address)]).start()
    try:
        prober = Prober(settings(rig, allow_private=False))
        probe = asyncio.run(prober.tls(address, "mx.example.test"))
        also = asyncio.run(Prober(settings(rig, allow_private=False)).rcpt("::ffff:127.0.0.1", None, "a.test"))
    finally:
        rig.stop()
    assert probe.failure is not None and probe.failure.kind is FailureKind.NOT_ALLOWED
    assert also.failure is not None and also.failure.kind is FailureKind.NOT_ALLOWED
    assert rig.counters.total() == 0


def test_port25_blocked_is_decided_fast() -> None:
    # 40 addresses that never answer (silent) or refuse: after three, the rest are not attempted.
    silent = loopback(20, base=100)
    closed = loopback(20, base=130)
    rig = SmtpRig(
        [ServerSpec(a, behaviour="silent") for a in silent] + [ServerSpec(a, behaviour="closed") for a in closed]
    ).start()
    try:
        prober = Prober(settings(rig, cap=3, timeouts=Timeouts(connect=0.5, banner=0.5, command=0.5, session=2.0)))

        async def run() -> tuple[list[object], float]:
            start = time.monotonic()
            found = await asyncio.gather(*(prober.tls(a, None) for a in silent + closed))
            return list(found), time.monotonic() - start

        results, elapsed = asyncio.run(run())
    finally:
        rig.stop()
    kinds = [r.failure.kind for r in results]  # type: ignore[attr-defined]
    assert all(k.unreached or k is FailureKind.BLOCKED_HERE for k in kinds)
    assert kinds.count(FailureKind.BLOCKED_HERE) >= 35
    assert prober.port25_blocked
    assert sum(prober.stats.connections.values()) <= 5
    assert elapsed < 2.0  # about one banner timeout, not 40 in sequence


def test_one_answer_means_port25_is_not_blocked() -> None:
    good, *closed = loopback(6, base=160)
    rig = SmtpRig([ServerSpec(good)] + [ServerSpec(a, behaviour="closed") for a in closed]).start()
    try:
        prober = Prober(settings(rig, cap=1))

        async def run() -> list[object]:
            first = await prober.tls(good, None)
            rest = await asyncio.gather(*(prober.tls(a, None) for a in closed))
            return [first, *rest]

        results = asyncio.run(run())
    finally:
        rig.stop()
    assert results[0].failure is None  # type: ignore[attr-defined]
    assert [r.failure.kind for r in results[1:]] == [FailureKind.REFUSED] * 5  # type: ignore[attr-defined]
    assert not prober.port25_blocked


def test_target_rule_tokens() -> None:
    from mailaudit.net.targets import refusal

    assert refusal("127.0.0.1", False) == "loopback" and refusal("127.0.0.1", True) is None
    assert refusal("::1", False) == "loopback" and refusal("::1", True) is None
    assert refusal("10.1.2.3", False) == "private" and refusal("fd00::1", False) == "private"
    assert refusal("169.254.169.254", False) == "link-local"
    assert refusal("100.64.0.1", False) == "shared" and refusal("100.64.0.1", True) is None
    assert refusal("::ffff:192.168.0.1", False) == "private"
    assert refusal("0.0.0.0", True) == "unspecified" and refusal("224.0.0.1", True) == "multicast"
    assert refusal("240.0.0.1", True) == "reserved"
    assert refusal("not-an-ip", True) == "invalid"
    assert refusal("192.0.2.1", False) == "private"  # documentation range (RFC 5737)
    assert refusal("8.8.8.8", False) is None and refusal("2001:4860:4860::8888", False) is None


def test_memory_stays_bounded() -> None:
    addresses = loopback(3, base=240)
    rig = SmtpRig([ServerSpec(a) for a in addresses]).start()
    try:
        prober = Prober(settings(rig, memo_limit=2))

        async def run() -> None:
            for address in addresses:
                await prober.tls(address, None)
            await prober.tls(addresses[-1], None)  # still remembered
            await prober.tls(addresses[0], None)  # forgotten beyond the limit: probed again

        asyncio.run(run())
    finally:
        rig.stop()
    assert [rig.counters.connections[a] for a in addresses] == [2, 1, 1]
    assert len(prober._tls) <= 2 and prober._locks == {}


def test_fast_refusals_alone_do_not_declare_port25_blocked() -> None:
    # Dead hosts refuse in microseconds; a live server greets later. The live one, in flight
    # when three refusals are in, must get its say before the run calls port 25 blocked.
    slow, *dead = loopback(9, base=250)
    rig = SmtpRig(
        [ServerSpec(slow, behaviour="raw", raw=b"220 slow.example.test ESMTP\r\n", delay=0.3)]
        + [ServerSpec(a, behaviour="closed") for a in dead]
    ).start()
    try:
        prober = Prober(settings(rig, cap=3))

        async def run() -> list[object]:
            return list(await asyncio.gather(prober.tls(slow, None), *(prober.tls(a, None) for a in dead)))

        results = asyncio.run(run())
    finally:
        rig.stop()
    first = results[0].failure  # type: ignore[attr-defined]
    assert first is not None and first.kind is FailureKind.TARPIT and first.heard  # greeted, then silent
    assert [r.failure.kind for r in results[1:]] == [FailureKind.REFUSED] * 8  # type: ignore[attr-defined]
    assert not prober.port25_blocked
