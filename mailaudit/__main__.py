"""``python -m mailaudit``: the same command line as the ``mailaudit`` script."""

from __future__ import annotations

import sys

from mailaudit.cli import main

if __name__ == "__main__":
    sys.exit(main())
