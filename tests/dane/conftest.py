from tests.dnssec.conftest import signed_server, world

__all__ = ["signed_server", "world"]
