"""A document that crashes, hangs or blows up its reader costs one ``failed`` row, whatever
runs the documents: one worker process (``--jobs 1``), the pool, or a Dask cluster.

A crash in a C library and a hang where no signal reaches Python are stood in for by
signals sent to the worker while it is on the poison document (SIGSEGV, SIGKILL as the
OOM killer sends it, SIGSTOP); the worker's pid and the input it is on are read from the
note it keeps beside its staged part.  The memory blow-up is real: a PDF whose page
content inflates to 240 MB, read under a 1 GB address-space cap."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nianbao.corpus.executors import cap_address_space
from nianbao.corpus.run import run_extract
from nianbao.extract.limits import MB, Limits
from tests import hostile as H
from tests.test_hostile_inputs import GOOD, _good_ok, _reasons, _with_good


def _poison(root: Path) -> None:
    """A report of ~1 MB on one line: about a second and a half of work, long enough to be
    caught at."""
    line = GOOD.read_text("utf-8").replace("\n", "　")
    (root / "poison.txt").write_text(line * (1_000_000 // len(line.encode()) + 1), "utf-8")


def _on_poison(out: Path, after: float) -> int | None:
    """The pid of a worker that started on poison.txt after ``after`` (time.time())."""
    for note in (out / ".staging").glob("*.doing"):
        try:
            if note.stat().st_mtime <= after:
                continue
            pid, _, source = note.read_text("utf-8").partition("\n")
        except OSError:
            continue
        if source.endswith("poison.txt") and pid:
            return int(pid)
    return None


def _hit(proc: subprocess.Popen, out: Path, sig: int, times: int, deadline: float = 120) -> int:
    """Send ``sig`` to the worker on poison.txt each time one starts on it, ``times`` times;
    returns how many were sent."""
    sent, last = 0, 0.0
    end = time.monotonic() + deadline
    while sent < times and proc.poll() is None and time.monotonic() < end:
        pid = _on_poison(out, last)
        if pid is not None:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                continue
            sent, last = sent + 1, time.time()
        time.sleep(0.01)
    return sent


def _extract(root: Path, out: Path, *args: str) -> subprocess.Popen:
    argv = [
        sys.executable,
        "-m",
        "nianbao.corpus.cli",
        "extract",
        str(root),
        "--out",
        str(out),
        "--no-narrative",
    ]
    return subprocess.Popen([*argv, *args], stderr=subprocess.PIPE, text=True)


# ---------------------------------------------------------------- --jobs 1


def test_jobs_1_a_document_that_crashes_its_reader_is_failed_and_the_run_goes_on(tmp_path: Path):
    # Before, with --jobs 1 the documents were read in the run's own process: a segfault
    # in a reader was the end of the run.
    root, out = tmp_path / "in", tmp_path / "out"
    _with_good(root, 4)
    _poison(root)
    proc = _extract(root, out, "--jobs", "1", "--batch-size", "2")
    sent = _hit(proc, out, signal.SIGSEGV, 2)  # once in its batch, once alone
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert sent == 2
    assert _reasons(out)["poison.txt"] == f"worker died: SIGSEGV while reading {root / 'poison.txt'}"
    _good_ok(out, 4)


def test_jobs_1_a_document_that_hangs_its_worker_is_stopped(tmp_path: Path):
    # A stopped process stands for a C library in a loop: no signal handler runs, so the
    # time budget (SIGALRM) cannot end it; the driver's watchdog kills the worker after
    # 2 x 1 s + 5 s, and since it knows which input the worker was on, once is enough.
    root, out = tmp_path / "in", tmp_path / "out"
    _with_good(root, 3)
    _poison(root)
    started = time.monotonic()
    proc = _extract(root, out, "--jobs", "1", "--timeout-per-doc", "1")
    assert _hit(proc, out, signal.SIGSTOP, 1) == 1
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert time.monotonic() - started < 60
    assert _reasons(out)["poison.txt"] == (
        "worker stopped: no result 7 s into the document, past the limit of 1 s per document "
        f"(--timeout-per-doc) while reading {root / 'poison.txt'}"
    )
    _good_ok(out, 3)


def test_pool_a_document_that_hangs_its_worker_is_stopped_while_the_other_works(tmp_path: Path):
    # The other worker keeps finishing batches (reports after poison.txt in the listing
    # order): the watchdog looks all the same.
    root, out = tmp_path / "in", tmp_path / "out"
    _with_good(root, 6)
    _poison(root)
    for k in range(6):
        (root / f"good{k}.txt").rename(root / f"{'a' if k < 2 else 'z'}_good{k}.txt")
    proc = _extract(root, out, "--jobs", "2", "--batch-size", "1", "--timeout-per-doc", "1")
    assert _hit(proc, out, signal.SIGSTOP, 1) == 1
    assert proc.wait(timeout=120) == 0, proc.stderr.read()
    assert _reasons(out)["poison.txt"].startswith("worker stopped: no result 7 s into the document")
    _good_ok(out, 6)


def test_jobs_1_a_document_past_the_worker_memory_cap_is_failed(tmp_path: Path):
    # 240 MB of page content passes the stream limit (256 MB), but PDFium's buffers for it
    # do not fit in 1 GB of address space beside the readers: PDFium aborts, twice, and
    # the PDF is recorded failed.  Without the cap the same file is read (630 MB resident).
    root, out = tmp_path / "in", tmp_path / "out"
    _with_good(root, 2)
    (root / "big_page.pdf").write_bytes(H.pdf_bomb(240 * MB))
    summary = run_extract([root], out, jobs=1, narrative=False, limits=Limits(max_memory=1024 * MB))
    assert summary.executor == "serial"
    assert _reasons(out)["big_page.pdf"] == f"worker died: SIGABRT while reading {root / 'big_page.pdf'}"
    _good_ok(out, 2)


def test_the_address_space_cap_keeps_a_lower_one_already_in_force():
    code = (
        "import resource\n"
        "from nianbao.corpus.executors import cap_address_space\n"
        "resource.setrlimit(resource.RLIMIT_AS, (3 << 30, resource.RLIM_INFINITY))\n"
        "cap_address_space(4 << 30); a = resource.getrlimit(resource.RLIMIT_AS)[0]\n"
        "cap_address_space(1 << 30); b = resource.getrlimit(resource.RLIMIT_AS)[0]\n"
        "try:\n    bytearray(1 << 30)\nexcept MemoryError:\n    print(a >> 30, b >> 30, 'MemoryError')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["3", "1", "MemoryError"], done.stderr
    assert callable(cap_address_space)


# ---------------------------------------------------------------- Dask


def test_dask_a_document_that_kills_two_workers_is_isolated_and_the_rest_is_done(tmp_path: Path):
    # A local cluster retries a task whose worker died once (allowed-failures 1); the
    # second death comes back as KilledWorker, and the batch is run again without the
    # document its worker was on.  The other tasks the dead workers held are run again
    # as they were.  About 20 s: a cluster of two workers, each started three times.
    pytest.importorskip("distributed")
    root, out = tmp_path / "in", tmp_path / "out"
    _with_good(root, 5)
    _poison(root)
    proc = _extract(root, out, "--dask", "local", "--jobs", "2", "--batch-size", "2")
    sent = _hit(proc, out, signal.SIGKILL, 2, deadline=180)
    assert proc.wait(timeout=180) == 0, proc.stderr.read()
    assert sent == 2
    assert _reasons(out)["poison.txt"] == (
        f"worker died (killed Dask workers repeatedly) while reading {root / 'poison.txt'}"
    )
    _good_ok(out, 5)


def test_dask_a_document_past_the_worker_memory_cap_is_isolated(tmp_path: Path):
    # A local cluster's nanny kills a worker past 95 % of the cap (resident memory); the
    # task is retried once, then the PDF is recorded failed.  The same PDF is read within
    # 630 MB resident without a cap.  About 15 s: the worker is started three times.
    pytest.importorskip("distributed")
    root, out = tmp_path / "in", tmp_path / "out"
    _with_good(root, 2)
    (root / "big_page.pdf").write_bytes(H.pdf_bomb(240 * MB))
    summary = run_extract(
        [root], out, jobs=1, dask="local", narrative=False, limits=Limits(max_memory=500 * MB)
    )
    assert summary.executor == "dask"
    assert _reasons(out)["big_page.pdf"] == (
        f"worker died (killed Dask workers repeatedly) while reading {root / 'big_page.pdf'}"
    )
    _good_ok(out, 2)


def test_a_killed_run_leaves_no_worker_behind(tmp_path: Path):
    # The worker's parent is the forkserver and it holds both ends of its task queue: a
    # run killed with SIGKILL used to leave the worker and the forkserver alive forever.
    import psutil

    from tests.test_corpus_run import make_corpus

    make_corpus(tmp_path / "in", 40)
    cmd = [
        sys.executable,
        "-m",
        "nianbao.corpus.cli",
        "extract",
        str(tmp_path / "in"),
        "--out",
        str(tmp_path / "out"),
    ]
    driver = subprocess.Popen(
        [*cmd, "--jobs", "1", "--batch-size", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        below: list[psutil.Process] = []
        while time.monotonic() < deadline and len(below) < 2:  # the forkserver and its worker
            time.sleep(0.2)
            below = psutil.Process(driver.pid).children(recursive=True)
        assert len(below) >= 2, "the run started no worker"
        driver.send_signal(signal.SIGKILL)
        driver.wait()
        _gone, alive = psutil.wait_procs(below, timeout=15)
        assert not alive, [p.cmdline()[:3] for p in alive]
    finally:
        if driver.poll() is None:
            driver.kill()
