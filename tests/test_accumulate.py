"""A dataset that grows run by run: batches added, changed files updated, --prune, one
document per content whatever the paths, and the same guarantees under SIGKILL."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from nianbao.corpus.cli import app
from nianbao.corpus.run import run_extract
from tests.test_corpus_run import _parts, assert_same, make_corpus

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def docs(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "documents.parquet")


def test_two_batches_of_the_examples_keep_all_thirteen_reports(tmp_path: Path):
    real, generated = tmp_path / "real", tmp_path / "generated"
    shutil.copytree(EXAMPLES / "real", real)
    shutil.copytree(EXAMPLES / "generated", generated)
    out = tmp_path / "ds"
    assert run_extract([real], out, jobs=1, narrative=False).documents == 5
    second = run_extract([generated], out, jobs=1, narrative=False)
    assert second.documents == 8 and second.pruned_documents == 0
    d = docs(out)
    assert len(d) == 13 and d["doc_id"].is_unique
    assert {Path(s).parent.name for s in d["source"]} == {"real", "generated"}
    cells = pd.read_parquet(out / "cells.parquet")
    assert set(cells["doc_id"]) == set(d.loc[d["status"] != "failed", "doc_id"])

    # Running the first batch again changes nothing and keeps the second.
    again = run_extract([real], out, jobs=1, narrative=False)
    assert (again.documents, again.skipped) == (0, 5) and len(docs(out)) == 13

    # --prune: the dataset mirrors exactly the inputs given.
    pruned = run_extract([generated], out, jobs=1, narrative=False, prune=True)
    assert (pruned.pruned_inputs, pruned.pruned_documents, pruned.documents) == (5, 5, 0)
    d = docs(out)
    assert len(d) == 8 and {Path(s).parent.name for s in d["source"]} == {"generated"}
    assert set(pd.read_parquet(out / "cells.parquet")["doc_id"]) <= set(d["doc_id"])
    fresh = tmp_path / "fresh"
    run_extract([generated], fresh, jobs=1, narrative=False)
    assert_same(out, fresh)


def test_a_changed_file_is_updated_in_place(tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    make_corpus(a, 3)
    make_corpus(b, 2, start=10)
    out = tmp_path / "out"
    run_extract([a], out, jobs=1, narrative=False)
    run_extract([b], out, jobs=1, narrative=False)
    victim = sorted(a.rglob("r*.*"))[0]
    before = docs(out).set_index("source").loc[str(victim), "doc_id"]
    victim.write_bytes(victim.read_bytes() + "\n附：本报告有修订。\n".encode())
    summary = run_extract([a], out, jobs=1, narrative=False)
    assert summary.documents == 1
    d = docs(out).set_index("source")
    assert len(d) == 5 and d.loc[str(victim), "doc_id"] != before  # b's two kept, a's one replaced
    assert before not in set(pd.read_parquet(out / "cells.parquet")["doc_id"])


def test_relative_and_absolute_spellings_are_the_same_inputs(tmp_path: Path, monkeypatch):
    make_corpus(tmp_path / "in", 3)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    assert run_extract([Path("in")], out, jobs=1, narrative=False).documents == 3
    for spelling in (tmp_path / "in", Path("./in/../in"), Path("in/g0")):
        summary = run_extract([spelling], out, jobs=1, narrative=False)
        assert summary.documents == 0 and summary.skipped == summary.inputs > 0, spelling
    assert len(docs(out)) == 3
    manifest = pd.read_parquet(out / "manifest.parquet")
    assert all(Path(p).is_absolute() for p in manifest["path"])
    assert all(not Path(s).is_absolute() for s in manifest["source"])  # as given the first time


def test_the_same_bytes_under_two_paths_are_one_document(tmp_path: Path):
    src = make_corpus(tmp_path / "in", 3)
    twin = tmp_path / "in" / "copies" / "twin.txt"
    twin.parent.mkdir()
    shutil.copy(src[0], twin)  # the same report, found twice in one run
    out = tmp_path / "out"
    run_extract([tmp_path / "in"], out, jobs=1, narrative=False, batch_size=1)  # in different batches
    d = docs(out).set_index("doc_id")
    assert len(d) == 3
    row = d.loc[d.index[d["sources"].map(len) == 2][0]]
    assert sorted(row["sources"]) == sorted([str(src[0]), str(twin)]) and row["source"] == row["sources"][0]
    cells = pd.read_parquet(out / "cells.parquet")
    assert len(cells[cells["doc_id"] == row.name]) > 0
    assert not cells.duplicated(["doc_id", "table", "row", "col"]).any()
    fresh = tmp_path / "fresh"
    run_extract([tmp_path / "in"], fresh, jobs=1, narrative=False, batch_size=10)  # one batch
    assert_same(out, fresh)

    # Found again later under a third path (another run): still one document, three sources.
    third = tmp_path / "later" / "again.txt"
    third.parent.mkdir()
    shutil.copy(src[0], third)
    assert run_extract([third], out, jobs=1, narrative=False).documents == 1
    d = docs(out).set_index("doc_id")
    assert len(d) == 3 and d.loc[row.name, "sources"].tolist() == sorted([str(src[0]), str(twin), str(third)])
    assert not pd.read_parquet(out / "cells.parquet").duplicated(["doc_id", "table", "row", "col"]).any()

    # One copy changes: two documents.  One copy is pruned away: the other stays.
    twin.write_bytes(twin.read_bytes() + "\n附：更正。\n".encode())
    run_extract([tmp_path / "in"], out, jobs=1, narrative=False, prune=True)
    d = docs(out).set_index("doc_id")
    assert len(d) == 4
    assert d.loc[row.name, "sources"].tolist() == [str(src[0])]  # third was not given: pruned


def test_cli_prune_says_how_many_it_removed(tmp_path: Path):
    make_corpus(tmp_path / "a", 3)
    make_corpus(tmp_path / "b", 2, start=10)
    out = tmp_path / "out"
    runner = CliRunner()
    base = ["--out", str(out), "--jobs", "1", "--no-narrative"]
    assert runner.invoke(app, ["extract", str(tmp_path / "a"), *base]).exit_code == 0
    result = runner.invoke(app, ["extract", str(tmp_path / "b"), *base])
    assert result.exit_code == 0 and len(docs(out)) == 5
    result = runner.invoke(app, ["extract", str(tmp_path / "b"), *base, "--prune"])
    assert result.exit_code == 0, result.output
    assert "removed 3 documents" in result.output and len(docs(out)) == 2


@pytest.mark.parametrize("prune", [False, True])
def test_sigkill_while_adding_a_batch_keeps_the_first_and_resumes(tmp_path: Path, prune: bool):
    first, second = tmp_path / "first", tmp_path / "second"
    make_corpus(first, 4)
    make_corpus(second, 30, start=100)
    shutil.copy(sorted(first.rglob("r*.txt"))[0], second / "dup.txt")  # also an alias of a kept one
    out = tmp_path / "out"
    run_extract([first], out, jobs=1, narrative=False)
    kept = set(docs(out)["doc_id"])

    cmd = [sys.executable, "-m", "nianbao.corpus.cli", "extract", str(second), "--out", str(out)]
    cmd += ["--jobs", "1", "--batch-size", "1", "--no-narrative", *(["--prune"] if prune else [])]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _parts(out) < 10 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    mid = docs(out)
    assert kept <= set(mid["doc_id"]), "a killed run lost documents of the first batch"
    assert len(mid) < 34, "the run was not killed mid-way"

    summary = run_extract([second], out, jobs=1, narrative=False, prune=prune)
    assert 0 < summary.documents < 31
    fresh = tmp_path / "fresh"
    if prune:
        run_extract([second], fresh, jobs=1, narrative=False)
    else:
        run_extract([first], fresh, jobs=1, narrative=False)
        run_extract([second], fresh, jobs=1, narrative=False)
    assert_same(out, fresh)
