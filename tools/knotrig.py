"""Knot DNS on loopback for a folder of NAME.zone files, optionally behind the delaying proxy.

Stdlib plus dnspython. ``KnotRig(zone_dir).start()`` writes a knotd configuration into a
temporary folder (rundir, storage and journal there; ``zonefile-sync: -1`` so knotd never writes
into the fixtures), runs knotd in the foreground as a child process, and waits until every zone
answers its SOA (knotd reports ready before zones are loaded). With ``delay_ms`` or ``drop``,
tools/delayproxy.py runs in front of knotd and ``address`` is the proxy's; ``stats()`` and
``reset()`` then read and clear the proxy's question counters. ``stop()`` ends both.

Command line (serves until Ctrl-C)::

    python tools/knotrig.py ZONE_DIR [--port 5300] [--delay-ms 20] [--drop slow.test]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

HERE = pathlib.Path(__file__).resolve().parent
PROXY = HERE / "delayproxy.py"


class RigError(RuntimeError):
    """knotd (or the proxy) could not be started."""


def find_knotd() -> str | None:
    """The knotd executable, or None when Knot DNS is not installed.

    ``KNOTRIG_KNOTD`` overrides the search (a path; one that does not exist means 'absent')."""
    override = os.environ.get("KNOTRIG_KNOTD")
    if override is not None:
        return override if os.access(override, os.X_OK) else None
    return shutil.which("knotd") or next(
        (p for p in ("/usr/sbin/knotd", "/usr/local/sbin/knotd") if os.access(p, os.X_OK)), None
    )


def zone_names(zone_dir: pathlib.Path) -> list[str]:
    """Zone origins served from ``zone_dir``: one per NAME.zone file."""
    names = [p.name.removesuffix(".zone") for p in sorted(zone_dir.glob("*.zone"))]
    if not names:
        raise RigError(f"no *.zone files in {zone_dir}")
    return names


def free_port(host: str = "127.0.0.1") -> int:
    """A port free for both UDP and TCP right now (another process could still take it)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((host, port))
                except OSError:
                    continue
                return port
    raise RigError("no free port on loopback")


def knot_config(zone_dir: pathlib.Path, state: pathlib.Path, host: str, port: int, zones: Iterable[str]) -> str:
    """knotd's YAML configuration: everything it writes stays under ``state``."""
    lines = [
        "server:",
        f'    rundir: "{state}"',
        f'    pidfile: "{state}/knot.pid"',
        f"    listen: {host}@{port}",
        "    background-workers: 1",
        "    tcp-max-clients: 512",
        "log:",
        "  - target: stderr",
        "    any: warning",
        "database:",
        f'    storage: "{state}/db"',
        "template:",
        "  - id: default",
        f'    storage: "{zone_dir}"',
        '    file: "%s.zone"',
        "    zonefile-sync: -1",
        "    zonefile-load: whole",
        "    journal-content: none",
        "    semantic-checks: off",
        "zone:",
    ]
    lines += [f'  - domain: "{name}."' for name in zones]
    return "\n".join(lines) + "\n"


@dataclass
class ProxyStats:
    total: int
    unique: int
    repeated: int
    tcp: int
    dropped: int
    worst: tuple[str, ...]  # the most repeated questions, "COUNT name/TYPE/proto"


