"""DKIM keys (RFC 6376, RFC 8301): ``record`` (pure key-record parser and key analysis),
``selectors`` (the built-in selector list with sources), ``check`` and ``catalogue/``."""
