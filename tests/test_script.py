"""Reports in traditional characters (a site's 繁體 version) read like their simplified original."""

from __future__ import annotations

import opencc

from nianbao.normalize.pipeline import process
from nianbao.normalize.script import NOTE, is_traditional
from tests.conftest import REAL, cells_off, load_truth


def test_a_traditional_copy_reads_cell_for_cell_like_the_original():
    original = (REAL / "2024_yiyuan_kejiju.txt").read_text("utf-8")
    traditional = opencc.OpenCC("s2t").convert(original)
    assert traditional != original and is_traditional(traditional) and not is_traditional(original)
    report = process(traditional.encode("utf-8"), "yiyuan_traditional.txt")
    truth = load_truth("2024_yiyuan_kejiju")
    wrong = cells_off(report, truth)
    assert not wrong, wrong[:3]
    assert report.meta.agency == truth["agency"] and report.meta.year == truth["year"]
    assert NOTE in (report.error or "")


def test_simplified_reports_are_left_alone():
    report = process((REAL / "2024_yiyuan_kejiju.txt").read_bytes(), "yiyuan.txt")
    assert NOTE not in (report.error or "")
