"""Where batches run: in-process, a local process pool, or Dask distributed.

Each executor maps a picklable function over tasks and yields results as they
finish, with at most ``max_in_flight`` tasks submitted at once so that neither the
driver nor the scheduler holds the whole corpus.  Tasks carry paths, results carry
file names and counts: the rows themselves never travel, workers write them.

Workers are long-lived: the readers (PDF stack) and the jieba tokenizer are loaded
once per worker process by ``warm`` and then reused for every document.

A worker that dies (an abort or a segfault in a C library, the kernel's OOM killer)
takes its task with it, and in a process pool every task in flight: the pool is
broken.  The pool executor then starts a new pool and runs each lost task again on
its own; a task that kills its worker a second time, alone, is handed to ``on_death``
with the reason ("worker died: SIGABRT"), which returns the task without the input
that killed it (recorded failed) to run again.  Dask retries a task whose worker died
once (``allowed-failures``) and then reports it; the same ``on_death`` follows.  So a
poison document costs two workers and one failed row, and the rest of its batch and
of the run is done.

A worker that hangs (a C library in a loop, a process stopped) is found by the pool
executor's watchdog: ``overdue(task)`` names the worker of a task that is past its time
and why, the executor kills that worker, and since the input it was on is known, the task
goes to ``on_death`` at once.  Pool workers also run under an address-space limit
(``max_memory``, ``RLIMIT_AS``): an allocation past it fails in the worker (a
``MemoryError`` the per-document guard turns into a failed row, or an abort in C++ code,
which is a death as above) instead of taking the machine's memory.  A run of one job is a
pool of one worker process, so ``--jobs 1`` is contained the same way; only
``SerialExecutor`` (``in_process``) runs documents in the driver.  On a LocalCluster the
same cap is each worker's Dask ``memory_limit``: its nanny kills a worker that goes past
it and the task is retried, then reported as above; a remote cluster keeps the
``--memory-limit`` its workers were started with, and Dask runs no watchdog.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import select
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, Protocol, TypeVar

# Documents per task: small enough to balance load and lose little to a kill, large
# enough that per-task costs (a part file per dataset and year) stay small.
DEFAULT_BATCH = 100

# Settings of the workers of a LocalCluster (a remote cluster keeps its own).  Dask's
# profiler samples the task thread's stack every 10 ms and keeps an hour of those
# samples: a worker's memory grew by about 17 MB over 1,000 reports, and its CPU time by
# a few per cent, for a dashboard nobody looks at here.
#
# A worker's memory is bounded by its nanny (``memory_limit``, RSS): past 95 % it is
# killed.  The other thresholds are off: a worker holds no task results to spill, and a
# paused worker whose freed memory is not handed back would never run again.
LOCAL_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.worker.memory.target": False,
    "distributed.worker.memory.spill": False,
    "distributed.worker.memory.pause": False,
    "distributed.worker.memory.terminate": 0.95,
}
# A task whose worker dies is retried once on another worker, then reported to us.
LOCAL_SCHEDULER_CONFIG = {"distributed.scheduler.allowed-failures": 1}
# Times a task reported so, that names no input its worker died on, is submitted again.
RESUBMITS = 3

T = TypeVar("T")
R = TypeVar("R")

OnDeath = Callable[[Any, str], Any]  # (task, reason) -> the task without its culprit, or None
Overdue = Callable[[Any], tuple[int, str] | None]  # task -> (pid of its worker, why stop it), or None

# How often the pool executor's watchdog looks at the tasks in flight (seconds).
WATCH_EVERY = 0.5


class WorkerDied(RuntimeError):
    """A worker died and the task that killed it could not be reduced (no ``on_death``)."""


def death_reason(exitcodes: Iterable[int | None]) -> str:
    """ "worker died: SIGABRT" from the exit codes of a broken pool's processes (the
    others were stopped with SIGTERM by the pool)."""
    codes = [c for c in exitcodes if c not in (None, 0, -signal.SIGTERM)]
    if not codes:
        return "worker died"
    code = codes[0]
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"worker died: {name}" + (" (out of memory?)" if code == -signal.SIGKILL else "")
    return f"worker died: exit status {code}"


class Executor(Protocol):
    """A way to run tasks; ``workers`` is how many run at once."""

    workers: int
    name: str

    def imap_unordered(
        self,
        fn: Callable[[T], R],
        tasks: Iterable[T],
        max_in_flight: int,
        on_death: OnDeath | None = None,
        overdue: Overdue | None = None,
    ) -> Iterator[R]: ...

    def close(self) -> None: ...


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def cap_address_space(limit: int) -> None:
    """Limit this process's address space to ``limit`` bytes (``RLIMIT_AS``; a lower limit
    already in force stays).  Past it, an allocation fails: ``MemoryError`` in Python,
    ``std::bad_alloc`` (an abort, unless caught) in C++."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft == resource.RLIM_INFINITY or limit < soft:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def exit_with(driver: int) -> None:
    """End this process when the process ``driver`` ends.

    A pool worker's parent is the forkserver, not the run, and it holds both ends of its
    task queue (and the forkserver's alive pipe), so a run killed with SIGKILL left its
    worker waiting for tasks forever, and the forkserver with it (~100 MB each, one pair
    per killed run).  A daemon thread waits on the driver's pidfd (its exit, not its pid
    number, which may be reused) and exits the process when it ends."""
    try:
        fd = os.pidfd_open(driver)
    except (AttributeError, OSError):  # not Linux >= 5.3, or the driver is gone already
        if not _alive(driver):
            os._exit(1)
        return

    def on_exit() -> None:
        select.select([fd], [], [])
        os._exit(1)

    threading.Thread(target=on_exit, name="exit-with-driver", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start_worker(max_memory: int, warm: Callable[[], None] | None, driver: int = 0) -> None:
    """What a pool worker does first: end with the run (``driver``), its memory cap, then ``warm``."""
    if driver:
        exit_with(driver)
    if max_memory:
        cap_address_space(max_memory)
    if warm:
        warm()


class SerialExecutor:
    """Everything in this process, one task after another: no containment (a document that
    kills its process ends the run), for a debugger, a profiler, or a test that patches
    the readers."""

    name = "in-process"

    def __init__(self, warm: Callable[[], None] | None = None):
        self.workers = 1
        if warm:
            warm()

    def imap_unordered(
        self,
        fn: Callable[[T], R],
        tasks: Iterable[T],
        max_in_flight: int,
        on_death: OnDeath | None = None,
        overdue: Overdue | None = None,
    ) -> Iterator[R]:
        for task in tasks:  # a worker that dies here is the run: nothing to contain
            yield fn(task)

    def close(self) -> None:
        pass


class PoolExecutor:
    """A local pool of worker processes (forkserver: no threads of the driver are forked),
    each under ``max_memory`` bytes of address space (0: no cap).  One job is a pool of one
    worker, named "serial"."""

    def __init__(
        self,
        jobs: int,
        warm: Callable[[], None] | None = None,
        max_memory: int = 0,
        preload: Sequence[str] = ("nianbao.corpus.run",),
    ):
        self.workers = jobs
        self.name = "serial" if jobs == 1 else "pool"
        self._preload = list(preload)  # imported once, by the forkserver every worker is forked from
        self._init = partial(start_worker, max_memory, warm, os.getpid())
        self._stopped: dict[int, str] = {}  # id(task) -> why the watchdog killed its worker
        self._watched = 0.0  # when the watchdog last looked (time.monotonic())
        self._start()

    def _start(self) -> None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(self._preload)
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=self._init)
        self._procs: dict[int, Any] = {}

    def _submit(self, fn: Callable[[T], R], task: T) -> Future:
        fut = self._pool.submit(fn, task)
        self._procs.update(self._pool._processes or {})  # to read their exit codes if one dies
        return fut

    def _restart(self) -> str:
        """Replace a broken pool; returns why it broke."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        reason = death_reason(p.exitcode for p in self._procs.values())
        self._start()
        return reason

    def _watch(self, pending: Iterable[T], overdue: Overdue) -> None:
        """Kill the worker of each task ``overdue`` names (a worker of this pool, alive)."""
        for task in pending:
            found = overdue(task)
            if found is None or id(task) in self._stopped:
                continue
            pid, reason = found
            proc = self._procs.get(pid)
            if proc is None or proc.exitcode is not None:  # a dead worker's note, left behind
                continue
            self._stopped[id(task)] = reason
            os.kill(pid, signal.SIGKILL)

    def _wait(self, pending: dict[Future, T], overdue: Overdue | None) -> set[Future]:
        """The futures done, once one is; every ``WATCH_EVERY`` seconds meanwhile (and however
        often others finish) the tasks in flight are looked at for a worker to stop."""
        while True:
            done, _ = wait(pending, timeout=WATCH_EVERY if overdue else None, return_when=FIRST_COMPLETED)
            if overdue and time.monotonic() - self._watched >= WATCH_EVERY:
                self._watched = time.monotonic()
                self._watch([t for f, t in pending.items() if f not in done], overdue)
            if done:
                return done

    def imap_unordered(
        self,
        fn: Callable[[T], R],
        tasks: Iterable[T],
        max_in_flight: int,
        on_death: OnDeath | None = None,
        overdue: Overdue | None = None,
    ) -> Iterator[R]:
        pending: dict[Future, T] = {}
        it = iter(tasks)
        exhausted = False
        while True:
            while not exhausted and len(pending) < max_in_flight:
                try:
                    task = next(it)
                except StopIteration:
                    exhausted = True
                else:
                    pending[self._submit(fn, task)] = task
            if not pending:
                return
            done = self._wait(pending, overdue)
            lost: list[T] = []
            for fut in done:
                task = pending.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    lost.append(task)
                else:
                    yield result
            if lost:  # the pool is gone, and with it every task in flight
                lost.extend(pending.values())
                pending.clear()
                self._restart()
                for task in lost:
                    stopped = self._stopped.pop(id(task), None)
                    if stopped is not None:  # it hung: the input it was on is known
                        task = self._reduce(task, stopped, on_death)
                    yield self._alone(fn, task, on_death, overdue)
                self._stopped.clear()

    def _alone(self, fn: Callable[[T], R], task: T, on_death: OnDeath | None, overdue: Overdue | None) -> R:
        """Run a task that was in flight when a worker died, with nothing beside it; while it
        kills its worker, ``on_death`` takes out the input that did."""
        while True:
            fut = self._submit(fn, task)
            try:
                self._wait({fut: task}, overdue)
                return fut.result()
            except BrokenProcessPool:
                reason = self._restart()
                task = self._reduce(task, self._stopped.pop(id(task), reason), on_death)

    @staticmethod
    def _reduce(task: T, reason: str, on_death: OnDeath | None) -> T:
        reduced = on_death(task, reason) if on_death else None
        if reduced is None:
            raise WorkerDied(reason)
        return reduced

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class WorkersUnusable(RuntimeError):
    """The Dask workers cannot run this project's tasks (not installed, another version, none)."""


