"""End-to-end tests against Knot DNS (knotd) on loopback."""
