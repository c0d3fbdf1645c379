"""``nianbao report``: the self-contained HTML page, its data, and the page in a real browser."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from nianbao.corpus.cli import app
from nianbao.corpus.export import load, wide_frame
from nianbao.corpus.report_page import MIN_REQUESTS, _crop, build_data, render, write_report
from tests.browser import chromium
from tests.test_export import real_dataset

ARTIFACTS = Path(__file__).parent / "artifacts"
EVIL = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return real_dataset(tmp_path_factory)


@pytest.fixture(scope="module")
def data(ds: Path) -> dict:
    return build_data(ds)


def hostile(data: dict) -> dict:
    """The data with markup where documents put text: a body's name, a cell, a message."""
    doc = next(iter(data["cells"]))  # a report with cells
    next(d for d in data["docs"] if d["id"] == doc)["agency"] = "恶意机关" + EVIL
    data["cells"][doc][0][2] = EVIL  # the raw text of a cell
    data["findings"][0]["message"] = EVIL
    return data


def test_the_page_inlines_everything_and_escapes_document_text(data: dict):
    html = render(hostile(build_data_copy(data)))
    assert "__pwned" in html  # the text is there ...
    assert "<script>window.__pwned" not in html and "<img src=x" not in html  # ... never as markup
    # self-contained: no file or address is fetched when the page opens
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", html)
    assert "window.vegaEmbed" in html
    assert html.count("<script") == 3  # data, chart library, page


def build_data_copy(data: dict) -> dict:
    import copy

    return copy.deepcopy(data)


def test_page_data_matches_the_dataset(ds: Path, data: dict):
    wide = wide_frame(load(ds)).set_index("doc_id")
    assert {d["id"] for d in data["docs"]} == set(wide.index)
    for d in data["docs"]:
        w = wide.loc[d["id"]]
        assert d["requests"] == (None if pd.isna(w["t3_new_total"]) else int(w["t3_new_total"]))
        assert d["on_time"] == (None if pd.isna(w["on_time"]) else bool(w["on_time"]))
    findings = pd.read_parquet(ds / "findings.parquet")
    assert len(data["findings"]) == len(findings)
    balance = next(f for f in data["findings"] if f["rule"] == "t3.balance")
    assert balance["where"] == "L335" and balance["raw"] == "1"  # the 科研机构 total printed as 1
    undated = next(f for f in data["findings"] if f["rule"] == "date.missing")
    assert undated["where"] is None  # a finding about the whole report has no place
    n_cells = sum(len(v) for v in data["cells"].values())
    assert n_cells == len(pd.read_parquet(ds / "cells.parquet"))


def test_a_pdf_cell_is_cropped_from_the_page(ds: Path):
    cells = pd.read_parquet(ds / "cells.parquet")
    docs = pd.read_parquet(ds / "documents.parquet")
    pdf = docs[docs["format"] == "pdf"].iloc[0]
    cell = cells[(cells["doc_id"] == pdf["doc_id"]) & cells["prov"].str.contains("bbox", na=False)].iloc[0]
    uri = _crop(pdf["source"], cell["prov"], {})
    assert uri and uri.startswith("data:image/png;base64,")
    from base64 import b64decode

    from PIL import Image

    img = Image.open(io.BytesIO(b64decode(uri.split(",", 1)[1])))
    assert 10 < img.width < 1200 and 10 < img.height < 300  # a cell, not a page
    assert _crop("/no/such.pdf", cell["prov"], {}) is None
    assert _crop(pdf["source"], "L12", {}) is None


def test_write_report_refuses_bad_destinations(ds: Path, tmp_path: Path):
    runner = CliRunner()
    bad = runner.invoke(app, ["report", str(ds), "--out", str(tmp_path / "nope" / "r.html")])
    assert bad.exit_code == 2 and "create it first" in bad.output
    empty = tmp_path / "empty"
    empty.mkdir()
    none = runner.invoke(app, ["report", str(empty), "--out", str(tmp_path / "r.html")])
    assert none.exit_code == 2 and "no documents dataset" in none.output
    with pytest.raises(Exception, match=r"must end in \.html"):
        write_report(ds, tmp_path / "r.pdf")


