"""``nianbao export``: wide and long forms, codebooks, and each file format read back."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from nianbao.corpus.cli import app
from nianbao.corpus.codebook import by_key, cell_variables, harmonised_variables, variables
from nianbao.corpus.export import ExportError, export, load, long_frame, wide_frame
from tests.conftest import REAL

_DATASET: dict[str, Path] = {}


def real_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled real reports extracted once per test session (shared by the export,
    API and report-page tests; each copies it before changing anything)."""
    if "real" not in _DATASET:
        from nianbao.corpus.run import run_extract

        out = tmp_path_factory.mktemp("real_ds") / "ds"
        run_extract([REAL], out, jobs=1, narrative=False)
        _DATASET["real"] = out
    return _DATASET["real"]


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return real_dataset(tmp_path_factory)


@pytest.fixture(scope="module")
def wide(ds: Path) -> pd.DataFrame:
    return wide_frame(load(ds))


def test_every_name_is_short_unique_and_valid_for_stata():
    names = [v.name for v in variables().values()]
    assert len(names) == len(set(names))
    for n in names:
        assert len(n) <= 32 and n.isidentifier() and n.isascii(), n
    # one variable per (table, row, col) key of both templates, and back
    keys = by_key()
    assert len(keys) == len(cell_variables())
    assert variables()["t3_granted_total"].row == "granted"
    assert variables()["t4_review_corrected"].col == "review.corrected"


def test_the_wide_table_holds_every_cell_of_the_long_table(ds: Path, wide: pd.DataFrame):
    data = load(ds)
    cells = data.cells
    assert len(wide) == data.documents["doc_id"].nunique() == len(pd.read_parquet(ds / "documents.parquet"))
    indexed = wide.set_index("doc_id")
    keys = by_key()
    checked = 0
    for doc, t, r, c, v in cells[["doc_id", "table", "row", "col", "value"]].itertuples(index=False):
        got = indexed.at[doc, keys[(t, r, c)].name]
        if pd.isna(v):
            assert pd.isna(got), (doc, t, r, c)  # blank stays missing, never 0
        else:
            assert got == v, (doc, t, r, c)
        checked += 1
    assert checked == len(cells) > 500
    # and nothing else: a wide cell with a value has its long row
    n_values = int(indexed[[v.name for v in cell_variables()]].notna().sum().sum())
    assert n_values == int(cells["value"].notna().sum())


def test_counts_are_integers_and_metadata_is_there(wide: pd.DataFrame):
    assert str(wide["t3_new_total"].dtype) == "Int64"
    for col in ("agency", "unit_key", "level", "kind", "province", "year", "template", "status"):
        assert col in wide.columns
    yiyuan = wide[wide["agency"].str.contains("沂源", na=False)].iloc[0]
    assert yiyuan["level"] == "县" and yiyuan["kind"] == "department"
    assert yiyuan["deadline"].isoformat() == f"{int(yiyuan['year']) + 1}-01-31"
    assert yiyuan["n_error"] >= 1  # its 科研机构 total breaks three identities
    assert int(yiyuan["n_findings"]) == int(yiyuan["n_error"] + yiyuan["n_warning"] + yiyuan["n_info"])


def test_harmonised_other_row_sums_what_it_says(wide: pd.DataFrame):
    h = next(v for v in harmonised_variables() if v.name == "h_t3_oth_total")
    assert h.sums == ("t3_oth_total", "t3_oth_nocorrect_total", "t3_oth_nofee_total", "t3_oth_other_total")
    for _, r in wide.iterrows():
        if r["template"] == "2021":
            parts = [r["t3_oth_nocorrect_total"], r["t3_oth_nofee_total"], r["t3_oth_other_total"]]
            want = pd.NA if any(pd.isna(p) for p in parts) else sum(parts)
        elif r["template"] == "2019":
            want = r["t3_oth_total"]
        else:
            want = pd.NA
        assert (pd.isna(want) and pd.isna(r["h_t3_oth_total"])) or want == r["h_t3_oth_total"]
    assert wide["h_t3_oth_total"].notna().any()


def test_xlsx_has_the_data_and_the_codebook(ds: Path, tmp_path: Path):
    rows, files = export(ds, tmp_path / "r.xlsx", wide=True, lang="zh")
    assert files == [tmp_path / "r.xlsx"]
    wb = openpyxl.load_workbook(tmp_path / "r.xlsx", read_only=True)
    assert wb.sheetnames == ["reports", "codebook"]
    header = [c.value for c in next(wb["reports"].iter_rows(max_row=1))]
    assert header[0] == "doc_id" and "t3_granted_total" in header
    assert wb["reports"].max_row == rows + 1
    book = pd.read_excel(tmp_path / "r.xlsx", sheet_name="codebook")
    row = book.set_index("variable").loc["t3_den_secret_person"]
    assert row["label"] == "（三）不予公开 1.属于国家秘密/自然人"
    assert row["templates"] == "2021 2019" and "t3.outcome_sum" in row["identity_role"]
    assert set(book["variable"]) == set(header)
    back = pd.read_excel(tmp_path / "r.xlsx", sheet_name="reports")
    assert back["agency"].str.contains("沂源县科学技术局").any()


