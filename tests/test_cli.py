"""The command line: extract options, query, and the other commands still wired."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from corpus.cli import app
from tests.test_corpus_run import make_corpus

runner = CliRunner()


def test_extract_options_and_rerun(tmp_path: Path):
    make_corpus(tmp_path / "in", 4)
    out = tmp_path / "out"
    args = ["extract", str(tmp_path / "in"), "--out", str(out), "--jobs", "1", "--batch-size", "2"]
    result = runner.invoke(app, [*args, "--no-narrative"])
    assert result.exit_code == 0, result.output
    assert "4 documents" in result.output
    assert len(pd.read_parquet(out / "tokens.parquet")) == 0

    result = runner.invoke(app, [*args, "--no-narrative"])
    assert result.exit_code == 0 and "0 documents" in result.output and "4 unchanged" in result.output

    result = runner.invoke(app, [*args, "--no-narrative", "--force"])
    assert result.exit_code == 0 and "4 documents" in result.output


def test_query_prints_and_writes(tmp_path: Path):
    make_corpus(tmp_path / "in", 2)
    out = tmp_path / "out"
    assert runner.invoke(app, ["extract", str(tmp_path / "in"), "-o", str(out), "-j", "1"]).exit_code == 0
    result = runner.invoke(app, ["query", "select count(*) as n from documents", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 rows" in result.output
    to = tmp_path / "docs.csv"
    result = runner.invoke(app, ["query", "select * from documents", "--out", str(out), "--to", str(to)])
    assert result.exit_code == 0 and len(pd.read_csv(to)) == 2
    result = runner.invoke(app, ["query", "select * from nope", "--out", str(out)])
    assert result.exit_code == 2


def test_every_command_is_there():
    result = runner.invoke(app, ["--help"])
    for command in ("extract", "check", "query", "synth"):
        assert command in result.output
    help_text = runner.invoke(app, ["extract", "--help"]).output
    for option in ("--jobs", "--dask", "--force", "--batch-size", "--narrative"):
        assert option in help_text


def test_query_prints_as_many_rows_as_limit_asks(tmp_path: Path):
    make_corpus(tmp_path / "in", 1)
    out = tmp_path / "out"
    assert runner.invoke(app, ["extract", str(tmp_path / "in"), "-o", str(out), "-j", "1"]).exit_code == 0
    sql = "select 7000 + range as n from range(120)"
    result = runner.invoke(app, ["query", sql, "--out", str(out), "--limit", "100"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "7099" in result.output and "7100" not in result.output
