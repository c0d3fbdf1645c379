"""``import nianbao``: one report read in place, a dataset folder opened as DataFrames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import nianbao
from tests.conftest import REAL
from tests.test_export import real_dataset


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return real_dataset(tmp_path_factory)


def test_convert_reads_one_report_with_metadata_and_frames():
    r = nianbao.convert(REAL / "2024_yiyuan_kejiju.txt")
    assert isinstance(r, nianbao.Report)
    assert (r.agency, r.year, r.template, r.status) == ("沂源县科学技术局", 2024, "2021", "ok")
    assert {"table", "row", "col", "value", "raw", "prov"} <= set(r.cells.columns)
    assert r.value("t3", "total_processed", "research") == 1  # printed 1 where the rows sum to 0
    assert r.value("t3", "no_such_row", "total") is None
    assert {"t3.balance", "t3.outcome_sum", "t3.row_total"} <= set(r.findings["rule"])
    assert list(r.sections["section"]) == [1, 2, 3, 4, 5, 6]
    row = r.wide().iloc[0]
    assert row["t3_processed_research"] == 1 and row["level"] == "县" and row["n_error"] >= 3
    assert (r.long("en")["doc_id"] == r.doc_id).all()


def test_convert_of_a_bad_file_is_a_failed_report(tmp_path: Path):
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    r = nianbao.convert(bad)
    assert r.status == "failed" and r.error and r.cells.empty


def test_open_gives_the_datasets_as_frames(ds: Path):
    d = nianbao.open(ds)
    assert nianbao.open is nianbao.open_dataset
    docs = pd.read_parquet(ds / "documents.parquet")
    assert len(d.documents) == len(docs) and "report_year" not in d.documents.columns
    assert len(d.cells) == len(pd.read_parquet(ds / "cells.parquet"))
    assert set(d.findings["doc_id"]) <= set(docs["doc_id"])
    wide = d.wide()
    assert list(wide["doc_id"]) == list(d.reports["doc_id"]) and "t3_granted_total" in wide.columns
    n = d.sql("select count(*) as n from cells where \"table\" = 't3'")["n"].iloc[0]
    assert n == (d.cells["table"] == "t3").sum()


def test_the_api_and_the_dataset_agree_on_one_report(ds: Path):
    d = nianbao.open(ds)
    one = nianbao.convert(REAL / "2024_yiyuan_kejiju.txt")
    stored = d.cells[d.cells["doc_id"] == one.doc_id].sort_values(["table", "row", "col"])
    mine = one.cells.sort_values(["table", "row", "col"])
    assert list(stored["raw"]) == list(mine["raw"])


def test_open_refuses_a_folder_without_a_dataset(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="no documents dataset"):
        nianbao.open(tmp_path)


def test_nianbao_is_a_package_with_a_version():
    assert nianbao.__version__ and "convert" in nianbao.__all__
