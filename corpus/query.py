"""DuckDB over a dataset folder: one view per table, results printed or written.

    nianbao query "select year, count(*) from documents group by 1" --out DIR
    nianbao query "select * from cells where report_year = 2021" --out DIR --to t.parquet

Every ``DIR/<name>.parquet`` (a file or a folder of part files) becomes a view
``<name>``; year-partitioned folders add the column ``report_year`` (0 = unknown),
which DuckDB uses to skip the other years' files.  ``DIR/manifest.parquet`` becomes
the view ``manifest`` (one row per input).  The convenience views of
:mod:`corpus.views` (``reports``, ``requests``, ``refusals``, ``reviews_lawsuits``,
``labels``) stand on those; ``nianbao query`` builds only the ones its SQL names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from corpus.store import PARTITION
from corpus.views import DERIVED, add_views, mentioned

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class QueryError(Exception):
    """A query that cannot run: no dataset there, or DuckDB rejected the SQL."""


@dataclass(slots=True)
class QueryResult:
    columns: list[str]
    rows: int
    head: list[tuple] | None = None  # the first rows, when printed


def _lit(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def source_sql(path: Path) -> str:
    """The ``read_parquet`` call that reads a dataset, file or (partitioned) folder."""
    if path.is_file():
        return f"read_parquet({_lit(path)})"
    hive = any(p.is_dir() and p.name.startswith(f"{PARTITION}=") for p in path.iterdir())
    return (
        f"read_parquet({_lit(path / '**' / '*.parquet')}, hive_partitioning = {str(hive).lower()}, "
        "union_by_name = true)"
    )


def views(out: Path) -> dict[str, str]:
    """view name -> the SQL that reads it, for every dataset in ``out``."""
    found = {}
    for path in sorted(out.glob("*.parquet")):
        name = path.name.removesuffix(".parquet")
        if not _NAME.match(name) or (path.is_dir() and not any(path.rglob("*.parquet"))):
            continue
        found[name] = source_sql(path)
    return found


def connect(out: Path, derived: Iterable[str] = DERIVED) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a view per dataset of ``out`` and the convenience views
    ``derived`` (:mod:`corpus.views`: reports, requests, refusals, reviews_lawsuits, labels)."""
    out = Path(out)
    if not out.is_dir():
        raise QueryError(f"no dataset folder at {out}")
    found = views(out)
    if not found:
        raise QueryError(f"no datasets (*.parquet) in {out}; run 'nianbao extract ... --out {out}' first")
    con = duckdb.connect()
    for name, sql in found.items():
        try:
            con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM {sql}')
        except duckdb.BinderException:  # files in and outside year folders: read without the key
            sql = sql.replace("hive_partitioning = true", "hive_partitioning = false")
            con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM {sql}')
    try:
        add_views(con, derived)
    except duckdb.Error as exc:
        con.close()
        raise QueryError(
            f"the convenience views cannot be built over {out}: {str(exc).splitlines()[0]}"
        ) from None
    return con


def run_query(out: Path, sql: str, *, to: Path | None = None, limit: int = 50) -> QueryResult:
    """Run ``sql``; write the whole result to ``to`` (.csv or .parquet) or keep its head."""
    sql = sql.strip().rstrip(";").strip()
    con = connect(out, mentioned(sql))
    try:
        rel = con.sql(sql)
        if rel is None:  # a statement without a result (e.g. SET)
            return QueryResult([], 0, [])
        columns = list(rel.columns)
        if to is not None:
            suffix = to.suffix.lower()
            if suffix not in (".csv", ".parquet"):
                raise QueryError(f"--to must end in .csv or .parquet, not {to.name}")
            to.parent.mkdir(parents=True, exist_ok=True)
            fmt = "CSV, HEADER" if suffix == ".csv" else "PARQUET"
            (rows,) = con.execute(f"COPY ({sql}) TO {_lit(to)} (FORMAT {fmt})").fetchone()
            return QueryResult(columns, rows)
        head = rel.limit(limit).fetchall()
        rows = len(head) if len(head) < limit else con.sql(sql).aggregate("count(*)").fetchall()[0][0]
        return QueryResult(columns, rows, head)
    except duckdb.Error as exc:
        raise QueryError(str(exc).splitlines()[0]) from None
    finally:
        con.close()


def print_result(result: QueryResult, console: Console, limit: int = 50) -> None:
    """The head of a result as a table, and how many rows it has."""
    table = Table(show_lines=False)
    for col in result.columns:
        table.add_column(col, overflow="fold")
    for row in (result.head or [])[:limit]:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
    more = f" (first {limit} shown)" if result.rows > limit else ""
    console.print(f"{result.rows} rows{more}")
