"""The corpus run: incremental reruns, SIGKILL and resume, and the same rows on every executor."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from nianbao.corpus import run as run_mod
from nianbao.corpus.run import run_extract
from nianbao.corpus.store import ALL_SCHEMAS
from tests.conftest import REAL

SEEDS = [
    "2024_yiyuan_kejiju.txt",
    "2021_pingtan_gwh.txt",
    "2022_pingtan_gwh.txt",
    "2019_shanghai_szfbgt.html",
]


def _variant(seed: str, k: int) -> bytes:
    """The seed report with a trailing line that makes its bytes (and doc_id) its own."""
    data = (REAL / seed).read_bytes()
    tail = f"\n<!-- copy {k} -->\n" if seed.endswith(".html") else f"\n联系电话：0533-{k:07d}\n"
    return data + tail.encode()


def make_corpus(root: Path, n: int, start: int = 0) -> list[Path]:
    """``n`` distinct reports (copies of the real ones, bytes varied) in two folders."""
    paths = []
    for k in range(start, start + n):
        seed = SEEDS[k % len(SEEDS)]
        path = root / f"g{k % 2}" / f"r{k:04d}{Path(seed).suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_variant(seed, k))
        paths.append(path)
    return paths


def contents(out: Path) -> dict[str, list[tuple]]:
    """Every dataset's rows in a fixed order (the order of part files does not matter)."""
    result = {}
    for name in ALL_SCHEMAS:
        glob = f"{out}/{name}.parquet/**/*.parquet"
        result[name] = duckdb.sql(
            f"select * from read_parquet('{glob}', hive_partitioning = true) order by all"
        ).fetchall()
    return result


def assert_same(a: Path, b: Path) -> None:
    ca, cb = contents(a), contents(b)
    for name in ALL_SCHEMAS:
        assert ca[name] == cb[name], name


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    make_corpus(root, 8)
    return root


def test_datasets_follow_the_contract_and_are_partitioned(corpus: Path, tmp_path: Path):
    out = tmp_path / "out"
    summary = run_extract([corpus], out, jobs=1)
    assert summary.documents == 8 and summary.skipped == 0
    docs = pd.read_parquet(out / "documents.parquet")
    assert len(docs) == 8 and docs["doc_id"].is_unique
    assert str(docs["year"].dtype) in ("Int32", "int32", "float64")  # int32 with nulls
    assert set(docs["report_year"].astype(int)) == set(docs["year"].dropna().astype(int))
    for name in ALL_SCHEMAS:
        df = pd.read_parquet(out / f"{name}.parquet")
        n = duckdb.sql(f"select count(*) from read_parquet('{out}/{name}.parquet/**')").fetchall()[0][0]
        assert n == len(df), name
    assert len(pd.read_parquet(out / "tokens.parquet")) > 1000
    manifest = pd.read_parquet(out / "manifest.parquet")
    assert sorted(manifest["source"]) == sorted(docs["source"])
    assert (manifest["sha256"] == manifest["doc_id"]).all()
    assert not (out / ".staging").exists()


