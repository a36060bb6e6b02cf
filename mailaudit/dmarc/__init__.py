"""DMARC (RFC 7489, RFC 9989): ``record`` (pure parser and editor), ``check`` (the audit check:
tags, report authorisation; the policy in force is the shared fact ``facts.dmarc``) and
``catalogue/``."""
