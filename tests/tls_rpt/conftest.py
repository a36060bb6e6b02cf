from tests.transportrig import rig

__all__ = ["rig"]
