from tests.httpsserver import https_server, test_ca

__all__ = ["https_server", "test_ca"]
