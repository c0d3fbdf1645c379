"""Time the convenience views (nianbao.corpus.views) and export --wide on a large dataset.

    python scripts/bench_views.py DIR [--copies 4000]

DIR is a folder written by ``nianbao extract``.  Its documents, cells and findings are
copied ``--copies`` times under new doc_ids into a temporary folder (so 12 reports
become 48,000 with ``--copies 4000``), and each query is timed there.  Peak memory:
run it under ``/usr/bin/time -v``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from nianbao.corpus.query import connect

QUERIES = {
    "count over reports": "select count(*), sum(t3_new_total), avg(days_late) from reports",
    "reports, every column": "select * from reports",
    "requests by level": "select level, sum(value) from requests "
    "where row = 'new_received' and applicant = 'total' group by 1",
    "refusal reasons": "select reason, sum(value) from refusals where applicant = 'total' group by 1",
    "corrected share": "select proceeding, sum(corrected) / sum(total) from reviews_lawsuits group by 1",
}


def replicate(src: Path, dst: Path, copies: int) -> tuple[int, int]:
    """``src``'s documents, cells and findings ``copies`` times, as single files in ``dst``."""
    con = duckdb.connect()
    for name in ("documents", "cells", "findings"):
        glob = str(src / f"{name}.parquet" / "**" / "*.parquet").replace("'", "''")
        out = str(dst / f"{name}.parquet").replace("'", "''")
        con.execute(
            f"copy (select t.* exclude (report_year) replace (t.doc_id || '-' || r.range as doc_id) "
            f"from read_parquet('{glob}', hive_partitioning = true, union_by_name = true) t, "
            f"range({copies}) r) to '{out}' (format parquet)"
        )
    docs = con.execute(f"select count(*) from '{dst / 'documents.parquet'}'").fetchall()[0][0]
    cells = con.execute(f"select count(*) from '{dst / 'cells.parquet'}'").fetchall()[0][0]
    return docs, cells


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--copies", type=int, default=4000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp)
        docs, cells = replicate(args.dataset, big, args.copies)
        print(f"{docs:,} reports, {cells:,} cells")
        t = time.perf_counter()
        con = connect(big)
        print(f"connect, every view: {time.perf_counter() - t:.2f} s")
        for label, sql in QUERIES.items():
            t = time.perf_counter()
            rows = con.execute(sql).fetchall()
            print(f"{label}: {len(rows):,} rows in {time.perf_counter() - t:.2f} s")
        con.close()
        from nianbao.corpus.export import export

        t = time.perf_counter()
        export(big, big / "wide.parquet", wide=True)
        print(f"export --wide to parquet: {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
