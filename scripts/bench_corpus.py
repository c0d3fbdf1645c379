"""Benchmark the corpus run: docs/s per executor, peak memory per worker, rerun time.

    python scripts/bench_corpus.py /tmp/synth10k --work /tmp/bench --runs serial,pool,dask

For each run (``serial`` = 1 worker in-process, ``pool`` = a process pool of
``--jobs`` workers, ``dask`` = a Dask LocalCluster of ``--jobs`` workers) the
corpus is extracted into a fresh folder and the wall time, docs/s, and the peak
resident memory of every process (driver and workers, sampled with psutil every
0.2 s, and each worker's own ``ru_maxrss``) are recorded.  After the first run a
rerun over the same folder with nothing changed is timed.  Results are printed
as a table and written to ``WORK/bench.json``.  Timings are wall-clock: on a
machine shared with other work, run when it is quiet and repeat; ``docs_per_cpu_s``
(documents per CPU-second of the workers) does not depend on other load.  Run
``--runs serial`` in its own process for a fair in-process memory figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import threading
import time
from pathlib import Path

import psutil

from nianbao.corpus.run import run_extract


class RssSampler(threading.Thread):
    """Peak RSS of this process and of every descendant, sampled until stopped."""

    def __init__(self, interval: float = 0.2):
        super().__init__(daemon=True)
        self.interval = interval
        self.peak: dict[int, tuple[str, int]] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        me = psutil.Process()
        while not self._stop_event.is_set():
            for proc in [me, *me.children(recursive=True)]:
                try:
                    rss = proc.memory_info().rss
                    name = " ".join(proc.cmdline()[-2:])[-60:]
                except psutil.Error:
                    continue
                if rss > self.peak.get(proc.pid, ("", 0))[1]:
                    self.peak[proc.pid] = (name, rss)
            self._stop_event.wait(self.interval)

    def stop(self) -> dict[int, tuple[str, int]]:
        self._stop_event.set()
        self.join()
        return self.peak


def one_run(corpus: Path, out: Path, kind: str, jobs: int, batch_size: int, narrative: bool) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    worker_rss: list[int] = []
    sampler = RssSampler()
    sampler.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    summary = run_extract(
        [corpus],
        out,
        jobs=1 if kind == "serial" else jobs,
        dask="local" if kind == "dask" else None,
        batch_size=batch_size,
        narrative=narrative,
        on_batch=lambda r: worker_rss.append(r.max_rss),
    )
    seconds = time.perf_counter() - started
    driver_cpu = time.process_time() - cpu_started
    peaks = sampler.stop()
    me = os.getpid()
    # In-process (serial) the driver is the worker; otherwise the worker processes are
    # this process's children (pool workers, Dask nannies and workers).
    others = [rss for pid, (_n, rss) in peaks.items() if pid != me] if kind != "serial" else []
    rerun_started = time.perf_counter()
    again = run_extract([corpus], out, jobs=jobs, narrative=narrative, batch_size=batch_size)
    rerun = time.perf_counter() - rerun_started
    assert again.documents == 0, "a rerun with nothing changed parsed files"
    return {
        "run": kind,
        "workers": summary.workers,
        "documents": summary.documents,
        "status": dict(summary.status),
        "formats": dict(summary.formats),
        "seconds": round(seconds, 1),
        "docs_per_s": round(summary.documents / seconds, 2),
        "docs_per_s_per_worker": round(summary.documents / seconds / summary.workers, 2),
        "worker_cpu_seconds": round(summary.worker_cpu_seconds, 1),
        "docs_per_cpu_s": round(summary.documents / summary.worker_cpu_seconds, 2),
        "driver_cpu_seconds": round(driver_cpu, 1),
        "load_avg_1m": os.getloadavg()[0],
        "driver_peak_mb": round(peaks.get(me, ("", 0))[1] / 2**20),
        "worker_peak_mb_sampled": round(max(others, default=peaks.get(me, ("", 0))[1]) / 2**20),
        "worker_peak_mb_maxrss": round(max(worker_rss, default=0) / 2**20),
        "rerun_seconds": round(rerun, 2),
        "rerun_share": round(rerun / seconds, 4),
        "output_mb": round(sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**20, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--work", type=Path, default=Path("/tmp/bench_corpus"))
    ap.add_argument("--runs", default="serial,pool,dask")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--no-narrative", action="store_true")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = []
    for kind in args.runs.split(","):
        r = one_run(args.corpus, args.work / kind, kind, args.jobs, args.batch_size, not args.no_narrative)
        results.append(r)
        print(json.dumps(r, ensure_ascii=False), flush=True)
        (args.work / "bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(
        f"\n{'run':8} {'workers':>7} {'docs':>6} {'s':>8} {'docs/s':>8} {'/worker':>8} {'peak MB':>8} {'rerun s':>8} "
        f"{'docs/cpu-s':>10}"
    )
    for r in results:
        print(
            f"{r['run']:8} {r['workers']:>7} {r['documents']:>6} {r['seconds']:>8} {r['docs_per_s']:>8} "
            f"{r['docs_per_s_per_worker']:>8} {r['worker_peak_mb_sampled']:>8} {r['rerun_seconds']:>8} {r['docs_per_cpu_s']:>10}"
        )


if __name__ == "__main__":
    main()
