"""Web pages printed to PDF by a browser (Chromium's print to PDF: other code than the
project's generators): tables run over page breaks with no rule where the page cuts them."""

from __future__ import annotations

import json

import pytest

from nianbao.extract.model import Table
from nianbao.extract.readers.pdf import read
from nianbao.normalize.pipeline import process
from tests.conftest import FIXTURES, cells_off

PRINTED = FIXTURES / "printed"
TRUTH = {t["file"]: t for t in map(json.loads, (PRINTED / "truth.jsonl").read_text("utf-8").splitlines())}


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_every_cell_as_printed(name):
    truth = TRUTH[name]
    report = process((PRINTED / name).read_bytes(), name)
    wrong = cells_off(report, truth)
    assert not wrong, wrong[:5]
    assert report.meta.agency == truth["agency"]


def test_the_row_and_group_cells_the_page_cut_stay_in_the_table():
    # Page 2 ends inside the 不予公开 group; page 3 starts with the rest of row 7 and no
    # rule above it.  Both parts are one table, and no label is left as narrative.
    doc = read((PRINTED / "0000_2020.pdf").read_bytes(), "x.pdf")
    narrative = " ".join(b.text for b in doc.blocks if not isinstance(b, Table))
    assert "属于行政执" not in narrative and "本年度办" not in narrative
    t3 = next(b for b in doc.blocks if isinstance(b, Table) and "自然人" in "".join(c.text for c in b.cells))
    labels = [c.text for c in t3.cells]
    assert "7、属于行政执法案卷" in labels
    assert any("七" in label and "总计" in label for label in labels)
