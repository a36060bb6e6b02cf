"""Cross-check facts: does the domain send or receive mail at all?

Both read only the domain's own SPF record and its MX answer (never the include tree or the MX
hosts' addresses), so the checks waiting on them are not held up by lookups they do not need."""

from __future__ import annotations

from mailaudit.context import AuditContext
from mailaudit.facts.mx import mx_names
from mailaudit.facts.spf import says_no_mail, spf_record


async def sends_no_mail(ctx: AuditContext) -> bool:
    """True when the domain says it sends no mail: SPF ``v=spf1 -all`` and no MX (or a null MX).

    Such a domain needs ``v=spf1 -all``, a null MX and DMARC ``p=reject``, not DKIM advice.
    """
    if not says_no_mail(await spf_record(ctx)):
        return False
    mx = await mx_names(ctx)
    return mx.null or (mx.answer.absent and not mx.hosts)


async def shows_no_mail_use(ctx: AuditContext) -> bool:
    """True when the domain has neither MX records (nor a null MX) nor an SPF record, both
    verified: e.g. a web-only domain. DKIM advice is then information, not a problem.

    Without a record there is no tree below it: the record's own lookup decides ``complete``."""
    spf = await spf_record(ctx)
    if len(spf.records) == 1 or spf.failures or spf.problem == "failed":
        return False
    mx = await mx_names(ctx)
    return mx.answer.absent and not mx.hosts and not mx.null
