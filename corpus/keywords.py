"""The keywords dataset: TF-IDF per (document, section) over the whole tokens dataset.

Keywords are weighted against the corpus itself, so they are recomputed over every
document of the dataset after a run that changed it.  DuckDB runs the query out of
core, straight from the tokens part files, and the result replaces
``DIR/keywords.parquet`` atomically (written under a temporary name, then renamed).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from normalize.keywords import connect_keywords, keywords_query


def write_keywords(out: Path, top: int = 10, *, prior_docs: float = 10.0) -> int:
    """(Re)write ``out/keywords.parquet`` from ``out/tokens.parquet``; return its row count."""
    tokens = out / "tokens.parquet"
    if not tokens.exists():
        raise FileNotFoundError(f"no tokens dataset in {out} (run 'nianbao extract' with --narrative)")
    target = out / "keywords.parquet"
    tmp = out / f".keywords-{os.getpid()}.parquet"
    con = duckdb.connect()
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
    os.replace(tmp, target)
    return int(rows)
