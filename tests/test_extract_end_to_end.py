"""`nianbao extract` end to end: the four datasets of the output contract, bad input included."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow
import pyarrow.dataset
import pytest
from typer.testing import CliRunner

from nianbao.corpus.cli import app
from tests.conftest import REAL

CONTRACT = {
    "documents": ["doc_id", "source", "format", "status", "error", "agency", "year", "template", "published"],
    "cells": ["doc_id", "table", "row", "col", "value", "raw"],
    "sections": ["doc_id", "section", "title", "text"],
    "findings": ["doc_id", "rule", "severity", "table", "message"],
}


def _minimal_docx() -> bytes:
    from docx import Document

    buf = io.BytesIO()
    doc = Document()
    doc.add_paragraph("XX县统计局2023年政府信息公开工作年度报告")
    doc.save(buf)
    return buf.getvalue()


def _tiny_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.drawString(72, 720, "Quarterly newsletter, not a report.")
    c.save()
    return buf.getvalue()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    shutil.copy(REAL / "2024_yiyuan_kejiju.txt", root / "seed.txt")
    shutil.copy(REAL / "2019_shanghai_szfbgt.html", root / "sub" / "shanghai.htm")
    (root / "empty.docx").write_bytes(b"")
    (root / "truncated.docx").write_bytes(_minimal_docx()[:700])
    (root / "a_pdf_renamed.docx").write_bytes(_tiny_pdf())
    (root / "unknown.bin").write_bytes(bytes(range(256)) * 4)
    (root / "gbk.txt").write_bytes((REAL / "2024_yiyuan_kejiju.txt").read_text("utf-8").encode("gb18030"))
    (root / "truth.jsonl").write_text("{}")  # companions of a corpus are not inputs
    return root


def test_extract_writes_the_contract(corpus: Path, tmp_path: Path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["extract", str(corpus), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "7 documents" in result.output

    docs = pd.read_parquet(out / "documents.parquet")
    for name, cols in CONTRACT.items():
        df = pd.read_parquet(out / f"{name}.parquet")
        assert set(cols) <= set(df.columns), name
        assert duckdb.sql(f"select count(*) from read_parquet('{out}/{name}.parquet/**')").fetchall()[0][
            0
        ] == len(df)

    by_name = {Path(s).name: row for s, row in zip(docs.source, docs.itertuples(), strict=True)}
    assert set(by_name) == {
        "seed.txt",
        "shanghai.htm",
        "empty.docx",
        "truncated.docx",
        "a_pdf_renamed.docx",
        "unknown.bin",
        "gbk.txt",
    }
    for name in ("empty.docx", "truncated.docx", "a_pdf_renamed.docx", "unknown.bin"):
        row = by_name[name]
        assert row.status == "failed", name
        assert row.error and "\n" not in row.error, name
    assert by_name["a_pdf_renamed.docx"].format == "pdf"  # by content, not by extension
    assert by_name["shanghai.htm"].format == "html"
    assert by_name["seed.txt"].status == "ok"
    assert by_name["gbk.txt"].status == "ok"
    assert by_name["seed.txt"].doc_id != by_name["gbk.txt"].doc_id  # sha256 of the bytes

    cells = pd.read_parquet(out / "cells.parquet")
    seed = cells[cells.doc_id == by_name["seed.txt"].doc_id]
    gbk = cells[cells.doc_id == by_name["gbk.txt"].doc_id]
    assert len(seed) == 200
    assert (
        seed.drop(columns=["doc_id"])
        .reset_index(drop=True)
        .equals(gbk.drop(columns=["doc_id"]).reset_index(drop=True))
    )
    schema = pyarrow.dataset.dataset(out / "documents.parquet").schema
    assert schema.field("year").type == pyarrow.int32()
    assert schema.field("published").type == pyarrow.date32()
    assert pyarrow.dataset.dataset(out / "sections.parquet").schema.field("section").type == pyarrow.int8()


def test_strict_exits_non_zero_on_failures(corpus: Path, tmp_path: Path):
    result = CliRunner().invoke(
        app,
        [
            "extract",
            str(corpus / "empty.docx"),
            str(corpus / "seed.txt"),
            "--out",
            str(tmp_path / "o"),
            "--strict",
        ],
    )
    assert result.exit_code == 1
    docs = pd.read_parquet(tmp_path / "o" / "documents.parquet")
    assert sorted(docs.status) == ["failed", "ok"]  # nothing already extracted is lost


def test_missing_path_is_a_clear_error(tmp_path: Path):
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert result.exit_code != 0
    assert not (tmp_path / "o" / "documents.parquet").exists()


def test_truncated_zip_is_a_corrupt_docx():
    from nianbao.normalize.pipeline import process

    data = _minimal_docx()
    for cut in (30, 700, len(data) - 10):
        report = process(data[:cut], "x.docx")
        assert report.status == "failed"
        assert report.format == "docx"
    bad_zip = io.BytesIO()
    with zipfile.ZipFile(bad_zip, "w") as z:
        z.writestr("word/document.xml", "<not xml")
    assert process(bad_zip.getvalue(), "y.docx").status == "failed"
