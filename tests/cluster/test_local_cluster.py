"""batch --cluster on a real Dask cluster: a scheduler and two worker processes on loopback.

The output equals the single-process output for the same zone-file-backed (--offline) batch. The
zones are parsed once by the client and shipped to the workers inside the job.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys
from collections.abc import Iterator

import pytest

from ..batchdata import BLOCKLIST, client_domains, write_list, write_zones

distributed = pytest.importorskip(
    "distributed", reason="Dask distributed is not installed: pip install -e '.[test,cluster]' (CI does)")

DOMAINS = client_domains(30)


@pytest.fixture(scope="module")
def cluster() -> Iterator[object]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, scheduler_port=0) as local:
        yield local


def batch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mailaudit", "batch", *args],
                          capture_output=True, text=True, timeout=300)


def test_cluster_output_equals_local_output(cluster, tmp_path: pathlib.Path) -> None:
    zones = write_zones(tmp_path / "zones", DOMAINS)
    clients = write_list(tmp_path / "clients.txt", DOMAINS)
    common = [str(clients), "--offline", "--zone", str(zones), "--dnsbl", BLOCKLIST]
    local = batch(*common, "--format", "jsonl")
    assert local.returncode == 1, local.stderr
    out = tmp_path / "cluster.jsonl"
    remote = batch(*common, "--format", "jsonl", "-o", str(out), "--cluster", cluster.scheduler_address,
                   "--chunk-size", "4")
    assert remote.returncode == local.returncode, remote.stderr
    assert sorted(out.read_text().splitlines()) == sorted(local.stdout.splitlines())
    assert len(local.stdout.splitlines()) == len(DOMAINS)
    with distributed.Client(cluster.scheduler_address, timeout=30) as client:
        executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert len(executed) == 2 and all(count > 0 for count in executed.values()), executed  # both worked


def test_cluster_json_is_the_local_json(cluster, tmp_path: pathlib.Path) -> None:
    zones = write_zones(tmp_path / "zones", DOMAINS[:9])
    clients = write_list(tmp_path / "clients.txt", DOMAINS[:9])
    common = [str(clients), "--offline", "--zone", str(zones), "--dnsbl", BLOCKLIST, "--format", "json"]
    local = batch(*common)
    remote = batch(*common, "--cluster", cluster.scheduler_address, "--chunk-size", "2")
    assert (remote.returncode, remote.stdout) == (local.returncode, local.stdout), remote.stderr


def test_cluster_resumes_like_a_local_run(cluster, tmp_path: pathlib.Path) -> None:
    zones = write_zones(tmp_path / "zones", DOMAINS)
    clients = write_list(tmp_path / "clients.txt", DOMAINS)
    common = [str(clients), "--offline", "--zone", str(zones), "--dnsbl", BLOCKLIST]
    whole = batch(*common, "--format", "jsonl")
    out = tmp_path / "out.jsonl"
    assert batch(*common, "-o", str(out), "--shard", "2/3").returncode in (0, 1)
    resumed = batch(*common, "-o", str(out), "--resume", "--cluster", cluster.scheduler_address)
    assert resumed.returncode == whole.returncode, resumed.stderr
    assert sorted(out.read_text().splitlines()) == sorted(whole.stdout.splitlines())
