"""The contract's import path for the resolver: ``from mailaudit.dns import Resolver``.

The DNS layer lives in ``mailaudit.dnscore``; nothing inside the package imports this module.
"""

from __future__ import annotations

from mailaudit.dnscore.resolver import DEFAULT_TIMEOUT, NOT_VERIFIABLE, Resolver, run_sync

__all__ = ["DEFAULT_TIMEOUT", "NOT_VERIFIABLE", "Resolver", "run_sync"]
