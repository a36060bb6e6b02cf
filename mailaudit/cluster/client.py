"""The client's side of a cluster batch: chunks handed to Dask workers, reports streamed back.

A bounded window of chunks is in flight (twice the cluster's worker threads, at least four), so
a list of millions of domains is never all on the scheduler at once; each finished chunk's
reports are yielded as soon as it comes back, like a local run yields each finished domain.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from mailaudit.cluster.work import ChunkJob, audit_chunk
from mailaudit.domains import DomainInput
from mailaudit.errors import InputError
from mailaudit.model import DomainReport

EXTRA_HINT = "--cluster needs the cluster extra: pip install 'mailaudit[cluster]'"
DEFAULT_CHUNK = 1000
CONNECT_TIMEOUT = 15.0


def chunks(inputs: Sequence[DomainInput], size: int) -> Iterator[list[DomainInput]]:
    source = iter(inputs)
    while chunk := list(itertools.islice(source, size)):
        yield chunk


def _distributed() -> Any:
    """The ``distributed`` module (untyped, hence Any), or the InputError that names the extra."""
    try:
        import distributed
    except ImportError:
        raise InputError(EXTRA_HINT) from None
    return distributed


async def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> Any:
    """An asynchronous ``distributed.Client`` on the scheduler at ``address``, or an InputError."""
    dask = _distributed()
    try:
        return await dask.Client(address, asynchronous=True, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as err:
        raise InputError(f"--cluster {address}: cannot reach the scheduler: {err}") from None


async def cluster_reports(address: str, job: ChunkJob, inputs: Sequence[DomainInput],
                          chunk_size: int = DEFAULT_CHUNK) -> AsyncIterator[DomainReport]:
    """Every domain's report, audited on the cluster, as each chunk finishes."""
    if not inputs:  # a resumed run with nothing left: no need for the cluster
        return
    client = await connect(address)
    try:
        threads = sum((await client.nthreads()).values())
        shared = await client.scatter(job, broadcast=True, hash=False)
        todo = chunks(inputs, chunk_size)
        running = _distributed().as_completed()
        for chunk in itertools.islice(todo, max(4, 2 * threads)):
            running.add(client.submit(audit_chunk, shared, chunk, pure=False))
        async for future in running:
            reports: list[DomainReport] = await future
            following = next(todo, None)
            if following is not None:
                running.add(client.submit(audit_chunk, shared, following, pure=False))
            for report in reports:
                yield report
    finally:
        await client.close()
