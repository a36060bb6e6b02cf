"""SPF (RFC 7208): ``record`` (pure parser and editor), ``macro`` (macro expansion),
``evaluate`` (the ``check_host`` evaluator, sync and async), ``tree`` (the include/redirect tree
with lookup counts), ``check`` (the audit check) and ``catalogue/`` (its texts).

The contract's import path: ``from mailaudit.spf import check_host``.
"""

from __future__ import annotations

from mailaudit.spf.evaluate import SpfOutcome, SpfResult, check_host, check_host_async

__all__ = ["SpfOutcome", "SpfResult", "check_host", "check_host_async"]
