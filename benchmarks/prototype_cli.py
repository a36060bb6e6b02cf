"""``mailaudit`` with benchmarks/do53.py's Do53Source in place of LiveSource (benchmark only).

    python benchmarks/prototype_cli.py batch FILE --nameserver 127.0.0.1:5300 ...

Measures what the proposed transport would change, without touching the package.
"""

from __future__ import annotations

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import do53

import mailaudit.dns

mailaudit.dns.LiveSource = do53.Do53Source  # type: ignore[misc,assignment]

from mailaudit.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
