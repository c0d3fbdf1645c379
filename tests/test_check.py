"""``nianbao check DIR`` over a small dataset written here in the layout ``extract`` writes."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from rich.console import Console

from nianbao.corpus.check import run_check
from nianbao.corpus.lock import OutputLocked
from tests.test_validate import TRUTH, real_report


def write_dataset(out: Path) -> None:
    docs, cells, sections = [], [], []
    for path in TRUTH:
        std, meta, parts, truth = real_report(path.stem)
        doc_id = f"{path.stem:0<16}"
        docs.append(
            {
                "doc_id": doc_id,
                "source": truth["file"],
                "format": Path(truth["file"]).suffix[1:],
                "status": "ok",
                "error": None,
                "agency": meta.agency,
                "year": meta.year,
                "template": meta.template,
                "published": pd.Timestamp(meta.published).date() if meta.published else None,
            }
        )
        cells += [
            {"doc_id": doc_id, "table": c.table, "row": c.row, "col": c.col, "value": c.value, "raw": c.raw}
            for c in std
        ]
        sections += [{"doc_id": doc_id, "section": n, "title": t[:8], "text": t} for n, t in parts.items()]
    docs.append({"doc_id": "f" * 16, "source": "broken.pdf", "format": "pdf", "status": "failed",
                 "error": "encrypted", "agency": None, "year": None, "template": "unknown", "published": None})  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    documents = pd.DataFrame(docs)
    documents["year"] = documents["year"].astype("Int32")
    pq.write_table(pa.Table.from_pandas(documents, preserve_index=False), out / "documents.parquet")
    # cells as a folder of part files, the way extract writes them
    (out / "cells.parquet").mkdir()
    c = pd.DataFrame(cells)
    for i, part in enumerate((c.iloc[: len(c) // 2], c.iloc[len(c) // 2 :])):
        pq.write_table(
            pa.Table.from_pandas(part, preserve_index=False), out / "cells.parquet" / f"part-{i}.parquet"
        )
    s = pd.DataFrame(sections).astype({"section": "int8"})
    pq.write_table(pa.Table.from_pandas(s, preserve_index=False), out / "sections.parquet")
    # a stale findings dataset from extract: check replaces it
    (out / "findings.parquet").mkdir()
    pq.write_table(
        pa.table({"doc_id": ["x"], "rule": ["old"]}), out / "findings.parquet" / "part-00000.parquet"
    )


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> tuple[Path, object, str]:
    out = tmp_path_factory.mktemp("ds")
    write_dataset(out)
    buf = io.StringIO()
    summary = run_check(out, Console(file=buf, width=240))
    return out, summary, buf.getvalue()


def test_findings_replace_the_old_dataset_and_read_in_pandas_and_duckdb(checked) -> None:
    out, summary, _ = checked
    f = pd.read_parquet(out / "findings.parquet")
    assert "old" not in set(f["rule"])
    assert len(f) == summary.findings
    n = duckdb.sql(f"select count(*) from read_parquet('{out}/findings.parquet/**')").fetchall()[0][0]
    assert n == len(f)
    assert {"other_doc_id", "similarity", "expected", "actual", "row", "col", "section"} <= set(f.columns)
    # no staging left behind (the writer's lock file stays, as after extract)
    assert not [p for p in out.iterdir() if p.name.startswith(".") and p.name != ".lock"]


def test_seed_findings_with_expected_and_actual(checked) -> None:
    out, _, _ = checked
    f = pd.read_parquet(out / "findings.parquet")
    f = f.astype(object).where(f.notna(), None)
    seed = f[f["doc_id"].str.startswith("2024_yiyuan")]
    got = sorted(
        seed[seed["severity"] != "info"][["rule", "col", "expected", "actual"]].itertuples(
            index=False, name=None
        )
    )
    assert got == [
        ("date.before_period_end", None, "after 2024-12-31", "2024-12-22"),
        ("t3.balance", "research", "0", "1"),
        ("t3.outcome_sum", "research", "0", "1"),
        ("t3.row_total", "total", "2", "1"),
    ]
    # the other real reports have no error, and 平潭 2021 -> 2022 agree across the years
    assert set(f[f["severity"] == "error"]["doc_id"].str[:10]) == {"2024_yiyua"}
    assert not f["rule"].str.startswith(("crossyear.", "copy.")).any()


def test_units_dataset(checked) -> None:
    out, _, _ = checked
    u = pd.read_parquet(out / "units.parquet").set_index("name")
    assert u.loc["沂源县科学技术局", ["key", "level", "kind", "county"]].tolist() == [
        "沂源县科技局",
        "县",
        "department",
        "沂源县",
    ]
    assert u.loc["淮安市人民政府", "kind"] == "government"
    pingtan = u[u["key"] == "平潭综合实验区管委会"]
    assert pingtan["reports"].sum() == 2


def test_summary_per_agency(checked) -> None:
    _, summary, printed = checked
    assert summary.documents == 6 and summary.checked == 5
    top = summary.agencies.iloc[0]
    assert (top["agency"], top["errors"], top["warnings"]) == ("沂源县科学技术局", 3, 1)
    assert "沂源县科学技术局" in printed and "t3.balance" in printed
    assert summary.by_severity["error"] == 3


def test_missing_dataset_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="documents"):
        run_check(tmp_path)


def _hold_lock(out: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the writer's lock of ``out`` (the lock ``extract`` takes)."""
    code = (
        "import sys, time\nfrom pathlib import Path\nfrom nianbao.corpus.lock import output_lock\n"
        "with output_lock(Path(sys.argv[1])):\n    print('held', flush=True)\n    time.sleep(float(sys.argv[2]))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(out), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_check_refuses_in_one_line_while_a_run_writes(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    write_dataset(out)
    before = sorted((p.relative_to(out), p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file())
    proc = _hold_lock(out, 30)
    try:
        with pytest.raises(OutputLocked) as err:
            run_check(out)
    finally:
        proc.kill()
        proc.wait()
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"another nianbao run is writing to {out} (pid {proc.pid})")
    after = sorted((p.relative_to(out), p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file())
    assert [a for a in after if a[0].name != ".lock"] == [b for b in before if b[0].name != ".lock"]
    assert not (out / "units.parquet").exists()  # nothing written


def test_check_with_wait_runs_once_the_writer_is_done(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    write_dataset(out)
    proc = _hold_lock(out, 1.5)
    started = time.perf_counter()
    try:
        summary = run_check(out, wait=True)
        assert proc.poll() is not None  # the writer had finished before the check wrote
    finally:
        proc.kill()
        proc.wait()
    assert time.perf_counter() - started >= 1.0
    assert summary.findings > 0 and (out / "units.parquet").exists()


def test_check_of_a_missing_folder_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="documents"):
        run_check(tmp_path / "nope")
    assert not (tmp_path / "nope").exists()


def test_cli_check_during_a_run_says_so_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    write_dataset(out)
    proc = _hold_lock(out, 60)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "nianbao.corpus.cli", "check", str(out)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        proc.kill()
        proc.wait()
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert lines[0].startswith("nianbao check: another nianbao run is writing to"), lines
    assert not (out / "units.parquet").exists()
