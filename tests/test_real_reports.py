"""Real published reports against their hand-checked truth, every cell asserted.

The truth files (fixtures/real/truth/*.json) were read off the documents by hand.
Each printed cell must come out with the printed value -- including the seed's
printed inconsistency in its （七）总计 row -- and nothing may be invented.
"""

from __future__ import annotations

import math

import pytest

from normalize.pipeline import process
from tests.conftest import REAL, SHARED, load_truth

READY = ["2024_yiyuan_kejiju", "2019_shanghai_szfbgt", "2024_huaian_szf"]
PENDING = {
    "2021_pingtan_gwh": "table cells glued without separators: needs the identity-based digit splitter",
    "2022_pingtan_gwh": "table cells glued without separators: needs the identity-based digit splitter",
}
SUFFIX = {
    "2024_yiyuan_kejiju": ".txt",
    "2019_shanghai_szfbgt": ".html",
    "2024_huaian_szf": ".pdf",
    "2021_pingtan_gwh": ".txt",
    "2022_pingtan_gwh": ".txt",
}


def _report(name: str):
    path = REAL / f"{name}{SUFFIX[name]}"
    return process(path.read_bytes(), str(path))


def _same(got: float | None, want: float | None) -> bool:
    if want is None:
        return got is None
    return got is not None and math.isclose(got, want, rel_tol=0, abs_tol=1e-9)


@pytest.mark.parametrize(
    "name",
    READY + [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=r)) for n, r in PENDING.items()],
)
def test_every_cell_matches_the_truth(name):
    truth = load_truth(name)
    report = _report(name)
    got = {(c.table, c.row, c.col): c for c in report.cells}
    wrong = []
    for t in truth["cells"]:
        key = (t["table"], t["row"], t["col"])
        cell = got.get(key)
        if cell is None or not _same(cell.value, t["value"]) or cell.raw != (t["raw"] or "").strip():
            wrong.append((key, None if cell is None else (cell.value, cell.raw), (t["value"], t["raw"])))
    extra = set(got) - {(t["table"], t["row"], t["col"]) for t in truth["cells"]}
    assert not wrong, f"{len(wrong)} of {len(truth['cells'])} cells wrong, first: {wrong[:5]}"
    assert not extra, f"cells not printed in the report: {sorted(extra)[:5]}"


@pytest.mark.parametrize("name", READY)
def test_metadata_matches_the_truth(name):
    truth = load_truth(name)
    report = _report(name)
    assert report.meta.agency == truth["agency"]
    assert report.meta.year == truth["year"]
    assert report.meta.template == truth["template"]
    assert report.meta.published == truth["published"]
    assert report.status == "ok", report.error
    assert [s.number for s in report.sections] == [1, 2, 3, 4, 5, 6]


def test_seed_extracts_its_printed_inconsistency():
    """The （七）总计 row reads 1, 0, 1, 0, 0, 0, 1 although every 科研机构 outcome is 0."""
    report = _report("2024_yiyuan_kejiju")
    row = {c.col: c.value for c in report.cells if c.table == "t3" and c.row == "total_processed"}
    assert [
        row[k]
        for k in (
            "natural_person",
            "commercial",
            "research",
            "social_welfare",
            "legal_service",
            "other_org",
            "total",
        )
    ] == [1, 0, 1, 0, 0, 0, 1]


@pytest.mark.parametrize("name", [*READY, *PENDING])
def test_fixture_copies_equal_the_shared_corpus(name):
    shared = SHARED / "corpus" / "real"
    if not shared.exists():
        pytest.skip("../shared is not present in this checkout")
    for rel in [f"truth/{name}.json", *(p.name for p in REAL.glob(f"{name}.*"))]:
        assert (REAL / rel).read_bytes() == (shared / rel).read_bytes(), rel
