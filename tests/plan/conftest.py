"""Phase 1 only: until the package moves to the repository root, the installed package comes from
src/; make the new root-level subpackage importable beside it. Removed in phase 2."""

from __future__ import annotations

import pathlib

import mailaudit

_ROOT = pathlib.Path(__file__).resolve().parents[2] / "mailaudit"
if str(_ROOT) not in mailaudit.__path__:
    mailaudit.__path__.append(str(_ROOT))
