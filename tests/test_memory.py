"""What keeps a worker's memory down: no pandas, malloc for Arrow, no Dask profiler."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.test_corpus_run import make_corpus

ROOT = Path(__file__).resolve().parents[1]


def _python(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON object as its last line."""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_worker_writes_its_batches_without_pandas_and_with_malloc(tmp_path: Path):
    paths = make_corpus(tmp_path / "in", 4)
    code = f"""
import json, sys
import pyarrow as pa
from nianbao.corpus.manifest import Item
from nianbao.corpus.run import Task, process_batch, warm
warm(True)
items = [Item(p, 0, 0) for p in {[str(p) for p in paths]!r}]
result = process_batch(Task({str(tmp_path / "out")!r}, 1, items, True))
print(json.dumps({{"files": len(result.files), "written": len(result.written),
    "pandas": "pandas" in sys.modules, "pool": pa.default_memory_pool().backend_name}}))
"""
    seen = _python(code)
    assert seen["files"] == 4 and seen["written"] > 0
    assert seen["pandas"] is False
    assert seen["pool"] == "system"


# A frame through pyarrow and back: from_pandas first (the first pandas call after the
# hiding), then a Parquet round trip, with the types pyarrow treats specially.
ROUND_TRIP = """
import pandas as pd, pyarrow as pa, pyarrow.parquet as pq
df = pd.DataFrame({
    "cat": pd.Categorical(["x", "y", "x"]),
    "when": pd.to_datetime(["2020-01-02"] * 3).tz_localize("UTC"),
    "n": [1.5, None, 3.0],
    "s": ["a", None, "c"],
})
table = pa.Table.from_pandas(df)
pq.write_table(table, PATH)
back = pd.read_parquet(PATH)
seen = {"schema": str(table.schema), "dtypes": back.dtypes.astype(str).tolist(),
        "values": back.to_json(date_format="iso"), "same": back.equals(df)}
"""


def test_pandas_conversions_still_work_once_pyarrow_was_told_it_is_absent(tmp_path: Path):
    here: dict = {"PATH": str(tmp_path / "here.parquet")}
    exec(ROUND_TRIP, here)
    code = f"""
import json, sys
from nianbao.corpus.store import arrow_without_pandas
arrow_without_pandas()
assert "pandas" not in sys.modules
PATH = {str(tmp_path / "there.parquet")!r}
{ROUND_TRIP}
print(json.dumps(seen))
"""
    assert _python(code) == here["seen"]
    assert here["seen"]["same"] is True


def test_local_dask_workers_run_without_the_profiler():
    import dask

    from nianbao.corpus.executors import DaskExecutor

    executor = DaskExecutor("local", 1)
    try:
        seen = executor._client.run(lambda: dask.config.get("distributed.worker.profile.enabled"))
    finally:
        executor.close()
    assert list(seen.values()) == [False]


def test_an_in_process_run_leaves_pandas_out(tmp_path: Path):
    make_corpus(tmp_path / "in", 4)
    code = f"""
import json, sys
from pathlib import Path
from nianbao.corpus.run import run_extract
summary = run_extract([Path({str(tmp_path / "in")!r})], Path({str(tmp_path / "out")!r}), jobs=1, narrative=False)
print(json.dumps({{"documents": summary.documents, "executor": summary.executor, "pandas": "pandas" in sys.modules}}))
"""
    assert _python(code) == {"documents": 4, "executor": "serial", "pandas": False}
