"""The registered checks, in report order. Each module exposes ``CHECK``."""

from __future__ import annotations

from . import dkim, dmarc, dnsbl, mx, spf
from .base import AuditContext, Check, Collector, RunState

CHECKS: tuple[Check, ...] = (mx.CHECK, spf.CHECK, dmarc.CHECK, dkim.CHECK, dnsbl.CHECK)

__all__ = ["CHECKS", "AuditContext", "Check", "Collector", "RunState"]
