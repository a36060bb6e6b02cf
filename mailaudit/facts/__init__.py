"""Shared facts: what several checks need about one domain, computed once per domain through
``AuditContext.fact`` (or once per run through ``AuditContext.shared``). ``mx``: MX hosts and
addresses, forward-confirmed reverse DNS; ``spf``: the SPF record and tree; ``dmarc``: the
policy in force; ``posture``: whether the domain sends or receives mail at all; ``providers``:
well-known mail providers recognised by their MX hosts. Facts never import a check."""
