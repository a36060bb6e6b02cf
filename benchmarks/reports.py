"""`mailaudit reports` on a generated corpus: wall time, CPU and peak RSS, one subprocess per run.

    .venv/bin/python benchmarks/reports.py                       # 1,000,000 records in 20 reports
    .venv/bin/python benchmarks/reports.py --records 200000 --reports 400   # memory vs report count
    .venv/bin/python benchmarks/reports.py --parsedmarc          # also parsedmarc, if installed

The corpus (benchmarks/results/reports-corpus/, made once) is gzip'd aggregate reports in the
Google layout with documentation-range addresses. The ingest runs offline (no DNS), so the
numbers are the reading, parsing, de-duplication and counting alone. Peak RSS comes from
``os.wait4`` for the child process. With ``--parsedmarc`` the same files go through
``parsedmarc.parse_report_file`` in a child (parsedmarc is not a dependency of this project;
install it in the venv to compare).
"""

from __future__ import annotations

import argparse
import gzip
import os
import pathlib
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
HEAD = ('<?xml version="1.0" encoding="UTF-8" ?>\n<feedback>\n<report_metadata><org_name>google.com</org_name>'
        "<email>noreply-dmarc-support@google.com</email><report_id>{rid}</report_id><date_range><begin>{begin}"
        "</begin><end>{end}</end></date_range></report_metadata>\n<policy_published><domain>example.com</domain>"
        "<adkim>r</adkim><aspf>r</aspf><p>none</p><sp>none</sp><pct>100</pct></policy_published>\n")
RECORD = ("<record><row><source_ip>{ip}</source_ip><count>{n}</count><policy_evaluated><disposition>none"
          "</disposition><dkim>{dkim}</dkim><spf>{spf}</spf></policy_evaluated></row><identifiers><header_from>"
          "example.com</header_from></identifiers><auth_results><dkim><domain>example.com</domain><selector>s1"
          "</selector><result>{dkim}</result></dkim><spf><domain>example.com</domain><result>{spf}</result></spf>"
          "</auth_results></record>\n")
NETS = ("192.0.2", "198.51.100", "203.0.113")


def make_corpus(folder: pathlib.Path, records: int, reports: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    per = max(records // reports, 1)
    for r in range(reports):
        begin = 1793491200 + r * 86400
        with gzip.open(folder / f"google.com!example.com!{begin}!{begin + 86399}.xml.gz", "wt", compresslevel=6) as out:
            out.write(HEAD.format(rid=f"bench-{r}", begin=begin, end=begin + 86399))
            for i in range(per):
                k = r * per + i
                ip = f"{NETS[k % 3]}.{k % 250 + 1}" if k % 5 else f"2001:db8::{k % 65000:x}"
                ok = "pass" if k % 7 else "fail"
                out.write(RECORD.format(ip=ip, n=k % 9 + 1, dkim=ok, spf="pass" if k % 3 else "fail"))
            out.write("</feedback>\n")


def measure(argv: list[str]) -> tuple[float, float, int]:
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1, 3):
        sys.exit(f"{argv[0]} failed: {child.stderr.read().decode() if child.stderr else ''}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


PARSEDMARC = """
import pathlib, sys
import parsedmarc
for path in sorted(pathlib.Path(sys.argv[1]).iterdir()):
    parsedmarc.parse_report_file(str(path), offline=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--reports", type=int, default=20)
    parser.add_argument("--parsedmarc", action="store_true")
    args = parser.parse_args()
    folder = HERE / "results" / f"reports-corpus-{args.records}-{args.reports}"
    if not folder.exists():
        make_corpus(folder, args.records, args.reports)
    tool = [str(ROOT / ".venv" / "bin" / "mailaudit"), "reports", str(folder), "--offline", "--format", "json"]
    rows = [("mailaudit reports", *measure(tool))]
    if args.parsedmarc:
        rows.append(("parsedmarc (offline)", *measure([sys.executable, "-c", PARSEDMARC, str(folder)])))
    print(f"{args.records} records in {args.reports} reports")
    print(f"{'tool':24} {'wall s':>8} {'cpu s':>8} {'peak MB':>8}")
    for name, wall, cpu, rss in rows:
        print(f"{name:24} {wall:8.1f} {cpu:8.1f} {rss:8d}")


if __name__ == "__main__":
    main()
