"""The summary ``nianbao check`` prints: by rule and severity, on-time rate, worst bodies, one language."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from nianbao.corpus.check import run_check
from nianbao.corpus.check_summary import overview, print_overview, rule_names
from nianbao.corpus.cli import app
from nianbao.normalize.agencies import classify
from nianbao.normalize.rules import RULES
from nianbao.normalize.validate import deadline

_CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory):
    """Generated reports (some with an identity broken, some late) extracted and checked."""
    from nianbao.corpus.run import run_extract
    from nianbao.corpus.synth import generate

    root = tmp_path_factory.mktemp("check_summary")
    generate(12, root / "in", formats=["docx", "html", "txt"], error_rate=0.4, seed=11)
    run_extract([root / "in"], root / "out", jobs=1, narrative=False)
    return root / "out", run_check(root / "out")


def _text(dataset: Path, summary, **kw) -> str:
    console = Console(record=True, width=200)
    print_overview(console, dataset, summary, **kw)
    return console.export_text()


def test_every_rule_has_a_chinese_name():
    assert set(rule_names()) == set(RULES)
    assert all(_CJK.search(n) for n in rule_names().values())


def test_the_figures_are_those_of_the_findings_and_the_deadlines(checked):
    dataset, summary = checked
    ov = overview(dataset, summary)
    f = summary.findings_frame
    expected = f.groupby(["rule", "severity"]).size()
    got = ov.rules.set_index(["rule", "severity"])["findings"]
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()
    # the on-time count, recomputed here from the documents and 条例 第四十九条
    docs = pd.read_parquet(dataset / "documents.parquet")
    on_time = dated = 0
    for d in docs.itertuples():
        if pd.isna(d.published) or pd.isna(d.year):
            continue
        dated += 1
        on_time += d.published <= deadline(int(d.year), classify(d.agency).kind)
    assert (ov.on_time, ov.dated) == (on_time, dated) and 0 < on_time < dated
    assert ov.bodies["reports"].sum() == len(docs)
    assert ov.bodies["errors"].sum() == (f["severity"] == "error").sum() > 0
    worst = ov.bodies.iloc[0]
    assert worst["errors"] == ov.bodies["errors"].max()


def test_chinese_summary_is_all_chinese(checked):
    dataset, summary = checked
    text = _text(dataset, summary, lang="zh").replace(str(summary.findings_path), "")
    assert "按期发布" in text and "各规则发现的问题" in text and "问题最多的机关" in text
    for english in ("errors", "warnings", "on time", "findings", "reports checked", "bodies"):
        assert english not in text
    assert rule_names()["date.late"] in text  # rule names in Chinese beside their ids


def test_english_summary_is_all_english(checked):
    dataset, summary = checked
    text = _text(dataset, summary, lang="en")
    assert "on time:" in text and "findings by rule" in text and "bodies with the most findings" in text
    for chinese in ("按期发布", "问题数", "错误", "警告"):
        assert chinese not in text
    for name in rule_names().values():
        assert name not in text


def test_the_list_of_bodies_says_how_to_see_the_rest(checked):
    dataset, summary = checked
    n = len(overview(dataset, summary).bodies)
    assert n > 2
    text = _text(dataset, summary, lang="en", limit=2)
    assert f"{n - 2} more bodies" in text and "--limit 0" in text
    assert "--limit 0" not in _text(dataset, summary, lang="en", limit=0)
    zh = _text(dataset, summary, lang="zh", limit=2)
    assert f"另有 {n - 2} 个机关" in zh and "--limit 0" in zh


def test_the_check_command(checked, tmp_path: Path):
    dataset, _ = checked
    copy = tmp_path / "ds"
    shutil.copytree(dataset, copy)
    result = CliRunner().invoke(app, ["check", str(copy), "--lang", "en", "--limit", "1"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "on time:" in result.output and "more bodies not listed" in result.output
    bad = CliRunner().invoke(app, ["check", str(copy), "--lang", "fr"])
    assert bad.exit_code == 2


def test_reports_without_a_body_or_a_date(tmp_path: Path):
    """A failed file and a report whose body is not named: counted, listed as unknown, no crash."""
    from nianbao.corpus.run import run_extract
    from tests.conftest import REAL

    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(REAL / "2024_yiyuan_kejiju.txt", src)
    (src / "broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    (src / "untitled.txt").write_text("一些文字，没有标题。\n二、主动公开政府信息情况\n", "utf-8")
    run_extract([src], tmp_path / "out", jobs=1, narrative=False)
    summary = run_check(tmp_path / "out")
    ov = overview(tmp_path / "out", summary)
    assert (ov.on_time, ov.dated) == (1, 1) and ov.bodies["reports"].sum() == 3
    zh = _text(tmp_path / "out", summary, lang="zh", limit=0)
    assert "（机关不明）" in zh and "2 份无发布日期" in zh and "沂源县科学技术局" in zh
    assert "(body unknown)" in _text(tmp_path / "out", summary, lang="en", limit=0)
