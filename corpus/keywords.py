"""The keywords dataset: TF-IDF per (document, section) over the whole tokens dataset.

Keywords are weighted against the corpus itself, so they are recomputed over every
document of the dataset after a run that changed it.  DuckDB runs the query out of
core, straight from the tokens part files, and the result replaces
``DIR/keywords.parquet`` atomically (written under a temporary name, then renamed).
At the end of a run it is computed in a short-lived child process, so that DuckDB's
memory is returned to the system and the run's own peak does not grow with it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def write_keywords(out: Path, top: int = 10, *, prior_docs: float = 10.0) -> int:
    """(Re)write ``out/keywords.parquet`` from ``out/tokens.parquet``; return its row count."""
    import duckdb  # imported here: extraction workers never need it

    from nianbao.normalize.keywords import connect_keywords, keywords_query

    tokens = out / "tokens.parquet"
    if not tokens.exists():
        raise FileNotFoundError(f"no tokens dataset in {out} (run 'nianbao extract' with --narrative)")
    target = out / "keywords.parquet"
    tmp = out / f".keywords-{os.getpid()}.parquet"
    # A bounded buffer pool: the query spills to disk rather than grow the process.
    con = duckdb.connect(
        config={"memory_limit": "128MB", "threads": 1, "temp_directory": str(out / ".duckdb-tmp")}
    )
    try:
        connect_keywords(con)
        source = f"read_parquet('{tokens.as_posix()}/**/*.parquet', union_by_name = true)"
        con.sql(keywords_query(source, top, prior_docs=prior_docs)).write_parquet(str(tmp))
        rows = con.sql(f"select count(*) from read_parquet('{tmp.as_posix()}')").fetchall()[0][0]
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        con.close()
        shutil.rmtree(out / ".duckdb-tmp", ignore_errors=True)
    os.replace(tmp, target)
    return int(rows)


def write_keywords_apart(out: Path, top: int = 10) -> int:
    """``write_keywords`` in a child interpreter (``python -m nianbao.corpus.keywords``)."""
    done = subprocess.run(
        [sys.executable, "-m", "nianbao.corpus.keywords", str(out), str(top)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"keywords failed: {last}")
    return int(done.stdout.split()[0])


if __name__ == "__main__":
    print(write_keywords(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 10))
