"""The command line: extract options, query, and the other commands still wired."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from nianbao.corpus.cli import app
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
    result = runner.invoke(app, ["query", str(out), "select count(*) as n from documents"])
    assert result.exit_code == 0, result.output
    assert "1 rows" in result.output
    to = tmp_path / "docs.csv"
    result = runner.invoke(app, ["query", str(out), "select * from documents", "--to", str(to)])
    assert result.exit_code == 0 and len(pd.read_csv(to)) == 2
    result = runner.invoke(app, ["query", str(out), "select * from nope"])
    assert result.exit_code == 2
    # the form of earlier versions still runs, and says what to type instead
    result = runner.invoke(app, ["query", "select count(*) as n from documents", "--out", str(out)])
    assert result.exit_code == 0 and "deprecated" in result.output and "1 rows" in result.output


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
    result = runner.invoke(app, ["query", str(out), sql, "--limit", "100"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "7099" in result.output and "7100" not in result.output


def test_version():
    import nianbao

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"nianbao {nianbao.__version__}"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli_small")
    make_corpus(root / "in", 3)
    assert (
        runner.invoke(app, ["extract", str(root / "in"), "-o", str(root / "out"), "-j", "1"]).exit_code == 0
    )
    return root / "out"


SQL = "select agency, year, published, n_error, t3_new_total from reports order by agency, year, doc_id"


def _stdout(result) -> str:
    return result.stdout if hasattr(result, "stdout") else result.output


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "records"])
def test_query_output_formats_hold_the_same_rows(small: Path, fmt: str):
    expected = runner.invoke(app, ["query", str(small), SQL, "--format", "csv"])
    frame = pd.read_csv(io.StringIO(_stdout(expected)), dtype={"published": str})
    assert len(frame) == 3 and frame["agency"].str.contains("[\u4e00-\u9fff]").all()
    result = runner.invoke(app, ["query", str(small), SQL, "--format", fmt])
    assert result.exit_code == 0, result.output
    out = _stdout(result)
    if fmt == "json":
        rows = json.loads(out)
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in out.splitlines()]
    elif fmt == "records":
        rows, row = [], {}
        for line in out.splitlines():
            if line.startswith("-[ row"):
                row = {}
                rows.append(row)
            elif line.strip():
                key, _, value = line.partition("  ")
                row[key.strip()] = value.strip() or None
    else:
        rows = frame.to_dict("records")
    assert [r["agency"] for r in rows] == list(frame["agency"])
    for r, want in zip(rows, frame.itertuples(), strict=True):
        assert str(r["year"]) == str(want.year) and str(r["published"])[:10] == str(want.published)[:10]
        blank = pd.isna(want.t3_new_total)
        assert (r["t3_new_total"] in (None, "")) if blank else float(r["t3_new_total"]) == want.t3_new_total


def test_query_limit_of_machine_formats(small: Path):
    sql = "select range as n from range(120)"
    result = runner.invoke(app, ["query", str(small), sql, "--format", "jsonl"])
    assert len(_stdout(result).splitlines()) == 120  # csv, json, jsonl: every row unless --limit
    result = runner.invoke(app, ["query", str(small), sql, "--format", "csv", "--limit", "10"])
    assert len(_stdout(result).splitlines()) == 11 and "first 10 of 120 rows" in result.output


def _one_line_error(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nianbao "), result.output
    return lines[0]


@pytest.mark.parametrize("command", ["check", "query", "review", "keywords", "export", "report"])
def test_a_bad_dataset_folder_is_one_line(command: str, tmp_path: Path):
    extra = {"query": ["select 1"], "export": ["--to", str(tmp_path / "x.csv")]}
    extra["report"] = ["--out", str(tmp_path / "r.html")]
    a_file = tmp_path / "a.txt"
    a_file.write_text("x")
    (tmp_path / "empty").mkdir()
    assert "no such folder" in _one_line_error([command, str(tmp_path / "nope"), *extra.get(command, [])])
    assert "is a file" in _one_line_error([command, str(a_file), *extra.get(command, [])])
    assert "empty folder" in _one_line_error([command, str(tmp_path / "empty"), *extra.get(command, [])])


def test_a_file_given_as_a_folder_to_write_is_one_line(tmp_path: Path):
    a_file = tmp_path / "a.txt"
    a_file.write_text("x")
    make_corpus(tmp_path / "in", 1)
    line = _one_line_error(["extract", str(tmp_path / "in"), "--out", str(a_file), "-j", "1"])
    assert "--out" in line and "is a file" in line
    assert "is a file" in _one_line_error(["synth", "--n", "1", "--out", str(a_file)])
    assert "is a file" in _one_line_error(["fetch", str(a_file), "--archive", str(a_file)])
    assert a_file.read_text() == "x"


def test_extract_of_an_empty_folder_is_one_line(tmp_path: Path):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    line = _one_line_error(["extract", str(tmp_path / "empty"), "--out", str(tmp_path / "out")])
    assert "empty folder" in line and not (tmp_path / "out").exists()
    assert "no such file" in _one_line_error(
        ["extract", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]
    )


def test_query_reads_a_folder_of_other_datasets(tmp_path: Path):
    """A fetch archive holds sources.parquet and no documents: query reads it, the report views are absent."""
    pd.DataFrame({"url": ["https://a.example/r.pdf"], "status": [200]}).to_parquet(
        tmp_path / "sources.parquet"
    )
    result = runner.invoke(app, ["query", str(tmp_path), "select url, status from sources", "-f", "csv"])
    assert result.exit_code == 0 and _stdout(result).splitlines() == [
        "url,status",
        "https://a.example/r.pdf,200",
    ]
    line = _one_line_error(["query", str(tmp_path), "select * from reports"])
    assert "reports does not exist" in line


def test_extract_passes_its_limits_on(monkeypatch, tmp_path):
    import nianbao.corpus.run

    seen = {}

    def fake_run_extract(paths, out, **kw):
        seen.update(kw)
        raise SystemExit(0)

    monkeypatch.setattr(nianbao.corpus.run, "run_extract", fake_run_extract)
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("x", "utf-8")
    args = ["extract", str(src), "--out", str(tmp_path / "out"), "--max-memory", "123456789"]
    runner.invoke(app, [*args, "--timeout-per-doc", "7"])
    assert seen["limits"].max_memory == 123456789 and seen["limits"].timeout == 7
