"""Pure parsers for DNS record formats (no I/O)."""