def test_dta_keeps_variable_and_value_labels_in_both_languages(ds: Path, wide: pd.DataFrame, tmp_path: Path):
    export(ds, tmp_path / "zh.dta", wide=True, lang="zh")
    export(ds, tmp_path / "en.dta", wide=True, lang="en")
    with pd.io.stata.StataReader(tmp_path / "zh.dta") as rd:
        back = rd.read()
        labels, values = rd.variable_labels(), rd.value_labels()
    assert labels["t3_granted_total"] == "三、本年度办理结果 （一）予以公开/总计"
    assert set(values["level"].values()) >= {"国务院部门", "县级"}
    assert sorted(back["doc_id"]) == sorted(wide["doc_id"])
    assert list(back["year"]) == sorted(back["year"])  # rows by year, body, doc_id
    wide = wide.set_index("doc_id").loc[list(back["doc_id"])].reset_index()
    assert back["agency"].str.contains("沂源县科学技术局").any()
    # a blank stays missing in Stata too
    missing = wide["t3_new_total"].isna()
    assert list(back["t3_new_total"].isna()) == list(missing)
    assert (back.loc[~missing, "t3_new_total"].astype(int) == wide.loc[~missing, "t3_new_total"]).all()
    with pd.io.stata.StataReader(tmp_path / "en.dta") as rd:
        rd.read()
        assert rd.variable_labels()["t3_granted_total"] == "outcome: disclosed in full: all applicants"
        assert "county" in rd.value_labels()["level"].values()


def test_csv_opens_in_excel_and_keeps_chinese(ds: Path, tmp_path: Path):
    rows, files = export(ds, tmp_path / "cells.csv", lang="en")
    assert [f.name for f in files] == ["cells.csv", "cells.codebook.csv", "cells.codebook.md"]
    assert (tmp_path / "cells.csv").read_bytes()[:3] == b"\xef\xbb\xbf"  # BOM: Excel reads UTF-8
    back = pd.read_csv(tmp_path / "cells.csv", encoding="utf-8-sig")
    assert len(back) == rows == len(pd.read_parquet(ds / "cells.parquet"))
    assert back["agency"].str.contains("沂源县科学技术局").any()
    blank = back["raw"].isna()  # printed empty: its value stays empty, never 0
    assert blank.sum() > 10 and back.loc[blank, "value"].isna().all()
    book = pd.read_csv(tmp_path / "cells.codebook.csv", encoding="utf-8-sig")
    assert set(book["variable"]) == set(back.columns)
    assert "| `prov` |" in (tmp_path / "cells.codebook.md").read_text("utf-8")


def test_parquet_long_form(ds: Path, tmp_path: Path):
    export(ds, tmp_path / "l.parquet")
    back = pd.read_parquet(tmp_path / "l.parquet")
    assert {"variable", "label", "value", "raw", "prov", "agency", "year"} <= set(back.columns)
    assert (
        back["variable"] == back.apply(lambda r: by_key()[(r["table"], r["row"], r["col"])].name, axis=1)
    ).all()


def test_destination_rules(ds: Path, tmp_path: Path):
    export(ds, tmp_path / "a.csv")
    with pytest.raises(ExportError, match="--force"):
        export(ds, tmp_path / "a.csv")
    (tmp_path / "b.csv").unlink(missing_ok=True)
    (tmp_path / "b.codebook.md").write_text("mine")
    with pytest.raises(ExportError, match=r"b\.codebook\.md exists"):
        export(ds, tmp_path / "b.csv")
    export(ds, tmp_path / "a.csv", force=True)
    with pytest.raises(ExportError, match="create it first"):
        export(ds, tmp_path / "missing" / "a.csv")
    with pytest.raises(ExportError, match="must end in"):
        export(ds, tmp_path / "a.json")


def test_cli_says_what_is_wrong_in_one_line(ds: Path, tmp_path: Path):
    runner = CliRunner()
    ok = runner.invoke(app, ["export", str(ds), "--to", str(tmp_path / "w.dta"), "--wide", "--lang", "en"])
    assert ok.exit_code == 0, ok.output
    again = runner.invoke(app, ["export", str(ds), "--to", str(tmp_path / "w.dta")])
    assert again.exit_code == 2 and "pass --force" in again.output and "Traceback" not in again.output
    empty = tmp_path / "empty"
    empty.mkdir()
    none = runner.invoke(app, ["export", str(empty), "--to", str(tmp_path / "x.csv")])
    assert none.exit_code == 2 and "no documents dataset" in none.output


