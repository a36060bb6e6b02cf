"""A session-wide knotd serving tests/knot/zones, with the delay proxy in front.

The proxy drops every question under ``slow.knot.test`` (a reliable timeout). Without knotd
the tests skip, except when the CI environment variable is set: then they fail, so CI cannot
pass by silently skipping the Knot tier.
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
INSTALL = "apt-get install -y --no-install-recommends knot"


def load_knotrig() -> ModuleType:
    spec = importlib.util.spec_from_file_location("knotrig", ROOT / "tools" / "knotrig.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("knotrig", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def knot() -> Iterator[object]:
    knotrig = load_knotrig()
    if knotrig.find_knotd() is None:
        if os.environ.get("CI"):
            pytest.fail(f"knotd is not installed but CI is set: the Knot tier must run ({INSTALL})")
        pytest.skip(f"knotd is not installed ({INSTALL}); set CI=1 to make this a failure")
    rig = knotrig.KnotRig(HERE / "zones", drop=["slow.knot.test"], proxy=True)
    rig.start()
    try:
        yield rig
    finally:
        rig.stop()
