"""The convenience views (reports, requests, refusals, reviews_lawsuits, labels) on real datasets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import nianbao
from nianbao.corpus.codebook import harmonised_variables, variables
from nianbao.corpus.export import load, wide_frame
from nianbao.corpus.query import connect, run_query, views
from nianbao.corpus.views import DERIVED, REFUSAL_GROUPS, mentioned
from tests.test_export import real_dataset


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return real_dataset(tmp_path_factory)


@pytest.fixture(scope="module")
def synth_ds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated reports of both templates, some with an identity broken, extracted."""
    from nianbao.corpus.run import run_extract
    from nianbao.corpus.synth import generate

    root = tmp_path_factory.mktemp("views_synth")
    generate(10, root / "in", formats=["docx", "html", "txt"], template="mixed", error_rate=0.3, seed=7)
    run_extract([root / "in"], root / "out", jobs=1, narrative=False)
    return root / "out"


def _same(view: pd.Series, wide: pd.Series) -> bool:
    """Equal cell by cell, missing where the other is missing (dates compared as dates)."""
    vn, wn = view.isna().to_numpy(), pd.isna(wide).to_numpy()
    if not (vn == wn).all():
        return False
    a, b = view[~vn].tolist(), wide[~wn].tolist()
    if wide.name in ("published", "deadline"):
        a, b = [str(x)[:10] for x in a], [str(x)[:10] for x in b]
    return a == b


@pytest.mark.parametrize("which", ["real", "synth"])
def test_reports_is_the_wide_export_cell_for_cell(which: str, ds: Path, synth_ds: Path):
    path = ds if which == "real" else synth_ds
    con = connect(path)
    view = con.execute("select * from reports").df().set_index("doc_id").sort_index()
    wide = wide_frame(load(path)).set_index("doc_id").sort_index()
    assert list(view.columns) == list(wide.columns) and list(view.index) == list(wide.index)
    differ = [c for c in wide.columns if not _same(view[c], wide[c])]
    assert differ == []
    # counts are integers, blank cells stay missing (never 0)
    assert str(view["t3_granted_total"].dtype) == "Int64"
    cells = pd.read_parquet(path / "cells.parquet")
    blank = cells[(cells["table"] == "t3") & cells["value"].isna()]
    if len(blank):
        one = blank.iloc[0]
        name = next(
            v.name for v in variables().values() if (v.table, v.row, v.col) == (one.table, one.row, one.col)
        )
        assert pd.isna(view.loc[one.doc_id, name])


def test_reports_knows_a_real_report(ds: Path):
    con = connect(ds)
    row = con.execute(
        "select agency, level, kind, year, template, t3_processed_research, n_error "
        "from reports where agency = '沂源县科学技术局'"
    ).fetchall()
    assert row == [("沂源县科学技术局", "县", "department", 2024, "2021", 1, row[0][6])] and row[0][6] >= 3


def test_requests_is_table_three_with_chinese_labels(ds: Path):
    con = connect(ds)
    n_t3 = con.execute("select count(*) from cells where \"table\" = 't3'").fetchone()[0]
    assert con.execute("select count(*) from requests").fetchone()[0] == n_t3 > 0
    row = con.execute(
        "select row_zh, applicant_zh, value, raw from requests "
        "where agency = '沂源县科学技术局' and row = 'total_processed' and applicant = 'research'"
    ).fetchall()
    assert row == [("（七）总计", "法人或其他组织 科研机构", 1, "1")]
    assert con.execute("select distinct typeof(value) from requests").fetchall() == [("BIGINT",)]
    zh = con.execute("select distinct row_zh from requests where row = 'denied.state_secret'").fetchall()
    assert zh == [("（三）不予公开 1.属于国家秘密",)]


