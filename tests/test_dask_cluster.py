"""A real Dask cluster: a scheduler and two workers as processes of their own on loopback.

``nianbao extract --dask tcp://127.0.0.1:PORT`` must give the datasets the process pool
gives, and survive a worker killed with SIGKILL while it holds batches: the scheduler
hands them to the other worker, which writes their parts again from the start, so no
document is lost or doubled.  The processes import the project from this tree
(``PYTHONPATH``), as the workers of a real cluster import the installed package.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from nianbao.corpus.run import run_extract
from nianbao.corpus.synth import generate

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
N_REPORTS = 40
START_TIMEOUT = 90.0  # seconds for the cluster to come up on a loaded machine
RUN_TIMEOUT = 180.0


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASK_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    env["DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED"] = "False"
    return env


def _dask(*args: str) -> list[str]:
    return [sys.executable, "-m", "dask", *args]


def _stop(proc: subprocess.Popen) -> None:
    """End a process this test started (and what it started: its own process group)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(10)


class Cluster:
    """``dask scheduler`` and ``dask worker`` processes, and a client of ours to watch them."""

    def __init__(self, where: Path):
        self.where = where
        self.procs: list[subprocess.Popen] = []
        self.client = None
        self.address = ""
        where.mkdir(parents=True, exist_ok=True)
        self.scheduler_file = where / "scheduler.json"

    def start(self, n_workers: int = 2) -> None:
        where = self.where
        self._start(
            _dask(
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--dashboard-address",
                "127.0.0.1:0",
                "--scheduler-file",
                str(self.scheduler_file),
            ),
            "scheduler",
        )
        self.address = self._wait_for_address()
        for k in range(n_workers):
            worker = _dask(
                "worker",
                self.address,
                "--nthreads",
                "1",
                "--no-nanny",  # the process we kill is the worker itself: nothing restarts it
                "--name",
                f"w{k}",
                "--host",
                "127.0.0.1",
                "--dashboard-address",
                "127.0.0.1:0",
                "--local-directory",
                str(where / f"w{k}"),
            )
            self._start(worker, f"w{k}")
        from distributed import Client

        self.client = Client(self.address, timeout=START_TIMEOUT)
        self.client.wait_for_workers(n_workers, timeout=START_TIMEOUT)

    def _start(self, cmd: list[str], name: str) -> subprocess.Popen:
        log = (self.where / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, env=_env(), cwd=self.where, start_new_session=True
        )
        log.close()
        self.procs.append(proc)
        return proc

    def _wait_for_address(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.procs[0].poll() is not None:
                raise RuntimeError("scheduler exited:\n" + self.log("scheduler"))
            try:
                return json.loads(self.scheduler_file.read_text())["address"]
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        raise RuntimeError("scheduler did not write its file:\n" + self.log("scheduler"))

    def log(self, name: str) -> str:
        try:
            return (self.where / f"{name}.log").read_text("utf-8", "replace")[-3000:]
        except OSError:
            return ""

    def pids(self) -> dict[str, int]:
        return self.client.run(os.getpid)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        for proc in reversed(self.procs):
            _stop(proc)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(tmp_path / "cluster")
    try:
        c.start()
        yield c
    finally:  # also when the start or the test failed
        c.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reports")
    generate(N_REPORTS, root / "in", seed=15, error_rate=0.2)
    return root / "in"


@pytest.fixture(scope="module")
def pool_out(reports: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pool") / "out"
    summary = run_extract([reports], out, jobs=2, batch_size=3)
    assert (summary.executor, summary.documents) == ("pool", N_REPORTS)
    return out


def rows(out: Path, name: str) -> list[tuple]:
    """A dataset's rows, sorted: equal lists mean the same rows, each as often."""
    glob = f"{out}/{name}.parquet/**/*.parquet"
    return duckdb.sql(
        f"select * from read_parquet('{glob}', hive_partitioning = true) order by all"
    ).fetchall()


def _diff(a: Path, b: Path, name: str) -> str:
    """The first rows that differ, column by column."""
    ra, rb = rows(a, name), rows(b, name)
    cols = [
        d[0]
        for d in duckdb.sql(
            f"select * from read_parquet('{a}/{name}.parquet/**/*.parquet', hive_partitioning = true) limit 0"
        ).description
    ]
    for x, y in zip(ra, rb, strict=False):
        if x != y:
            return f"{name}: " + "; ".join(
                f"{c}: {u!r} != {v!r}" for c, u, v in zip(cols, x, y, strict=True) if u != v
            )
    return f"{name}: {len(ra)} rows != {len(rb)}"


DATASETS = ("documents", "cells", "sections", "findings", "tokens", "facts", "tags")


def extract_on(scheduler: str, cluster: Cluster, src: Path, out: Path, batch_size: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "nianbao.corpus.cli", "extract", str(src), "--out", str(out)]
    cmd += ["--dask", scheduler, "--batch-size", str(batch_size)]
    log = (cluster.where / "extract.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=_env(), cwd=cluster.where)
    log.close()
    return proc


def finish(cluster: Cluster, proc: subprocess.Popen) -> None:
    try:
        proc.wait(RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail("the extraction did not finish:\n" + cluster.log("extract"))
    assert proc.returncode == 0, cluster.log("extract")


def test_a_cluster_of_separate_processes_gives_the_datasets_of_the_pool(
    cluster: Cluster, reports: Path, pool_out: Path, tmp_path: Path
):
    out = tmp_path / "dask"
    finish(cluster, extract_on(cluster.address, cluster, reports, out, batch_size=3))
    for name in DATASETS:
        assert rows(out, name) == rows(pool_out, name), _diff(out, pool_out, name)
    assert len(rows(out, "documents")) == N_REPORTS
    # both workers took batches: the work really went through the cluster
    counts = cluster.client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert len(counts) == 2 and all(n > 0 for n in counts.values()), counts
    assert "40 documents" in " ".join(cluster.log("extract").split())


def _live_parts(out: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{out / 'manifest.sqlite'}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("select count(*) from parts").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def test_a_worker_killed_mid_run_loses_and_doubles_nothing(
    cluster: Cluster, reports: Path, pool_out: Path, tmp_path: Path
):
    out = tmp_path / "dask"
    pids = cluster.pids()
    victim, survivor = sorted(pids)
    # the scheduler named by its file this time; 40 batches
    proc = extract_on(str(cluster.scheduler_file), cluster, reports, out, batch_size=1)
    deadline = time.monotonic() + RUN_TIMEOUT
    held: list[str] = []
    seen = []
    while proc.poll() is None and time.monotonic() < deadline:
        n = _live_parts(out)
        held = list(cluster.client.processing([victim]).get(victim, ()))
        seen.append((n, len(held)))
        if n >= 4 and held:
            break
        time.sleep(0.02)
    assert held and proc.poll() is None, (
        f"the run ended before a worker could be killed mid-batch (parts, held: {seen[-5:]}):\n{cluster.log('extract')}"
    )
    os.kill(pids[victim], signal.SIGKILL)
    killed_at = time.time()
    parts_at_kill = _live_parts(out)
    finish(cluster, proc)
    assert parts_at_kill < N_REPORTS

    # the batches the dead worker held were done again, on the other worker
    assert list(cluster.client.scheduler_info()["workers"]) == [survivor]
    for key in held:
        story = cluster.client.story(key)
        assert any(t[2] == "memory" and t[-1] > killed_at for t in story), story
    # nothing lost, nothing doubled: the pool's rows, each once
    documents = rows(out, "documents")
    assert len(documents) == N_REPORTS
    for name in DATASETS:
        assert rows(out, name) == rows(pool_out, name), _diff(out, pool_out, name)


def test_the_scheduler_is_named_by_address_or_by_its_file(tmp_path: Path):
    from nianbao.corpus.executors import WorkersUnusable, scheduler_of

    assert scheduler_of("tcp://10.0.0.5:8786") == {"address": "tcp://10.0.0.5:8786"}
    assert scheduler_of("10.0.0.5:8786") == {"address": "10.0.0.5:8786"}
    f = tmp_path / "scheduler.json"
    f.write_text("{}")
    assert scheduler_of(str(f)) == {"scheduler_file": str(f)}
    with pytest.raises(WorkersUnusable, match="no scheduler file"):
        scheduler_of(str(tmp_path / "missing.json"))


def test_a_scheduler_that_is_not_there_is_named():
    from nianbao.corpus.executors import DaskExecutor, WorkersUnusable

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(WorkersUnusable, match=f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}"):
        DaskExecutor(f"tcp://127.0.0.1:{port}", 1, wait_for_workers=1)


def test_a_scheduler_without_workers_is_refused_with_how_to_start_one():
    from distributed import LocalCluster

    from nianbao.corpus.executors import DaskExecutor, WorkersUnusable

    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as lc:
        with pytest.raises(WorkersUnusable, match=r"no Dask worker joined .*start some with: dask worker "):
            DaskExecutor(lc.scheduler_address, 1, wait_for_workers=0.5)


def test_workers_of_another_extractor_version_are_refused(monkeypatch: pytest.MonkeyPatch):
    """A worker's rows carry its own version: one that differs from the driver's would put
    rows in the dataset that the manifest says were made by another code."""
    from distributed import LocalCluster

    import nianbao.normalize.version
    from nianbao.corpus.executors import DaskExecutor, WorkersUnusable

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as lc:
        monkeypatch.setattr(
            nianbao.normalize.version, "EXTRACTOR_VERSION", "0.0.0+driver"
        )  # the worker keeps its own
        with pytest.raises(WorkersUnusable, match=r"runs extractor version .* this driver 0\.0\.0\+driver"):
            DaskExecutor(lc.scheduler_address, 1)


def _mark_warm() -> None:
    os.environ["NIANBAO_TEST_WARMED"] = "1"


def test_workers_that_join_later_are_warmed_too():
    """``warm`` goes to every worker as a plugin: one that joins after the start (or that its
    nanny restarts) gets it as well, not only those ``Client.run`` would have reached."""
    from distributed import LocalCluster

    from nianbao.corpus.executors import DaskExecutor

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as lc:
        executor = DaskExecutor(lc.scheduler_address, 1, warm=_mark_warm)
        try:
            lc.scale(2)
            executor._client.wait_for_workers(2, timeout=START_TIMEOUT)
            seen = executor._client.run(lambda: os.environ.get("NIANBAO_TEST_WARMED"))
        finally:
            executor.close()
    assert list(seen.values()) == ["1", "1"]
