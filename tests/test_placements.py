"""Exports, views and the check summary place a body where ``check`` placed it (its
reports' text included), not only where its name alone would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from nianbao.corpus.check import run_check
from nianbao.corpus.export import load
from nianbao.corpus.placements import read_units
from nianbao.corpus.query import connect
from nianbao.corpus.store import dataset_path
from tests.test_export import real_dataset


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("placed") / "ds"
    shutil.copytree(real_dataset(tmp_path_factory), out)
    run_check(out)
    # Say the text placed the first body in a county its name does not name (as a
    # township's address line does), and see that every output follows.
    path = dataset_path(out, "units")
    units = pd.read_parquet(path)
    units.loc[0, ["province", "city", "county", "placed_by"]] = ["某省", "某市", "某县", "text"]
    shutil.rmtree(path)
    units.to_parquet(path, index=False)  # one file, as a dataset written by other means
    return out


def test_read_units_gives_the_checked_placement(checked: Path):
    units = read_units(checked)
    first = pd.read_parquet(dataset_path(checked, "units")).loc[0, "name"]
    assert units[first].county == "某县" and units[first].placed_by == "text"


def test_export_and_reports_view_follow_the_dataset_units(checked: Path):
    name = pd.read_parquet(dataset_path(checked, "units")).loc[0, "name"]
    docs = load(checked).documents
    assert set(docs.loc[docs["agency"] == name, "county"]) == {"某县"}
    con = connect(checked, ["reports"])
    try:
        counties = {
            r[0] for r in con.execute("select county from reports where agency = ?", [name]).fetchall()
        }
    finally:
        con.close()
    assert counties == {"某县"}


def test_without_units_the_name_decides(tmp_path: Path, checked: Path):
    out = tmp_path / "ds"
    shutil.copytree(checked, out)
    dataset_path(out, "units").unlink()
    assert read_units(out) == {}
    assert "某县" not in set(load(out).documents["county"].dropna())
