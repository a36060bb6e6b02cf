"""MTA-STS (RFC 8461): the ``_mta-sts`` record, the policy file, MX coverage, and the fix."""