def test_refusals_are_the_reason_rows_beside_their_total(ds: Path):
    con = connect(ds)
    grps = {r[0] for r in con.execute("select distinct grp from refusals").fetchall()}
    assert grps == set(REFUSAL_GROUPS)
    n = con.execute("select count(*) from requests where grp in ('denied', 'unable', 'rejected')").fetchone()[
        0
    ]
    assert con.execute("select count(*) from refusals").fetchone()[0] == n
    wrong = con.execute(
        "select count(*) from refusals f join requests t on t.doc_id = f.doc_id "
        "and t.applicant = f.applicant and t.row = 'total_processed' "
        "where f.processed is distinct from t.value"
    ).fetchone()[0]
    assert wrong == 0
    # the reasons of 不予公开 add up to the harmonised sum where every reason is printed
    h = next(h for h in harmonised_variables() if h.name == "h_t3_den_total")
    sums = con.execute(
        "select f.doc_id, sum(f.value) as s, r.h_t3_den_total as h from refusals f "
        "join reports r using (doc_id) where f.grp = 'denied' and f.applicant = 'total' "
        "group by all having r.h_t3_den_total is not null"
    ).df()
    assert len(h.sums) == 8 and len(sums) and (sums["s"] == sums["h"]).all()


def test_reviews_lawsuits_one_row_per_report_and_proceeding(ds: Path):
    con = connect(ds)
    rl = con.execute("select * from reviews_lawsuits").df()
    t4 = pd.read_parquet(ds / "cells.parquet").query("table == 't4'")
    assert len(rl) == len(t4.assign(g=t4["col"].str.split(".").str[0]).groupby(["doc_id", "g"]))
    assert set(rl["proceeding_zh"]) <= {"行政复议", "行政诉讼/未经复议直接起诉", "行政诉讼/复议后起诉"}
    for r in t4.itertuples(index=False):
        g, o = r.col.split(".")
        got = rl[(rl["doc_id"] == r.doc_id) & (rl["proceeding"] == g)][o].iloc[0]
        assert (pd.isna(got) and pd.isna(r.value)) or got == r.value
    assert str(rl["corrected"].dtype) == "Int64"  # counts as integers, a blank still missing
    same = con.execute(
        "select count(*) from reviews_lawsuits l join reports r using (doc_id) "
        "where l.proceeding = 'review' and l.corrected is distinct from r.t4_review_corrected"
    ).fetchone()[0]
    assert same == 0


def test_labels_is_the_codebook(ds: Path):
    con = connect(ds)
    book = con.execute("select * from labels").df()
    assert len(book) == len(variables()) and book["variable"].is_unique
    row = book.set_index("variable").loc["t3_granted_total"]
    assert row["label_zh"] == "三、本年度办理结果 （一）予以公开/总计" and row["templates"] == "2021 2019"
    assert "h_t3_oth_total" in set(book["variable"])


def test_the_python_api_and_query_have_the_views(ds: Path):
    d = nianbao.open(ds)
    assert len(d.view("reports")) == len(d.documents)
    n = d.sql("select count(*) as n from requests")["n"].iloc[0]
    assert n == (d.cells["table"] == "t3").sum()
    with pytest.raises(ValueError, match="one of reports"):
        d.view("nope")
    result = run_query(ds, "select level, count(*) as n from reports group by 1 order by 1")
    assert result.columns == ["level", "n"] and result.rows >= 1
    assert set(DERIVED) <= set(d.connect().execute("select view_name from duckdb_views()").df()["view_name"])


def test_query_builds_only_the_views_it_names(ds: Path):
    assert mentioned("select * from reports r join labels using (variable)") == ["reports", "labels"]
    assert mentioned("select reports_x, a.reports from documents") == []
    con = connect(ds, derived=[])
    have = set(con.execute("select view_name from duckdb_views()").df()["view_name"])
    assert "reports" not in have and {"documents", "cells"} <= have
    assert not set(DERIVED) & set(views(ds))  # the base views are the folder's datasets only


def test_a_folder_without_findings_counts_none(ds: Path, tmp_path: Path):
    copy = tmp_path / "ds"
    shutil.copytree(ds, copy)
    shutil.rmtree(copy / "findings.parquet")
    rows = connect(copy).execute("select n_findings, n_error from reports").fetchall()
    assert rows and all(r == (0, 0) for r in rows)
