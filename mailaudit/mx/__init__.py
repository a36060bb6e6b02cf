"""MX (RFC 5321, RFC 7505): ``check`` (hosts, addresses, reverse DNS, null MX) and
``catalogue/``. The MX facts other checks read are ``facts.mx``."""
