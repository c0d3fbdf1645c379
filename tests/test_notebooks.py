"""The notebooks run end to end on a dataset extracted from the bundled sample reports."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nianbao.corpus.cli import app

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.py"))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("nb") / "out"
    real = Path(__file__).parent / "fixtures" / "real"
    result = CliRunner().invoke(
        app, ["extract", str(real), "--out", str(out), "--jobs", "1", "--no-narrative"]
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(notebook: Path, dataset: Path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", [str(notebook), str(dataset)])
    runpy.run_path(str(notebook), run_name="__main__")
    printed = capsys.readouterr().out
    assert "沂源县科学技术局" in printed  # the seed report is in every table of the analysis
    assert "t3.row_total" in printed  # and its printed inconsistency is listed


def test_there_is_a_notebook():
    assert NOTEBOOKS
