"""DuckDB over a dataset folder: one view per table, results printed or written.

    nianbao query DIR "select year, count(*) from documents group by 1"
    nianbao query DIR "select * from reports where year = 2021" --format csv > r.csv
    nianbao query DIR "select * from cells where report_year = 2021" --to t.parquet

Every ``DIR/<name>.parquet`` (a file or a folder of part files) becomes a view
``<name>``; year-partitioned folders add the column ``report_year`` (0 = unknown),
which DuckDB uses to skip the other years' files.  ``DIR/manifest.parquet`` becomes
the view ``manifest`` (one row per input).  The convenience views of
:mod:`nianbao.corpus.views` (``reports``, ``requests``, ``refusals``, ``reviews_lawsuits``,
``labels``) stand on those; ``nianbao query`` builds only the ones its SQL names.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TextIO

import duckdb
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from nianbao.corpus.store import PARTITION
from nianbao.corpus.views import DERIVED, add_views, mentioned

FORMATS = ("table", "csv", "json", "jsonl", "records")
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
    ``derived`` (:mod:`nianbao.corpus.views`: reports, requests, refusals, reviews_lawsuits, labels)."""
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


def run_query(out: Path, sql: str, *, to: Path | None = None, limit: int | None = 50) -> QueryResult:
    """Run ``sql``; write the whole result to ``to`` (.csv or .parquet) or keep its first
    ``limit`` rows (all with ``None``)."""
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
            if to.is_dir():
                raise QueryError(f"--to {to} is a folder, not a file")
            to.parent.mkdir(parents=True, exist_ok=True)
            fmt = "CSV, HEADER" if suffix == ".csv" else "PARQUET"
            (rows,) = con.execute(f"COPY ({sql}) TO {_lit(to)} (FORMAT {fmt})").fetchone()
            return QueryResult(columns, rows)
        head = (rel if limit is None else rel.limit(limit)).fetchall()
        if limit is None or len(head) < limit:
            rows = len(head)
        else:
            rows = con.sql(sql).aggregate("count(*)").fetchall()[0][0]
        return QueryResult(columns, rows, head)
    except duckdb.Error as exc:
        raise QueryError(str(exc).splitlines()[0]) from None
    finally:
        con.close()


# ---------------------------------------------------------------- output formats


def _plain(v: object) -> object:
    """A value JSON can hold: dates and times as ISO text, decimals and NaN as numbers or null."""
    if isinstance(v, dt.date | dt.datetime | dt.time):
        return v.isoformat()
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, uuid.UUID | dt.timedelta):
        return str(v)
    return v


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, list | tuple | dict):
        return json.dumps(_plain(v), ensure_ascii=False)
    plain = _plain(v)
    return "" if plain is None else str(plain)


def write_result(result: QueryResult, fmt: str, stream: TextIO) -> None:
    """The rows kept in ``result`` written to ``stream`` as csv, json, jsonl or records.

    csv: a header and one line a row (NULL as an empty field); json: one array of
    objects; jsonl: one object a line; records: one ``column  value`` line a field and
    a blank line between rows (the vertical form, for wide rows such as ``reports``).
    """
    rows = result.head or []
    cols = result.columns
    if fmt == "csv":
        w = csv.writer(stream, lineterminator="\n")
        w.writerow(cols)
        w.writerows([[_text(v) for v in row] for row in rows])
    elif fmt == "json":
        objs = [dict(zip(cols, map(_plain, row), strict=True)) for row in rows]
        stream.write(json.dumps(objs, ensure_ascii=False, indent=1) + "\n")
    elif fmt == "jsonl":
        for row in rows:
            stream.write(
                json.dumps(dict(zip(cols, map(_plain, row), strict=True)), ensure_ascii=False) + "\n"
            )
    elif fmt == "records":
        width = max((len(c) for c in cols), default=0)
        for i, row in enumerate(rows):
            stream.write(("\n" if i else "") + f"-[ row {i + 1} ]-\n")
            for c, v in zip(cols, row, strict=True):
                stream.write(f"{c.ljust(width)}  {_text(v)}\n")
    else:
        raise QueryError(f"no output format {fmt!r}; one of {', '.join(FORMATS)}")


def print_result(result: QueryResult, console: Console, limit: int = 50) -> None:
    """The head of a result as a table, and how many rows it has."""
    table = Table(show_lines=False)
    head = (result.head or [])[:limit]
    for i, col in enumerate(result.columns):
        values = [row[i] for row in head if row[i] is not None]
        number = bool(values) and all(
            isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in values
        )
        table.add_column(col, overflow="fold", justify="right" if number else "left")
    for row in head:
        table.add_row(*(escape(_text(v)) for v in row))
    console.print(table)
    more = f" (first {limit} shown)" if result.rows > limit else ""
    console.print(f"{result.rows} rows{more}")
