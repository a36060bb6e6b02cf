"""Cross-check facts: does the domain send or receive mail at all?"""

from __future__ import annotations

from mailaudit.context import AuditContext
from mailaudit.facts.mx import mx_facts
from mailaudit.facts.spf import spf_facts


async def sends_no_mail(ctx: AuditContext) -> bool:
    """True when the domain says it sends no mail: SPF ``v=spf1 -all`` and no MX (or a null MX).

    Such a domain needs ``v=spf1 -all``, a null MX and DMARC ``p=reject``, not DKIM advice.
    """
    spf = await spf_facts(ctx)
    if not spf.sends_no_mail:
        return False
    mx = await mx_facts(ctx)
    return mx.null or (mx.answer.absent and not mx.hosts)


async def shows_no_mail_use(ctx: AuditContext) -> bool:
    """True when the domain has neither MX records (nor a null MX) nor an SPF record, both
    verified: e.g. a web-only domain. DKIM advice is then information, not a problem."""
    spf = await spf_facts(ctx)
    if not spf.complete or spf.record is not None:
        return False
    mx = await mx_facts(ctx)
    return mx.answer.absent and not mx.hosts and not mx.null
