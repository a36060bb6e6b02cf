"""``mailaudit explain``: why a message was rejected or failed authentication, and the fix.

Pure layers (no DNS): input detection and bounded MIME parsing (:mod:`.mime`, :mod:`.limits`),
SMTP replies and bounces (:mod:`.replies`, :mod:`.bounce`), the rejection knowledge table
(:mod:`.knowledge`, ``rejections.toml``), ``Received`` and ``Authentication-Results`` headers
(:mod:`.received`, :mod:`.authresults`), DKIM and ARC verification against keys already fetched
(:mod:`.dkimcheck`, dkimpy), DMARC alignment (:mod:`.align`), and :mod:`.evidence`, which reads an
input into typed evidence. :mod:`.clues` turns evidence plus today's facts into finding ids and
parameters. I/O: :mod:`.investigate` (blocklists, ``check_host``, the DMARC policy, DKIM keys and
reverse DNS through mailaudit's resolver). :mod:`.report` gives the clues catalogue words;
:mod:`.run` is the whole in one call.
"""
