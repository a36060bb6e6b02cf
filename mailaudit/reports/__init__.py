"""DMARC aggregate (RFC 7489 / RFC 9990) and TLS-RPT (RFC 8460) report ingestion.

Pure layers, bottom up: :mod:`.limits` (hard caps), :mod:`.extract` (files, archives, mail),
:mod:`.dmarcxml` and :mod:`.tlsrpt` (tolerant parsers), :mod:`.aggregate` (de-duplication and
per-source counters), :mod:`.classify` and :mod:`.readiness` (verdicts), :mod:`.imap` (mailbox input).
"""