def test_rerun_with_nothing_changed_parses_nothing(corpus: Path, tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    run_extract([corpus], out, jobs=1)
    before = contents(out)

    def no_parsing(*_a, **_k):
        raise AssertionError("a rerun with nothing changed parsed a file")

    monkeypatch.setattr(run_mod, "process", no_parsing)  # reaches the reading: in this process
    summary = run_extract([corpus], out, jobs=1, in_process=True)
    assert (summary.documents, summary.skipped) == (0, 8)

    # A touched file (mtime moved, bytes the same) is hashed again, not parsed.
    victim = next(corpus.rglob("*.txt"))
    os.utime(victim, ns=(time.time_ns(), time.time_ns() + 10**9))
    summary = run_extract([corpus], out, jobs=1, in_process=True)
    assert (summary.documents, summary.unchanged, summary.skipped) == (0, 1, 7)
    assert contents(out) == before


def test_changed_new_and_removed_inputs(corpus: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_extract([corpus], out, jobs=1, batch_size=3)
    files = sorted(corpus.rglob("r*.*"))
    old = pd.read_parquet(out / "documents.parquet").set_index("source")
    files[0].write_bytes(files[0].read_bytes() + "\n附：本报告有修订。\n".encode())
    files[1].unlink()
    make_corpus(corpus, 2, start=100)

    summary = run_extract([corpus], out, jobs=1, batch_size=3)
    assert summary.documents == 3 and summary.skipped == 6
    docs = pd.read_parquet(out / "documents.parquet").set_index("source")
    assert len(docs) == 10 and str(files[1]) in docs.index  # a dataset keeps what it was given

    summary = run_extract([corpus], out, jobs=1, batch_size=3, prune=True)
    assert (summary.documents, summary.pruned_inputs, summary.pruned_documents) == (0, 1, 1)
    docs = pd.read_parquet(out / "documents.parquet").set_index("source")
    assert len(docs) == 9 and docs["doc_id"].is_unique
    assert str(files[1]) not in docs.index
    assert docs.loc[str(files[0]), "doc_id"] != old.loc[str(files[0]), "doc_id"]
    cells = pd.read_parquet(out / "cells.parquet")
    assert set(cells["doc_id"]) <= set(docs["doc_id"])  # no rows of superseded versions
    assert old.loc[str(files[0]), "doc_id"] not in set(pd.read_parquet(out / "tokens.parquet")["doc_id"])

    fresh = tmp_path / "fresh"
    run_extract([corpus], fresh, jobs=1)
    assert_same(out, fresh)


def test_force_redoes_everything_and_changes_nothing(corpus: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_extract([corpus], out, jobs=1, batch_size=3)
    before = contents(out)
    summary = run_extract([corpus], out, jobs=1, force=True, batch_size=5)
    assert summary.documents == 8 and summary.skipped == 0
    assert contents(out) == before
    parts = sqlite3.connect(out / "manifest.sqlite").execute("select count(*) from parts").fetchall()[0][0]
    assert parts == 1  # compacted


def test_narrative_can_be_left_out_and_is_part_of_the_skip_test(corpus: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_extract([corpus], out, jobs=1, narrative=False)
    assert len(pd.read_parquet(out / "tokens.parquet")) == 0  # the dataset exists, empty
    summary = run_extract([corpus], out, jobs=1, narrative=True)
    assert summary.documents == 8  # other options, other rows: redone
    assert len(pd.read_parquet(out / "tokens.parquet")) > 0


def test_the_same_rows_on_every_executor(corpus: Path, tmp_path: Path):
    serial, pool, dask = tmp_path / "serial", tmp_path / "pool", tmp_path / "dask"
    run_extract([corpus], serial, jobs=1, batch_size=3)
    s_pool = run_extract([corpus], pool, jobs=2, batch_size=2)
    s_dask = run_extract([corpus], dask, jobs=2, dask="local", batch_size=3)
    assert (s_pool.executor, s_pool.workers) == ("pool", 2)
    assert (s_dask.executor, s_dask.workers) == ("dask", 2)
    assert_same(serial, pool)
    assert_same(serial, dask)


def _parts(out: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{out / 'manifest.sqlite'}?mode=ro", uri=True, timeout=1)
        return con.execute("select count(*) from parts where state = 'live'").fetchall()[0][0]
    except sqlite3.Error:
        return 0


def test_sigkill_mid_run_then_resume_gives_the_uninterrupted_datasets(tmp_path: Path):
    corpus = tmp_path / "in"
    make_corpus(corpus, 6)
    out = tmp_path / "out"
    run_extract([corpus], out, jobs=1)  # a previous dataset
    make_corpus(corpus, 34, start=6)  # then more reports arrive
    changed = sorted(corpus.rglob("r0001.*"))[0]
    changed.write_bytes(changed.read_bytes() + "\n附：本报告有修订。\n".encode())

    cmd = [sys.executable, "-m", "nianbao.corpus.cli", "extract", str(corpus), "--out", str(out)]
    cmd += ["--jobs", "1", "--batch-size", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _parts(out) < 12 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    n_docs = len(pd.read_parquet(out / "documents.parquet"))  # the dataset stays readable
    assert 6 <= n_docs < 40, "the run was not killed mid-way"
    for name in ALL_SCHEMAS:
        pd.read_parquet(out / f"{name}.parquet")

    summary = run_extract([corpus], out, jobs=1)
    assert 0 < summary.documents < 35 and summary.skipped > 6
    fresh = tmp_path / "fresh"
    run_extract([corpus], fresh, jobs=2)
    assert_same(out, fresh)


def test_a_killed_commit_is_rolled_forward(corpus: Path, tmp_path: Path, monkeypatch):
    """Killed between recording a batch and moving its files: the next run finishes the move."""
    from nianbao.corpus.manifest import Manifest

    out = tmp_path / "out"
    real = Manifest._apply_staged
    calls = {"n": 0}

    def dies_on_third(self, part):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # stands for the kill: the manifest says staged
        return real(self, part)

    monkeypatch.setattr(Manifest, "_apply_staged", dies_on_third)
    with pytest.raises(KeyboardInterrupt):
        run_extract([corpus], out, jobs=1, batch_size=2)
    monkeypatch.setattr(Manifest, "_apply_staged", real)
    summary = run_extract([corpus], out, jobs=1, batch_size=2)
    assert summary.documents == 2  # the fourth batch only; the third was rolled forward
    fresh = tmp_path / "fresh"
    run_extract([corpus], fresh, jobs=1)
    assert_same(out, fresh)


def test_stray_files_of_a_dead_run_are_removed(corpus: Path, tmp_path: Path):
    out = tmp_path / "out"
    run_extract([corpus], out, jobs=1)
    stray = out / "cells.parquet" / "report_year=2024" / "part-99999999.parquet"
    shutil.copy(next((out / "cells.parquet").rglob("part-*.parquet")), stray)
    (out / ".staging" / "part-00000042").mkdir(parents=True)
    run_extract([corpus], out, jobs=1)
    assert not stray.exists() and not (out / ".staging").exists()


def test_unreadable_and_missing_paths(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        run_extract([tmp_path / "nope"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_flat_findings_file_of_an_older_check_is_brought_back_to_the_parts(corpus: Path, tmp_path: Path):
    import pyarrow.parquet as pq

    from nianbao.corpus.query import run_query

    out = tmp_path / "out"
    run_extract([corpus], out, jobs=1)
    before = contents(out)["findings"]
    flat = pq.read_table(out / "findings.parquet")
    shutil.rmtree(out / "findings.parquet")  # what the older check did: one flat file instead
    (out / "findings.parquet").mkdir()
    pq.write_table(flat.drop_columns(["report_year"]), out / "findings.parquet" / "part-00000.parquet")

    make_corpus(corpus, 1, start=50)
    summary = run_extract([corpus], out, jobs=1)
    assert summary.findings_reset and summary.documents == 1
    assert not any(p.is_file() for p in (out / "findings.parquet").iterdir())
    assert run_query(out, "select count(*) from findings").head[0][0] == len(
        pd.read_parquet(out / "findings.parquet")
    )
    assert set(before) <= set(contents(out)["findings"])
    fresh = tmp_path / "fresh"
    run_extract([corpus], fresh, jobs=1)
    assert contents(out)["findings"] == contents(fresh)["findings"]
