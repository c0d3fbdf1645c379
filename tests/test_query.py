"""``nianbao query``: DuckDB views over a dataset folder, printed or written out."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from nianbao.corpus.query import QueryError, connect, print_result, run_query, views
from nianbao.corpus.run import run_extract
from tests.test_corpus_run import make_corpus


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("q")
    make_corpus(root / "in", 5)
    run_extract([root / "in"], root / "out", jobs=1)
    return root / "out"


def test_a_view_per_dataset_and_the_manifest(dataset: Path):
    names = set(views(dataset))
    assert {"documents", "cells", "sections", "findings", "tokens", "facts", "tags", "manifest"} <= names
    con = connect(dataset)
    n = con.execute("select count(*) from documents").fetchall()[0][0]
    assert n == 5 == con.execute("select count(*) from manifest").fetchall()[0][0]
    # report_year comes from the folder layout and agrees with the year column
    bad = con.execute("select count(*) from documents where report_year != coalesce(year, 0)").fetchall()
    assert bad[0][0] == 0
    joined = con.execute(
        "select d.year, sum(c.value) from cells c join documents d using (doc_id) "
        "where c.report_year = 2024 group by 1"
    ).fetchall()
    assert joined and joined[0][0] == 2024


def test_results_are_printed_as_a_table(dataset: Path):
    result = run_query(dataset, "select format, count(*) as n from documents group by 1 order by 1;")
    assert result.columns == ["format", "n"] and result.rows == 2
    console = Console(record=True, width=100)
    print_result(result, console)
    text = console.export_text()
    assert "format" in text and "html" in text and "2 rows" in text


def test_head_and_total_of_a_long_result(dataset: Path):
    result = run_query(dataset, "select * from tokens", limit=10)
    assert len(result.head) == 10 and result.rows > 10


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_results_are_written_to_csv_or_parquet(dataset: Path, tmp_path: Path, suffix: str):
    to = tmp_path / f"r{suffix}"
    result = run_query(dataset, "select doc_id, source, year from documents order by source", to=to)
    assert result.rows == 5
    df = pd.read_csv(to) if suffix == ".csv" else pd.read_parquet(to)
    assert list(df.columns) == ["doc_id", "source", "year"] and len(df) == 5


def test_errors_are_one_line(dataset: Path, tmp_path: Path):
    with pytest.raises(QueryError, match="no_such_table"):
        run_query(dataset, "select * from no_such_table")
    with pytest.raises(QueryError, match="no dataset folder"):
        run_query(tmp_path / "nothing", "select 1")
    (tmp_path / "empty").mkdir()
    with pytest.raises(QueryError, match="no datasets"):
        run_query(tmp_path / "empty", "select 1")
    with pytest.raises(QueryError, match=r"\.csv or \.parquet"):
        run_query(dataset, "select 1", to=tmp_path / "r.xlsx")


def test_printed_text_is_not_read_as_markup(dataset: Path):
    """A cell printed with brackets (``[1]``, ``[red]``) is shown as printed, numbers right-aligned."""
    result = run_query(dataset, "select '[red]x[/red] [1]' as text, 12345 as n")
    console = Console(record=True, width=100)
    print_result(result, console)
    text = console.export_text()
    assert "[red]x[/red] [1]" in text
    line = next(li for li in text.splitlines() if "12345" in li)
    assert line.rstrip().endswith("12345 │")