def test_the_page_in_a_real_browser(ds: Path, data: dict, tmp_path: Path):
    """Renders without console errors, charts draw, filters change the table, the CSV is
    the dataset, markup from a document stays text, the English toggle works."""
    path, why = chromium()
    if path is None:
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "report.html"
    page_file.write_text(render(hostile(build_data_copy(data))), "utf-8")
    wide = wide_frame(load(ds))
    findings = pd.read_parquet(ds / "findings.parquet")
    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(page_file.as_uri())
            page.evaluate("window.__chartsReady")

            # the charts drew marks
            drawn = page.evaluate(
                "[...document.querySelectorAll('.chart')].map(c => [c.id,"
                " c.querySelectorAll('svg .mark-rect path, svg .mark-line path, svg .mark-symbol path').length])"
            )
            assert len(drawn) >= 8 and all(n > 0 for _, n in drawn), drawn
            page.screenshot(path=str(ARTIFACTS / "report-overview.png"), full_page=True)

            # compliance: one row per report; the CSV is the dataset
            page.click("#tab-compliance")
            rows = int(page.get_attribute("#table-reports", "data-rows"))
            assert rows == len(wide)
            assert str(MIN_REQUESTS) in page.inner_text("#ranking-rule")
            with page.expect_download() as dl:
                page.click("button.csv[data-table=reports]")
            csv = pd.read_csv(dl.value.path(), encoding="utf-8-sig", dtype={"doc_id": str})
            assert len(csv) == len(wide) and set(csv["doc_id"]) == set(wide["doc_id"])
            merged = csv.merge(wide, on="doc_id", suffixes=("", "_w"))
            assert (
                merged["days_late"].fillna(-9999) == merged["days_late_w"].astype("float").fillna(-9999)
            ).all()
            assert (merged["year"] == merged["year_w"]).all()

            # a filter changes the table, and the CSV follows it
            year = int(wide["year"].mode().iloc[0])
            page.select_option("#filter-year", str(year))
            want = int((wide["year"] == year).sum())
            assert want < len(wide)
            assert int(page.get_attribute("#table-reports", "data-rows")) == want
            with page.expect_download() as dl:
                page.click("button.csv[data-table=reports]")
            assert len(pd.read_csv(dl.value.path(), encoding="utf-8-sig")) == want
            page.select_option("#filter-year", "")

            # findings of one rule: the table and its CSV are that rule's findings
            page.click("#tab-findings")
            page.select_option("#filter-rule", "t3.balance")
            with page.expect_download() as dl:
                page.click("button.csv[data-table=findings]")
            got = pd.read_csv(dl.value.path(), encoding="utf-8-sig")
            want_f = findings[findings["rule"] == "t3.balance"]
            assert sorted(got["finding_id"]) == sorted(want_f["finding_id"])
            assert set(got["where"]) == {"L335"}
            page.select_option("#filter-rule", "")

            # markup from documents stays text
            assert page.evaluate("window.__pwned") is None
            page.click("#tab-bodies")
            page.click("a.body-link:has-text('恶意机关')")
            assert EVIL in page.inner_text("#body-title")
            assert page.locator("#view script, #view img:not(.crop)").count() == 0
            assert EVIL in page.inner_text("#table-body-cells")

            # English
            page.click("#lang-toggle")
            assert page.inner_text("#tab-overview") == "Overview"
            page.click("#tab-overview")
            page.evaluate("window.__chartsReady")
            page.screenshot(path=str(ARTIFACTS / "report-overview-en.png"), full_page=True)
            assert page.evaluate("window.__pwned") is None
        finally:
            browser.close()
    assert not errors, errors
    assert (ARTIFACTS / "report-overview.png").stat().st_size > 10_000
