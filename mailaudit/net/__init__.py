"""Network clients shared by checks: the target policy and an HTTPS fetcher with senders' rules."""
