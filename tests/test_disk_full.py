"""A disk that fills while a run writes: one line and a non-zero exit, never a traceback; the
dataset as the last committed batch left it (every document the manifest marks done is in
it, the earlier run's rows unchanged), and a rerun once there is room finishes the work.

Two ways to run out of room without filling the machine's disk: a 200 KB tmpfs mounted in
a mount namespace of the test's own (needs root; skipped elsewhere), where writes fail
with ENOSPC; and a limit on the size of any file the run writes (``RLIMIT_FSIZE``, for
any user), where writes past it fail with EFBIG."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.test_hostile_inputs import GOOD

ROOT = Path(__file__).resolve().parents[1]


def _reports(root: Path, first: int, n: int) -> None:
    """``n`` reports, each with its own bytes (numbered from ``first``)."""
    root.mkdir(parents=True, exist_ok=True)
    for k in range(first, first + n):
        (root / f"r{k:03d}.txt").write_bytes(GOOD.read_bytes() + f"\n联系电话：{k}\n".encode())


def _extract(out: Path, *paths: Path, limit: int | None = None) -> subprocess.CompletedProcess:
    def cap() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    args = [sys.executable, "-m", "nianbao.corpus.cli", "extract", *map(str, paths), "--out", str(out)]
    return subprocess.run(
        [*args, "--jobs", "1", "--no-narrative"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        preexec_fn=cap,
    )


def state(out: Path) -> dict:
    """What a reader of ``out`` finds: the documents with their cell counts, the cells, and
    whether the manifest marks done a document the dataset lacks."""
    docs = pq.read_table(out / "documents.parquet", columns=["doc_id", "n_cells"]).to_pylist()
    cells = pq.read_table(out / "cells.parquet", columns=["doc_id"]).num_rows
    con = sqlite3.connect(f"file:{out / 'manifest.sqlite'}?mode=ro", uri=True)
    done = {d for (d,) in con.execute("SELECT doc_id FROM files")}
    con.close()
    return {
        "documents": sorted((d["doc_id"], d["n_cells"]) for d in docs),
        "cells": cells,
        "done_not_in_dataset": sorted(done - {d["doc_id"] for d in docs}),
    }


def _one_line_error(done: subprocess.CompletedProcess, reason: str) -> None:
    assert done.returncode == 1, done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert re.match(f"nianbao extract: {reason}: ", lines[0]), lines[0]


def _check_kept(before: dict, after: dict) -> None:
    assert after["done_not_in_dataset"] == []
    rows = {tuple(d) for d in after["documents"]}
    assert {tuple(d) for d in before["documents"]} <= rows  # the earlier rows, unchanged
    assert after["cells"] == sum(n for _, n in after["documents"])


def test_a_file_size_limit_mid_run_is_one_line_and_the_dataset_stands(tmp_path: Path):
    first, more, out = tmp_path / "first", tmp_path / "more", tmp_path / "out"
    _reports(first, 0, 4)
    _reports(more, 4, 24)
    assert _extract(out, first).returncode == 0
    before = state(out)
    # The manifest may not grow past its size after the first run: the first commit fails.
    # SQLite names no errno ("disk I/O error"); a part file past the limit would be EFBIG.
    failed = _extract(out, first, more, limit=(out / "manifest.sqlite").stat().st_size)
    _one_line_error(
        failed, r"(cannot write the output \(disk I/O error, SQLITE_IOERR_WRITE\)|File too large)"
    )
    _check_kept(before, state(out))


SCENARIO = """
import json, shutil, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from tests.test_disk_full import _extract, state
import subprocess

first, more, mnt = Path({first!r}), Path({more!r}), Path({mnt!r})
out = mnt / "out"
seen = {{"first": _extract(out, first).returncode, "before": state(out)}}
failed = _extract(out, first, more)
seen.update(rc=failed.returncode, stderr=failed.stderr, after=state(out))
seen["free_after"] = shutil.disk_usage(mnt).free
subprocess.run(["mount", "-o", "remount,size=64m", str(mnt)], check=True)
again = _extract(out, first, more)
seen.update(again=again.returncode, again_stderr=again.stderr[-2000:], final=state(out))
print(json.dumps(seen))
"""


def _can_mount_tmpfs(where: Path) -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {where}"],
        capture_output=True,
        timeout=30,
    )
    return probe.returncode == 0


def test_a_full_disk_mid_run_is_one_line_and_the_dataset_stands(tmp_path: Path):
    # Before: exit 1 with SQLite's "database or disk is full" (or ENOSPC) traceback.
    # Three runs of the command (about 10 s on an idle machine).
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if not _can_mount_tmpfs(mnt):
        pytest.skip("no tmpfs in a mount namespace here (needs root and unshare)")
    first, more = tmp_path / "first", tmp_path / "more"
    _reports(first, 0, 4)  # about 136 KB of datasets and manifest
    _reports(more, 4, 24)  # about 120 KB more: past the 200 KB disk
    script = SCENARIO.format(root=str(ROOT), first=str(first), more=str(more), mnt=str(mnt))
    done = subprocess.run(
        [
            "unshare",
            "-m",
            "sh",
            "-c",
            f'mount -t tmpfs -o size=200k tmpfs {mnt} && exec "$0" -c "$1"',
            sys.executable,
            script,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["first"] == 0
    _one_line_error(
        subprocess.CompletedProcess([], seen["rc"], "", seen["stderr"]), r"No space left on device( \(.*\))?"
    )
    _check_kept(seen["before"], seen["after"])
    assert seen["again"] == 0, seen["again_stderr"]
    assert len(seen["final"]["documents"]) == 28 and seen["final"]["done_not_in_dataset"] == []
