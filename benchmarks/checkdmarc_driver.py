"""Run checkdmarc's check_domains over a domain file, serially or in a thread pool.

Used by benchmarks/run.py as a subprocess (so its CPU time and peak RSS are its own):

    python benchmarks/checkdmarc_driver.py FILE --nameserver 127.0.0.1 --port 5300 [--threads 16]

Each result is serialised to JSON (like mailaudit's jsonl output) and written to stdout.
checkdmarc needs a dns.nameserver.Do53Nameserver for a non-standard port: a plain
'ip:port' string makes it crash.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import checkdmarc  # type: ignore[import-untyped]
import dns.nameserver


def check_one(domain: str, nameserver: dns.nameserver.Nameserver, timeout: float) -> str:
    try:
        result: Any = checkdmarc.check_domains([domain], nameservers=[nameserver], timeout=timeout)
    except Exception as err:  # report, keep going: one domain must not end the run
        result = {"domain": domain, "driver_error": f"{type(err).__name__}: {err}"}
    return json.dumps(result, default=str)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--nameserver", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=53)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=2.0)
    args = parser.parse_args()
    with open(args.file, encoding="utf-8") as handle:
        domains = [line.strip() for line in handle if line.strip() and not line.startswith("#")]
    server = dns.nameserver.Do53Nameserver(args.nameserver, port=args.port)
    out = sys.stdout
    if args.threads <= 1:
        for domain in domains:
            out.write(check_one(domain, server, args.timeout) + "\n")
    else:
        with ThreadPoolExecutor(args.threads) as pool:
            for line in pool.map(lambda d: check_one(d, server, args.timeout), domains):
                out.write(line + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
