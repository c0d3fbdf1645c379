"""What a new batch costs the findings across reports: incremental against a full recompute.

    nianbao synth --n 1000 --formats txt --seed 7 --out /tmp/syn
    nianbao synth --n 20 --formats txt --seed 99 --out /tmp/new && rm /tmp/new/truth.jsonl
    nianbao extract /tmp/syn --out /tmp/ds --no-narrative
    python scripts/bench_crossdoc.py /tmp/ds /tmp/new

The dataset is copied (``DIR.bench``); the batch is extracted into the copy, then the
findings across reports are brought up to date twice from the same state: the way
``extract`` does it (only what the batch touched) and in full, on a second copy.  Prints
both times, the work counted (:class:`nianbao.corpus.incremental.Work`) and whether the two
sets of findings are identical.
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import time
from pathlib import Path

import pandas as pd

from nianbao.corpus.check import update_corpus_findings
from nianbao.corpus.incremental import STATE, last_work
from nianbao.corpus.run import run_extract


def _ids(out: Path) -> list[tuple[str, str]]:
    f = pd.read_parquet(out / "findings.parquet")
    return sorted(map(tuple, f[f["scope"] == "corpus"][["finding_id", "message"]].astype(str).values))


def main(dataset: Path, batch: Path) -> None:
    out = dataset.with_name(dataset.name + ".bench")
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(dataset, out)
    update_corpus_findings(out, full=True)  # a state of the dataset before the batch
    run_extract([batch], out, jobs=1, narrative=False)
    docs = pd.read_parquet(out / "documents.parquet", columns=["doc_id", "source"])
    new = [d for d, s in zip(docs["doc_id"], docs["source"], strict=True) if Path(s).is_relative_to(batch)]
    # forget the batch again, so that both computations below start from the same state
    con = sqlite3.connect(out / STATE)
    with con:
        con.executemany("DELETE FROM docs WHERE doc_id = ?", [(d,) for d in new])
        con.executemany("DELETE FROM bands WHERE doc_id = ?", [(d,) for d in new])
    con.close()
    full = out.with_name(out.name + ".full")
    shutil.rmtree(full, ignore_errors=True)
    shutil.copytree(out, full)
    started = time.perf_counter()
    update_corpus_findings(out)
    incremental = time.perf_counter() - started
    work = last_work(out)
    started = time.perf_counter()
    update_corpus_findings(full, full=True)
    whole = time.perf_counter() - started
    same = _ids(out) == _ids(full)
    print(f"{len(docs)} reports, {len(new)} new: incremental {incremental:.2f} s, full {whole:.2f} s; {work}")
    print(f"findings across reports identical: {same} ({len(_ids(out))})")
    shutil.rmtree(full)
    shutil.rmtree(out)


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve())
