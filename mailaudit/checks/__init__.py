"""What a check gives back (``Collector``) and how it is described (``Check``).

The list of checks is ``mailaudit.registry.CHECKS``; each protocol package's ``check.py``
exposes one ``CHECK``. Check modules never import one another: what several checks need lives
in ``mailaudit.facts``.
"""

from __future__ import annotations

from mailaudit.checks.base import Check, Collector, dns_record

__all__ = ["Check", "Collector", "dns_record"]
