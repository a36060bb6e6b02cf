"""DNS blocklists (RFC 5782): ``lists`` (the built-in lists, their codes and delisting pages),
``record`` (pure: query names and classification of answers), ``check`` and ``catalogue/``."""