class KnotRig:
    """knotd serving ``zone_dir`` on 127.0.0.1, with the delaying proxy in front when asked."""

    def __init__(
        self,
        zone_dir: str | pathlib.Path,
        *,
        delay_ms: float = 0.0,
        drop: Sequence[str] = (),
        proxy: bool | None = None,
        port: int = 0,
        startup_timeout: float = 60.0,
    ) -> None:
        self.zone_dir = pathlib.Path(zone_dir).resolve()
        self.zones = zone_names(self.zone_dir)
        self.delay_ms = delay_ms
        self.drop = tuple(drop)
        self.use_proxy = bool(delay_ms or drop) if proxy is None else proxy
        self.host = "127.0.0.1"
        self.port = port
        self.knot_port = 0
        self.startup_timeout = startup_timeout
        self._state: tempfile.TemporaryDirectory[str] | None = None
        self._knotd: subprocess.Popen[bytes] | None = None
        self._proxy: subprocess.Popen[str] | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def knotd_pid(self) -> int | None:
        return self._knotd.pid if self._knotd else None

    # -- life cycle ---------------------------------------------------------------------
    def start(self) -> KnotRig:
        knotd = find_knotd()
        if knotd is None:
            raise RigError("knotd not found (Debian: apt-get install -y --no-install-recommends knot)")
        try:
            self._start_knotd(knotd)
            self._wait_for_zones()
            if self.use_proxy:
                self._start_proxy()
            else:
                self.port = self.knot_port
        except BaseException:
            self.stop()
            raise
        return self

    def _start_knotd(self, knotd: str) -> None:
        self._state = tempfile.TemporaryDirectory(prefix="knotrig-")
        state = pathlib.Path(self._state.name)
        (state / "db").mkdir()
        self.knot_port = self.port if (self.port and not self.use_proxy) else free_port(self.host)
        conf = state / "knot.conf"
        conf.write_text(knot_config(self.zone_dir, state, self.host, self.knot_port, self.zones))
        log = (state / "knot.log").open("wb")
        self._knotd = subprocess.Popen(
            [knotd, "-c", str(conf)], stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )
        log.close()

    def _wait_for_zones(self) -> None:
        """Poll until every zone answers its SOA with authority (knotd loads zones after start)."""
        waiting = list(self.zones)
        deadline = time.monotonic() + self.startup_timeout
        while waiting:
            if self._knotd is not None and self._knotd.poll() is not None:
                raise RigError(f"knotd exited with {self._knotd.returncode}: {self.log_tail()}")
            if time.monotonic() > deadline:
                raise RigError(f"zones not loaded after {self.startup_timeout}s: {waiting[:5]} {self.log_tail()}")
            waiting = [z for z in waiting if not soa_ready(self.host, self.knot_port, z)]
            if waiting:
                time.sleep(0.05)

    def _start_proxy(self) -> None:
        cmd = [
            sys.executable, str(PROXY), "--upstream", f"{self.host}:{self.knot_port}",
            "--listen", f"{self.host}:{self.port}", "--delay-ms", str(self.delay_ms),
        ]
        for suffix in self.drop:
            cmd += ["--drop", suffix]
        self._proxy = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
        assert self._proxy.stdout is not None
        line = self._proxy.stdout.readline().split()
        if len(line) != 3 or line[0] != "listening":
            raise RigError(f"delay proxy did not start (exit {self._proxy.poll()})")
        self.port = int(line[2])

    def stop(self) -> None:
        for proc in (self._proxy, self._knotd):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        if self._proxy is not None and self._proxy.stdout is not None:
            self._proxy.stdout.close()
        self._proxy = self._knotd = None
        if self._state is not None:
            self._state.cleanup()
            self._state = None

    def __enter__(self) -> KnotRig:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_tail(self, lines: int = 8) -> str:
        if self._state is None:
            return ""
        path = pathlib.Path(self._state.name) / "knot.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return " | ".join(text.strip().splitlines()[-lines:])

    # -- the proxy's counters -------------------------------------------------------------
    def stats(self) -> ProxyStats:
        """Questions the proxy has seen since the last ``reset()``."""
        texts = self._control("stats")
        fields = dict(item.split("=", 1) for item in texts[0].split())
        return ProxyStats(
            int(fields["total"]), int(fields["unique"]), int(fields["repeated"]),
            int(fields["tcp"]), int(fields["dropped"]), tuple(texts[1:]),
        )

    def reset(self) -> None:
        self._control("reset")

    def _control(self, what: str) -> list[str]:
        if not self.use_proxy:
            raise RigError("question counters need the proxy (start with proxy=True)")
        query = dns.message.make_query(f"{what}.delayproxy.invalid.", dns.rdatatype.TXT)
        response = dns.query.udp(query, self.host, timeout=5, port=self.port)
        return [b"".join(rd.strings).decode() for rrset in response.answer for rd in rrset]


def soa_ready(host: str, port: int, zone: str) -> bool:
    query = dns.message.make_query(zone + ".", dns.rdatatype.SOA)
    try:
        response = dns.query.udp(query, host, timeout=0.3, port=port)
    except (OSError, dns.exception.DNSException):
        return False
    return bool(response.rcode() == dns.rcode.NOERROR and response.flags & dns.flags.AA and response.answer)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a folder of NAME.zone files with knotd on loopback.")
    parser.add_argument("zone_dir", type=pathlib.Path)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--drop", action="append", default=[], metavar="SUFFIX")
    parser.add_argument("--proxy", action="store_true", help="run the proxy (question counters) even with no delay")
    args = parser.parse_args(argv)
    rig = KnotRig(args.zone_dir, delay_ms=args.delay_ms, drop=args.drop, proxy=args.proxy or None, port=args.port)
    signal.signal(signal.SIGTERM, _interrupt)
    with rig:
        print(f"serving {len(rig.zones)} zones on {rig.address} (delay {args.delay_ms} ms); Ctrl-C stops",
              flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
