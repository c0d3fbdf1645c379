"""Reports laid out by LibreOffice (other code than the project's generators): PDF and text, every cell."""

from __future__ import annotations

import json

import pytest

from nianbao.normalize.pipeline import process
from tests.conftest import FIXTURES, cells_off

LO = FIXTURES / "libreoffice"
TRUTH = {t["file"]: t for t in map(json.loads, (LO / "truth.jsonl").read_text("utf-8").splitlines())}


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_every_cell_as_printed(name):
    truth = TRUTH[name]
    report = process((LO / name).read_bytes(), name)
    wrong = cells_off(report, truth)
    assert not wrong, wrong[:5]
    assert report.meta.agency == truth["agency"]


def test_a_number_cut_by_the_page_break_is_joined():
    report = process((LO / "row_split_across_pages.pdf").read_bytes(), "x.pdf")
    cell = next(c for c in report.cells if (c.table, c.row, c.col) == ("t3", "total_processed", "total"))
    assert cell.value == 269 and cell.raw == "269"
