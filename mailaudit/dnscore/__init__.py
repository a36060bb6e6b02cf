"""The DNS layer: typed answers (``answer``), the one async resolver core (``resolver``), its
live transports (``transport``), nameserver arguments (``nameservers``) and zone files for
what-if and offline audits (``zonefile``). Below every check; imports nothing above it."""