def test_long_labels_follow_the_language(ds: Path, tmp_path: Path):
    data = load(ds)
    zh, en = long_frame(data, "zh"), long_frame(data, "en")
    row = zh[(zh["table"] == "t4") & (zh["col"] == "review.corrected")].iloc[0]
    assert row["label"] == "行政复议/结果纠正"
    assert en.loc[row.name, "label"] == "administrative reconsideration: corrected"
    copy = tmp_path / "copy"
    shutil.copytree(ds, copy)
    shutil.rmtree(copy / "findings.parquet")  # findings are optional: counts are 0
    assert (wide_frame(load(copy))["n_findings"] == 0).all()


def test_townships_and_the_canonical_report_are_columns(tmp_path: Path):
    """A body's township and its 9-digit code, and which of a body's reports for a year counts."""
    from nianbao.corpus.export import report_meta

    docs = pd.DataFrame(
        {
            "doc_id": ["a", "b"],
            "source": ["a.txt", "b.txt"],
            "format": ["txt", "txt"],
            "status": ["ok", "ok"],
            "agency": ["沂源县南麻街道办事处", "城关镇人民政府"],
            "year": [2024, 2024],
            "template": ["2021", "2021"],
            "published": [None, None],
        }
    )
    meta = report_meta(docs, pd.DataFrame(columns=["doc_id", "severity"])).set_index("doc_id")
    assert (meta.at["a", "township"], meta.at["a", "township_code"]) == ("南麻街道", "370323002")
    assert meta.at["a", "division"] == "370323" and meta.at["a", "county"] == "沂源县"
    assert meta.at["b", "township"] == "城关镇" and pd.isna(meta.at["b", "township_code"])  # 82 of that name
    assert meta["canonical"].isna().all()  # a dataset without the column: unknown, not True

    # the same report found twice (its bytes differ): one of the two counts
    from nianbao.corpus.run import run_extract

    src = tmp_path / "in"
    src.mkdir()
    text = (REAL / "2024_yiyuan_kejiju.txt").read_bytes()
    (src / "a.txt").write_bytes(text)
    (src / "b.txt").write_bytes(text + "\n（本页无正文）\n".encode())
    run_extract([src], tmp_path / "out", jobs=1, narrative=False)
    wide = wide_frame(load(tmp_path / "out"))
    assert sorted(wide["canonical"].tolist()) == [False, True]
    export(tmp_path / "out", tmp_path / "w.dta", wide=True)
    back = pd.read_stata(tmp_path / "w.dta")
    assert sorted(back["canonical"].tolist()) == [0, 1]


def test_amounts_keep_the_unit_they_were_printed_in(ds: Path, wide: pd.DataFrame, tmp_path: Path):
    """An amount is never converted; beside it, the unit the report printed (元 or 万元)."""
    from nianbao.corpus.codebook import printed_unit, unit_variables

    assert [u.name for u in unit_variables()] == ["t2_fee_amount_wan_unit", "t2_procure_amount_unit"]
    assert printed_unit("251000元", "") == "元" and printed_unit("25.1万", "") == "万元"
    assert printed_unit("3 万元\u3000", "") == "万元" and printed_unit("0.35", "万元") == "万元"
    assert printed_unit("0.35", "") is None  # 2019 采购总金额: the header names no unit
    cols = list(wide.columns)
    assert cols.index("t2_procure_amount_unit") == cols.index("t2_procure_amount") + 1
    shanghai = wide[wide["agency"] == "上海市人民政府办公厅"].iloc[0]
    assert shanghai["t2_procure_amount"] == 251000 and shanghai["t2_procure_amount_unit"] == "元"
    fees = wide[wide["t2_fee_amount_wan"].notna()]
    assert len(fees) and (fees["t2_fee_amount_wan_unit"] == "万元").all()  # the header's 万元
    assert wide.loc[wide["t2_fee_amount_wan"].isna(), "t2_fee_amount_wan_unit"].isna().all()
    export(ds, tmp_path / "u.dta", wide=True, lang="en")
    with pd.io.stata.StataReader(tmp_path / "u.dta") as rd:
        back = rd.read()
        assert set(rd.value_labels()["t2_procure_amount_unit"].values()) >= {"yuan", "10,000 yuan"}
    assert back.loc[back["agency"] == "上海市人民政府办公厅", "t2_procure_amount_unit"].iloc[0] == "yuan"


def test_the_wide_file_is_the_wide_table_cell_for_cell(ds: Path, wide: pd.DataFrame, tmp_path: Path):
    """export --wide reads the reports view (DuckDB); the file equals wide_frame, dtypes included."""
    from nianbao.corpus.export import wide_table

    fast = wide_table(ds)
    assert list(fast.columns) == list(wide.columns)
    assert [str(t) for t in fast.dtypes] == [str(t) for t in wide.dtypes]
    export(ds, tmp_path / "w.parquet", wide=True)
    back = pd.read_parquet(tmp_path / "w.parquet").set_index("doc_id").sort_index()
    ref = wide.set_index("doc_id").sort_index()
    assert list(back.index) == list(ref.index)
    for col in ref.columns:
        a, b = back[col], ref[col]
        assert list(a.isna()) == list(b.isna()), col
        assert a[a.notna()].tolist() == b[b.notna()].tolist(), col