def _code_version() -> str:
    """The extractor version this process would stamp on its rows (on a worker: the worker's)."""
    from nianbao.normalize.version import EXTRACTOR_VERSION

    return EXTRACTOR_VERSION


def scheduler_of(address: str) -> dict[str, str]:
    """How to reach the scheduler named by ``--dask``: an address (``tcp://host:8786``,
    ``host:8786``, ``tls://...``) or the JSON file ``dask scheduler --scheduler-file`` writes
    (what batch systems and dask-mpi hand around on a shared file system)."""
    if address.endswith(".json") or (os.path.isfile(address) and "://" not in address):
        if not os.path.isfile(address):
            raise WorkersUnusable(f"no scheduler file {address}")
        return {"scheduler_file": address}
    return {"address": address}


class DaskExecutor:
    """Dask distributed: ``address='local'`` starts a LocalCluster, else connects to a scheduler.

    On a cluster the workers must see the input paths and the output folder at the
    same paths as the driver (a shared file system), and have the same nianbao installed:
    on connecting, each worker is asked for its extractor version, and a worker that
    cannot import nianbao or runs another version stops the run before anything is
    read (its rows would be stamped with a version the manifest does not record).
    Start workers with one thread each (``dask worker --nthreads 1 --nworkers N``): the
    work is Python holding the GIL, and the per-document time budget needs no threads.
    """

    name = "dask"

    def __init__(
        self,
        address: str,
        jobs: int,
        warm: Callable[[], None] | None = None,
        wait_for_workers: float = 60.0,
        max_memory: int = 0,
    ):
        import dask
        from distributed import Client, LocalCluster

        self._cluster: Any = None
        if address == "local":
            with dask.config.set({**LOCAL_WORKER_CONFIG, **LOCAL_SCHEDULER_CONFIG}):
                self._cluster = LocalCluster(
                    n_workers=jobs,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    memory_limit=max_memory,  # 0: none
                )
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(**scheduler_of(address), timeout=wait_for_workers)
            except OSError as exc:  # nothing listening there, or a wrong address
                raise WorkersUnusable(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        try:
            self._check_workers(wait_for_workers)
            if warm:
                from nianbao.corpus.dask_warm import Warm

                self._client.register_plugin(Warm(warm), name=Warm.name)
        except BaseException:
            self.close()
            raise
        info = self._client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def _check_workers(self, timeout: float) -> None:
        """At least one worker, each able to import this project at this driver's version."""
        try:
            self._client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise WorkersUnusable(
                f"no Dask worker joined the scheduler at {self._client.scheduler.address} "
                f"within {timeout:g} s (start some with: dask worker {self._client.scheduler.address} --nthreads 1)"
            ) from None
        try:
            versions = self._client.run(_code_version)
        except Exception as exc:  # raised on a worker: typically ModuleNotFoundError
            raise WorkersUnusable(
                f"a Dask worker cannot run nianbao ({type(exc).__name__}: {exc}); install the same "
                "nianbao on every worker (the same environment as this driver)"
            ) from None
        mine = _code_version()
        other = {w: v for w, v in versions.items() if v != mine}
        if other:
            worker, version = sorted(other.items())[0]
            raise WorkersUnusable(
                f"Dask worker {worker} runs extractor version {version}, this driver {mine}: "
                "install the same nianbao on every worker and restart them"
            )

    def imap_unordered(
        self,
        fn: Callable[[T], R],
        tasks: Iterable[T],
        max_in_flight: int,
        on_death: OnDeath | None = None,
        overdue: Overdue | None = None,
    ) -> Iterator[R]:
        """A worker lost mid-task (killed, its machine gone) costs nothing but time: the
        scheduler gives its tasks to the other workers, and the task's part is written
        again from the start.  A task whose workers died more than ``allowed-failures``
        times (1 on a LocalCluster, Dask's default 3 elsewhere) comes back as
        ``KilledWorker`` and goes to ``on_death``.  The scheduler counts a death against
        every task the worker held, those waiting behind the one it ran too: a task that
        names no input it died on (it had not started) is submitted again as it was, up to
        ``RESUBMITS`` times.  ``overdue`` is not watched: tasks run in the workers' threads,
        and a worker is not the driver's to kill."""
        from distributed import KilledWorker, as_completed

        it = iter(tasks)
        of: dict[str, T] = {}
        resubmitted: dict[int, int] = {}  # id(task) -> times submitted again unchanged

        def submit(task: T):
            fut = self._client.submit(fn, task, pure=False)
            of[fut.key] = task
            return fut

        first = [submit(t) for _, t in zip(range(max_in_flight), it, strict=False)]
        if not first:
            return
        queue = as_completed(first)
        for fut in queue:
            task = of.pop(fut.key)
            try:
                result = fut.result()
            except KilledWorker:  # it killed worker after worker: take out the input that did
                reduced = on_death(task, "worker died (killed Dask workers repeatedly)") if on_death else None
                fut.release()
                if reduced is None:  # no input named: it was waiting behind the one that did
                    again = resubmitted.get(id(task), 0)
                    if again >= RESUBMITS:
                        raise WorkerDied("a task killed Dask workers repeatedly") from None
                    resubmitted[id(task)] = again + 1
                    reduced = task
                queue.add(submit(reduced))
                continue
            fut.release()
            nxt = next(it, None)
            if nxt is not None:
                queue.add(submit(nxt))
            yield result

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(
    jobs: int,
    dask: str | None = None,
    warm: Callable[[], None] | None = None,
    *,
    max_memory: int = 0,
    in_process: bool = False,
    preload: Sequence[str] = ("nianbao.corpus.run",),
) -> SerialExecutor | PoolExecutor | DaskExecutor:
    """The executor a run asked for: Dask if an address (or 'local') is given, else a pool of
    ``jobs`` worker processes (one job: one worker process; ``in_process``: none), forked
    from a process that imported the modules ``preload`` names."""
    if dask:
        return DaskExecutor(dask, jobs, warm, max_memory=max_memory)
    if in_process:
        return SerialExecutor(warm=None)
    return PoolExecutor(max(1, jobs), warm, max_memory, preload)
