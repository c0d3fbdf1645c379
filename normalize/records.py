"""Plain records that normalisation produces and the corpus stage writes to Parquet.

Cells and findings are named tuples (hundreds per report, built fast, immutable).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class StdCell(NamedTuple):
    """One number of a standard table, addressed by the spec's keys.

    ``value`` is None where the printed cell is blank, a dash, '/', '无' or unreadable;
    ``raw`` is always the text as printed.  ``prov`` says where (see nianbao.extract.model.Provenance).
    """

    table: str
    row: str
    col: str
    value: float | None
    raw: str
    prov: str = ""


class Finding(NamedTuple):
    """One problem found by validation: what rule, how bad, where, and what was expected."""

    rule: str
    severity: str  # error | warning | info
    message: str
    table: str | None = None
    row: str | None = None
    col: str | None = None
    section: int | None = None
    expected: str | None = None
    actual: str | None = None


SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class ReportMeta:
    """What a report says about itself: who, which year, which template, when published."""

    agency: str | None
    year: int | None
    template: str  # 2021 | 2019 | unknown
    published: str | None  # ISO date, yyyy-mm-dd
    title: str | None = None  # the title lines, joined by a space
