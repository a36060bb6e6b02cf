"""``mailaudit`` with the dnspython asyncresolver transport instead of the default lean one
(benchmark only): ``run.py --prototype`` adds this row to compare the two in one run.

    python benchmarks/prototype_cli.py batch FILE --nameserver 127.0.0.1:5300 ...
"""

from __future__ import annotations

import functools
import sys

import mailaudit.dns

mailaudit.dns.Resolver.__init__ = functools.partialmethod(  # type: ignore[method-assign]
    mailaudit.dns.Resolver.__init__, transport="dnspython"
)

from mailaudit.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
