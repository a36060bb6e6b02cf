"""``mailaudit explain``: why a message was rejected or failed authentication, and the fix.

Pure layers (no DNS): input detection and bounded MIME parsing (:mod:`.mime`), SMTP replies and
bounces (:mod:`.replies`, :mod:`.bounce`), the rejection knowledge table (:mod:`.knowledge`,
``rejections.toml``), ``Received`` and ``Authentication-Results`` headers (:mod:`.received`,
:mod:`.authresults`), DKIM verification against keys already fetched (:mod:`.dkimcheck`) and
DMARC alignment (:mod:`.align`). :mod:`.clues` turns the evidence into finding ids and parameters.
"""
