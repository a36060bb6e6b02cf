from tests.httpsserver import https_server, test_ca
from tests.transportrig import rig

__all__ = ["https_server", "rig", "test_ca"]
