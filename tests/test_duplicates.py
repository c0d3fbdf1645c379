"""Two reports for one body and year: a finding naming both, and exactly one canonical."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from nianbao.corpus.check import run_check
from nianbao.corpus.run import run_extract
from nianbao.normalize.rules import RULES
from nianbao.normalize.versions import canonical_flags, is_correction

REAL = Path(__file__).parent / "fixtures" / "real" / "2024_yiyuan_kejiju.txt"
TEXT = REAL.read_text("utf-8")


def docs(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "documents.parquet").set_index("source")


def duplicates(out: Path) -> pd.DataFrame:
    f = pd.read_parquet(out / "findings.parquet")
    return f[f["rule"] == "duplicate.report"]


def test_the_rule_is_registered() -> None:
    assert RULES["duplicate.report"].severity == "warning"


def test_ranking_rules() -> None:
    base = {"agency": "沂源县科学技术局", "year": 2024, "status": "ok", "n_sections": 6, "n_cells": 90}
    rows = [
        {**base, "doc_id": "a", "published": "2025-01-10"},
        {**base, "doc_id": "b", "published": "2025-01-20"},  # later
        {**base, "doc_id": "c", "published": "2025-02-01", "status": "partial", "n_sections": 5},
        {**base, "doc_id": "d", "agency": "沂源县 科技局", "published": None},  # the same body
        {**base, "doc_id": "e", "year": 2023},  # another year: alone
        {**base, "doc_id": "f", "agency": None},  # no body: alone
    ]
    assert canonical_flags(rows) == {"a": False, "b": True, "c": False, "d": False, "e": True, "f": True}
    fixed = {
        **base,
        "doc_id": "z",
        "published": "2025-01-01",
        "status": "partial",
        "source": "x/报告（更正版）.pdf",
    }
    assert is_correction(fixed) and not is_correction({"source": "修订/report.pdf"})
    assert canonical_flags([*rows, fixed])["z"] is True
    fetched = [
        {**base, "doc_id": "p", "published": "2025-01-10", "fetched_at": "2025-03-01T00:00:00"},
        {**base, "doc_id": "q", "published": "2025-01-10", "fetched_at": "2025-04-01T00:00:00"},
    ]
    assert canonical_flags(fetched) == {"p": False, "q": True}


@pytest.fixture
def two_files(tmp_path: Path) -> tuple[Path, Path]:
    """The same body and year twice: the report, and a shorter copy without part 六 dated earlier."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "yiyuan_full.txt").write_text(TEXT, "utf-8")
    cut = TEXT.index("六、其他需要报告的事项") if "六、其他需要报告的事项" in TEXT else len(TEXT) // 2
    (src / "yiyuan_short.txt").write_text(TEXT[:cut] + "\n2024年12月1日\n", "utf-8")
    return src, tmp_path / "out"


def test_two_files_one_body_and_year(two_files: tuple[Path, Path]) -> None:
    src, out = two_files
    run_extract([src], out, jobs=1, narrative=False)
    d = docs(out)
    full, short = str(src / "yiyuan_full.txt"), str(src / "yiyuan_short.txt")
    assert d.loc[[full, short], "agency"].tolist() == ["沂源县科学技术局"] * 2
    assert d.loc[full, "canonical"] and not d.loc[short, "canonical"]
    f = duplicates(out)
    ids = {full: d.loc[full, "doc_id"], short: d.loc[short, "doc_id"]}
    assert sorted(zip(f["doc_id"], f["other_doc_id"], strict=True)) == sorted(
        [(ids[full], ids[short]), (ids[short], ids[full])]
    )
    assert all("canonical: " + ids[full][:12] in m for m in f["message"])
    assert f["finding_id"].notna().all() and (f["scope"] == "corpus").all()
    # check recomputes the same findings and keeps the choice
    run_check(out)
    assert sorted(duplicates(out)["finding_id"]) == sorted(f["finding_id"])
    assert docs(out)["canonical"].sum() == 1


def test_a_corrected_issue_is_canonical(two_files: tuple[Path, Path]) -> None:
    src, out = two_files
    run_extract([src], out, jobs=1, narrative=False)
    fixed = src / "沂源县科学技术局2024年政府信息公开工作年度报告（更正版）.txt"
    fixed.write_text(TEXT.replace("2024年12月22日", "2024年12月20日"), "utf-8")
    run_extract([src], out, jobs=1, narrative=False)
    d = docs(out)
    assert d["canonical"].sum() == 1 and bool(d.loc[str(fixed), "canonical"])
    f = duplicates(out)
    assert len(f) == 6  # three reports, each naming the two others
    fixed_id = d.loc[str(fixed), "doc_id"]
    assert all(
        f"canonical: {fixed_id[:12]} (it is the corrected issue)" in m
        for m in f[f["doc_id"] == fixed_id]["message"]
    )
    # pruned away again, the next best takes over and the findings go
    fixed.unlink()
    (src / "yiyuan_short.txt").unlink()
    run_extract([src], out, jobs=1, narrative=False, prune=True)
    d = docs(out)
    assert d["canonical"].tolist() == [True] and duplicates(out).empty


def test_a_corrected_title_is_read(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(TEXT, "utf-8")
    lines = TEXT.split("\n")
    at = next(i for i, line in enumerate(lines) if "年度报告" in line)
    lines[at] = lines[at].rstrip() + "（修订版）"
    (src / "b.txt").write_text("\n".join(lines), "utf-8")
    run_extract([src], tmp_path / "out", jobs=1, narrative=False)
    d = docs(tmp_path / "out")
    assert "修订版" in d.loc[str(src / "b.txt"), "title"]
    assert d.loc[str(src / "b.txt"), "canonical"] and not d.loc[str(src / "a.txt"), "canonical"]
