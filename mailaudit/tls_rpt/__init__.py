"""SMTP TLS Reporting (RFC 8460): the ``_smtp._tls`` record."""
