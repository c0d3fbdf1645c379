"""Where batches run: in-process, a local process pool, or Dask distributed.

Each executor maps a picklable function over tasks and yields results as they
finish, with at most ``max_in_flight`` tasks submitted at once so that neither the
driver nor the scheduler holds the whole corpus.  Tasks carry paths, results carry
file names and counts: the rows themselves never travel, workers write them.

Workers are long-lived: the readers (PDF stack) and the jieba tokenizer are loaded
once per worker process by ``warm`` and then reused for every document.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol, TypeVar

# Documents per task: small enough to balance load and lose little to a kill, large
# enough that per-task costs (a part file per dataset and year) stay small.
DEFAULT_BATCH = 100

# Settings of the workers of a LocalCluster (a remote cluster keeps its own).  Dask's
# profiler samples the task thread's stack every 10 ms and keeps an hour of those
# samples: a worker's memory grew by about 17 MB over 1,000 reports, and its CPU time by
# a few per cent, for a dashboard nobody looks at here.
LOCAL_WORKER_CONFIG = {"distributed.worker.profile.enabled": False}

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """A way to run tasks; ``workers`` is how many run at once."""

    workers: int
    name: str

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T], max_in_flight: int) -> Iterator[R]: ...

    def close(self) -> None: ...


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class SerialExecutor:
    """Everything in this process, one task after another."""

    name = "serial"

    def __init__(self, warm: Callable[[], None] | None = None):
        self.workers = 1
        if warm:
            warm()

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T], max_in_flight: int) -> Iterator[R]:
        for task in tasks:
            yield fn(task)

    def close(self) -> None:
        pass


class PoolExecutor:
    """A local pool of worker processes (forkserver: no threads of the driver are forked)."""

    name = "pool"

    def __init__(self, jobs: int, warm: Callable[[], None] | None = None):
        self.workers = jobs
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["corpus.run"])
        self._pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=warm)

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T], max_in_flight: int) -> Iterator[R]:
        pending: set[Future] = set()
        it = iter(tasks)
        exhausted = False
        while True:
            while not exhausted and len(pending) < max_in_flight:
                try:
                    pending.add(self._pool.submit(fn, next(it)))
                except StopIteration:
                    exhausted = True
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """Dask distributed: ``address='local'`` starts a LocalCluster, else connects to a scheduler.

    On a cluster the workers must see the input paths and the output folder at the
    same paths as the driver (a shared file system), and have nianbao installed.
    """

    name = "dask"

    def __init__(self, address: str, jobs: int, warm: Callable[[], None] | None = None):
        import dask
        from distributed import Client, LocalCluster

        self._cluster: Any = None
        if address == "local":
            with dask.config.set(LOCAL_WORKER_CONFIG):
                self._cluster = LocalCluster(
                    n_workers=jobs,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    memory_limit=0,
                )
            self._client = Client(self._cluster)
        else:
            self._client = Client(address)
        info = self._client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))
        if warm:
            self._client.run(warm)

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T], max_in_flight: int) -> Iterator[R]:
        from distributed import as_completed

        it = iter(tasks)
        first = [
            self._client.submit(fn, t, pure=False) for _, t in zip(range(max_in_flight), it, strict=False)
        ]
        if not first:
            return
        queue = as_completed(first)
        for fut in queue:
            result = fut.result()
            fut.release()
            nxt = next(it, None)
            if nxt is not None:
                queue.add(self._client.submit(fn, nxt, pure=False))
            yield result

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(
    jobs: int, dask: str | None = None, warm: Callable[[], None] | None = None
) -> SerialExecutor | PoolExecutor | DaskExecutor:
    """The executor a run asked for: Dask if an address (or 'local') is given, else by jobs."""
    if dask:
        return DaskExecutor(dask, jobs, warm)
    if jobs <= 1:
        return SerialExecutor(warm=None)
    return PoolExecutor(jobs, warm)
