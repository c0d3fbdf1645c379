"""Shared fixtures: paths to the bundled real reports and their hand-checked truth."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REAL = FIXTURES / "real"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def load_truth(name: str) -> dict:
    return json.loads((REAL / "truth" / f"{name}.json").read_text("utf-8"))


@pytest.fixture
def real_dir() -> Path:
    return REAL


def cells_off(report, truth: dict) -> list[tuple]:
    """``(key, value printed, value extracted or 'absent')`` of each truth cell the report got otherwise."""
    got = {(c.table, c.row, c.col): c.value for c in report.cells}
    return [
        (k, c["value"], got.get(k, "absent"))
        for c in truth["cells"]
        for k in [(c["table"], c["row"], c["col"])]
        if got.get(k, "absent") != c["value"]
    ]
