"""Findings with stable ids, kept together across extract and check, and reviewed:
decisions that survive re-runs, a resolved status, and the spreadsheet round trip."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from nianbao.corpus.check import run_check
from nianbao.corpus.cli import app
from nianbao.corpus.review import ReviewError, decide, export_sheet, import_sheet, list_findings, read_reviews
from nianbao.corpus.run import run_extract
from tests.conftest import REAL

SEED = "2024_yiyuan_kejiju.txt"


def make_inputs(root: Path) -> Path:
    """Two bodies whose 2024 reports share their narrative (copy.same_year both ways), and
    one more report of another body."""
    root.mkdir(parents=True)
    text = (REAL / SEED).read_text("utf-8")
    (root / SEED).write_text(text, "utf-8")
    (root / "copy.txt").write_text(text.replace("沂源县科学技术局", "沂源县教育局"), "utf-8")
    shutil.copy(REAL / "2022_pingtan_gwh.txt", root)
    return root


def findings(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "findings.parquet")


def ids(out: Path) -> set[str]:
    return set(findings(out)["finding_id"])


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    inputs = make_inputs(tmp_path / "in")
    out = tmp_path / "ds"
    run_extract([inputs], out, jobs=1, narrative=False)
    return out


def copy_finding(out: Path) -> str:
    f = findings(out)
    return (
        f[(f["rule"] == "copy.same_year") & (f["message"].str.contains("沂源县科学技术局"))]
        .iloc[0]
        .finding_id
    )


def test_finding_ids_are_unique_and_the_same_after_check_and_force(dataset: Path):
    f = findings(dataset)
    assert f["finding_id"].is_unique and f["finding_id"].str.fullmatch("[0-9a-f]{16}").all()
    assert set(f["scope"]) == {"report", "corpus"}
    assert (f[f["scope"] == "corpus"]["rule"] == "copy.same_year").sum() == 2
    before = ids(dataset)
    run_check(dataset)
    assert ids(dataset) == before  # check keeps one table with the same ids
    run_extract([dataset.parent / "in"], dataset, jobs=1, narrative=False, force=True)
    assert ids(dataset) == before


def test_an_extract_keeps_what_check_wrote_and_n_findings_counts_both(dataset: Path):
    run_check(dataset)
    corpus_ids = set(findings(dataset).query("scope == 'corpus'")["finding_id"])
    more = dataset.parent / "more"
    more.mkdir()
    shutil.copy(REAL / "2021_pingtan_gwh.txt", more)
    assert run_extract([more], dataset, jobs=1, narrative=False).documents == 1
    assert corpus_ids <= set(findings(dataset).query("scope == 'corpus'")["finding_id"])
    docs = pd.read_parquet(dataset / "documents.parquet").set_index("doc_id")
    counts = findings(dataset).groupby("doc_id").size()
    assert (docs["n_findings"] == counts.reindex(docs.index, fill_value=0)).all()
    assert (docs["n_findings"] > docs["n_findings_report"]).sum() == 2  # the two copies


def test_review_lists_and_filters_open_findings(dataset: Path):
    every = list_findings(dataset)
    assert len(every) == len(findings(dataset)) and set(every["status"]) == {"open"}
    assert list(every["severity"]) == sorted(every["severity"], key=["error", "warning", "info"].index)
    copies = list_findings(dataset, rule="copy")
    assert set(copies["rule"]) == {"copy.same_year"} and len(copies) == 2
    body = list_findings(dataset, agency="教育局")
    assert len(body) > 0 and (body["agency"] == "沂源县教育局").all()
    assert len(body) < len(every)
    assert set(list_findings(dataset, year=2024)["year"]) == {2024}
    assert set(list_findings(dataset, severity="warning")["severity"]) == {"warning"}
    assert len(list_findings(dataset, year=1999)) == 0


def test_a_decision_survives_extract_check_extract(dataset: Path, tmp_path: Path):
    fid = copy_finding(dataset)
    done = decide(dataset, [fid[:8]], "confirm", note="text copied from 沂源县科学技术局", by="ann")
    assert done.recorded == [fid]
    run_extract([tmp_path / "in"], dataset, jobs=1, narrative=False, force=True)
    run_check(dataset)
    shutil.copy(REAL / "2021_pingtan_gwh.txt", tmp_path / "in")
    run_extract([tmp_path / "in"], dataset, jobs=1, narrative=False)
    row = list_findings(dataset, status="confirmed")
    assert list(row["finding_id"]) == [fid] and row.iloc[0]["by"] == "ann"
    assert fid not in set(list_findings(dataset)["finding_id"])  # no longer open
    r = read_reviews(dataset)
    assert len(r) == 1 and r.iloc[0]["at"].tzinfo is not None and r.iloc[0]["rule"] == "copy.same_year"


def test_conflicts_and_unknown_ids_are_refused_and_nothing_is_written(dataset: Path):
    fid = copy_finding(dataset)
    other = list_findings(dataset, rule="date")["finding_id"].iloc[0]
    decide(dataset, [fid], "dismiss", by="bo")
    with pytest.raises(ReviewError, match=r"already dismissed .*reopen it first"):
        decide(dataset, [other, fid], "confirm")
    with pytest.raises(ReviewError, match="unknown finding id 'ffffffffff'"):
        decide(dataset, [other, "ffffffffff"], "confirm")
    assert len(read_reviews(dataset)) == 1  # all or nothing: ``other`` was not confirmed either
    assert decide(dataset, [fid], "dismiss").unchanged == [fid]  # the same again: nothing recorded
    decide(dataset, [fid], "reopen", note="second look")
    assert decide(dataset, [fid], "confirm").recorded == [fid]
    assert list(read_reviews(dataset)["decision"]) == ["dismiss", "reopen", "confirm"]


def test_a_finding_gone_after_a_fix_is_resolved_with_its_history(dataset: Path, tmp_path: Path):
    fid = copy_finding(dataset)
    decide(dataset, [fid], "confirm", note="copied", by="ann")
    # The copy is replaced by the body's own text: the copy findings are no longer found.
    (tmp_path / "in" / "copy.txt").write_text(
        (REAL / "2021_pingtan_gwh.txt").read_text("utf-8").replace("平潭", "沂源县教育局"), "utf-8"
    )
    run_extract([tmp_path / "in"], dataset, jobs=1, narrative=False)
    assert fid not in ids(dataset)
    resolved = list_findings(dataset, status="resolved")
    assert list(resolved["finding_id"]) == [fid]
    assert resolved.iloc[0]["rule"] == "copy.same_year" and resolved.iloc[0]["note"] == "copied"
    with pytest.raises(ReviewError, match="resolved"):
        decide(dataset, [fid], "dismiss")


def _fill(sheet: Path, decisions: dict[str, tuple[str, str]]) -> None:
    wb = load_workbook(sheet)
    ws = wb["findings"]
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) + 1 for name in ("finding_id", "decision", "note", "by")}
    for r in range(2, ws.max_row + 1):
        fid = ws.cell(r, col["finding_id"]).value
        if fid in decisions:
            ws.cell(r, col["decision"]).value, ws.cell(r, col["note"]).value = decisions[fid]
            ws.cell(r, col["by"]).value = "team"
    wb.save(sheet)


def test_spreadsheet_round_trip(dataset: Path, tmp_path: Path):
    sheet = tmp_path / "reviews.xlsx"
    assert export_sheet(dataset, sheet) == len(findings(dataset))
    fid = copy_finding(dataset)
    date = list_findings(dataset, rule="date")["finding_id"].iloc[0]
    _fill(sheet, {fid: ("confirm", "copied text"), date: ("dismissed", "dated in the heading only")})
    done = import_sheet(dataset, sheet)
    assert sorted(done.recorded) == sorted([fid, date])
    assert set(list_findings(dataset, status="confirmed")["finding_id"]) == {fid}
    assert set(list_findings(dataset, status="dismissed")["finding_id"]) == {date}
    assert set(read_reviews(dataset)["by"]) == {"team"}
    assert import_sheet(dataset, sheet).recorded == []  # the same sheet again: nothing new

    # Exported again, the sheet shows the decisions; a change made in it is taken.
    export_sheet(dataset, sheet)
    rows = {r[0].value: [c.value for c in r] for r in load_workbook(sheet)["findings"].iter_rows(min_row=2)}
    assert rows[fid][1:4] == ["confirmed", "confirm", "copied text"]
    _fill(sheet, {date: ("confirm", "on second thought")})
    assert import_sheet(dataset, sheet).recorded == [date]


def test_spreadsheet_conflicts_are_refused(dataset: Path, tmp_path: Path):
    sheet = tmp_path / "reviews.xlsx"
    export_sheet(dataset, sheet)
    fid = copy_finding(dataset)
    decide(dataset, [fid], "dismiss", by="bo")  # someone else, after the export
    _fill(sheet, {fid: ("confirm", "")})
    with pytest.raises(
        ReviewError, match=f"row \\d+: finding {fid} was dismissed by bo at .* after this sheet"
    ):
        import_sheet(dataset, sheet)
    _fill(sheet, {fid: ("dismiss", "")})  # agreeing with them is no conflict
    assert import_sheet(dataset, sheet).recorded == []

    wb = load_workbook(sheet)
    wb["findings"].cell(2, 1).value = "0123456789abcdef"
    wb["findings"].cell(2, 3).value = "confirm"
    wb.save(sheet)
    with pytest.raises(ReviewError, match="row 2: unknown finding id '0123456789abcdef'"):
        import_sheet(dataset, sheet)
    assert list(read_reviews(dataset)["by"]) == ["bo"]


def test_cli_review(dataset: Path, tmp_path: Path):
    runner = CliRunner()
    fid = copy_finding(dataset)
    result = runner.invoke(app, ["review", str(dataset), "--rule", "copy"], terminal_width=200)
    assert result.exit_code == 0 and fid in result.output and "2 open findings" in result.output
    result = runner.invoke(app, ["review", str(dataset), "confirm", fid, "--note", "copied", "--by", "ann"])
    assert result.exit_code == 0 and f"{fid} confirmed" in result.output
    result = runner.invoke(app, ["review", str(dataset), "dismiss", fid])
    assert result.exit_code == 2 and "reopen it first" in result.output
    assert len(result.output.strip().splitlines()) <= 2  # one line (wrapped at most once)
    result = runner.invoke(app, ["review", str(dataset), "dismiss", "nosuchid"])
    assert result.exit_code == 2 and "unknown finding id" in result.output
    sheet = tmp_path / "r.xlsx"
    result = runner.invoke(app, ["review", str(dataset), "export", str(sheet)])
    assert result.exit_code == 0 and sheet.exists()
    result = runner.invoke(app, ["review", str(dataset), "import", str(sheet)])
    assert result.exit_code == 0 and "0 decisions recorded" in result.output
    result = runner.invoke(app, ["review", str(dataset), "--status", "confirmed"], terminal_width=200)
    assert fid in result.output and "1 confirmed findings" in result.output
