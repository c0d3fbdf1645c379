"""From a spreadsheet's cells and merged ranges to paragraphs and tables.

Shared by the ``.xlsx`` and ``.xls`` readers, which only have to deliver, per sheet,
the text of every non-empty cell and the merged ranges.  A sheet has no notion of
"table" or "paragraph": agencies that publish a spreadsheet put a title line, the
section heading and the table under each other, sometimes with narrative lines in
between, and separate the pieces by empty rows (or not).  So:

* a merged range is one cell with spans anchored at its top-left slot; the other slots
  are covered (``None`` in the grid), a slot inside a table with nothing in it is a
  printed empty cell (``""``);
* the sheet is cut at empty rows into runs of rows (a merged range bridging an empty
  row keeps its rows in one run);
* a run whose every row holds at most one non-empty cell is narrative: one paragraph
  per row;
* any other run is tables and the lines between them that read as prose: a part's
  heading (``二、主动公开政府信息情况``, as :func:`nianbao.extract.sections.heading_number`
  knows them), a title (``…年度报告``), a note (``注：``) or a long line standing alone
  on its row is a paragraph, and cuts the table there.  A table's own lone rows (a
  label whose values are blank, ``第二十条第（一）项``) stay in it.

Provenance is the cell reference, ``Sheet1!B7`` (the sheet's name as the workbook
gives it, then column letters and the 1-based row); a table's is its range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from nianbao.extract.model import Block, Cell, Paragraph, Provenance, Table
from nianbao.extract.sections import heading_number

# A paragraph-like line: a numbered heading, a title, or a sentence-long line.
_NOTE = re.compile(r"^\s*注\s*[:：]")
_TITLE = re.compile(r"(年度报告|工作报告|年报)\s*$")
_LONG = 40
_MAX_MERGE = 100_000  # slots of one merged range (a whole-column merge is formatting, not a cell)


@dataclass(slots=True)
class Sheet:
    """What a workbook reader hands over for one sheet (0-based rows and columns)."""

    name: str
    cells: dict[tuple[int, int], str] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 inclusive
    framed: set[int] = field(default_factory=set)  # rows with a bordered cell (printed, maybe empty)


@cache
def col_letters(col: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def ref(row: int, col: int) -> str:
    return f"{col_letters(col)}{row + 1}"


class _Anchor:
    __slots__ = ("c0", "c1", "r0", "r1", "text")

    def __init__(self, r0: int, c0: int, r1: int, c1: int, text: str) -> None:
        self.r0, self.c0, self.r1, self.c1, self.text = r0, c0, r1, c1, text


def sheet_blocks(sheet: Sheet) -> list[Block]:
    """The paragraphs and tables of one sheet, top to bottom."""
    anchors: dict[tuple[int, int], _Anchor] = {}
    covered: set[tuple[int, int]] = set()
    for r0, c0, r1, c1 in sheet.merges:
        if r1 < r0 or c1 < c0 or (r0, c0) in covered or (r1 - r0 + 1) * (c1 - c0 + 1) > _MAX_MERGE:
            continue
        anchors[(r0, c0)] = _Anchor(r0, c0, r1, c1, sheet.cells.get((r0, c0), ""))
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                covered.add((r, c))
    for (r, c), text in sheet.cells.items():
        if (r, c) not in covered:
            anchors[(r, c)] = _Anchor(r, c, r, c, text)
    every: dict[int, list[_Anchor]] = {}  # first row -> anchors starting there, empty merges too
    by_row: dict[int, list[_Anchor]] = {}  # the same, only those with text
    reach: dict[int, int] = {}  # first row -> last row a cell with text starting there reaches
    for a in anchors.values():
        every.setdefault(a.r0, []).append(a)
        if a.text:
            by_row.setdefault(a.r0, []).append(a)
            reach[a.r0] = max(reach.get(a.r0, a.r0), a.r1)
    if not by_row:
        return []
    for r in sheet.framed:  # a bordered row without text: a table's row of blanks
        if r not in by_row:
            by_row[r] = []
            reach[r] = r
    blocks: list[Block] = []
    rows = sorted(by_row)
    start = rows[0]
    end = reach[start]
    for r in rows[1:]:
        if r > end + 1:  # an empty row in between
            _run(sheet.name, start, end, by_row, every, blocks)
            start = r
        end = max(end, reach[r])
    _run(sheet.name, start, end, by_row, every, blocks)
    return blocks


def _run(
    name: str,
    first: int,
    last: int,
    by_row: dict[int, list[_Anchor]],
    every: dict[int, list[_Anchor]],
    out: list[Block],
) -> None:
    """A run of rows: paragraphs where a row reads as a line of the report, tables between.

    The rows between two such lines are a table when one of them holds two cells or
    more, else lines of text too.  A table starts at its first row with text and takes
    the bordered rows of blanks below it."""
    segment: list[int] = []
    for r in range(first, last + 1):
        cells = by_row.get(r)
        if cells is None:
            continue
        if len(cells) == 1 and _prose(cells[0], r):
            _segment(name, segment, by_row, every, out)
            segment = []
            out.append(_paragraph(name, cells[0]))
        else:
            segment.append(r)
    _segment(name, segment, by_row, every, out)


def _segment(
    name: str,
    rows: list[int],
    by_row: dict[int, list[_Anchor]],
    every: dict[int, list[_Anchor]],
    out: list[Block],
) -> None:
    text_rows = [r for r in rows if by_row[r]]
    if not text_rows:
        return
    if all(len(by_row[r]) == 1 for r in text_rows):
        out.extend(_paragraph(name, by_row[r][0]) for r in text_rows)
        return
    out.append(_table(name, text_rows[0], rows[-1], every))


def _prose(a: _Anchor, row: int) -> bool:
    """A lone cell that reads as a line of the report rather than a table row: a part's
    heading, a title, a note or a sentence-long line.  A table's own lone rows (a label
    whose values are blank, ``第二十条第（一）项``) are short and are none of these."""
    if a.r1 > row:  # a label merged over several rows belongs to a table
        return False
    text = a.text.strip()
    return bool(heading_number(text) or _NOTE.match(text) or _TITLE.search(text) or len(text) >= _LONG)


def _paragraph(name: str, a: _Anchor) -> Paragraph:
    return Paragraph(a.text.strip(), Provenance(path=f"{name}!{ref(a.r0, a.c0)}"))


def _table(name: str, first: int, last: int, every: dict[int, list[_Anchor]]) -> Table:
    inside = [a for r in range(first, last + 1) for a in every.get(r, ())]
    used = [a for a in inside if a.text]
    c_min = min(a.c0 for a in used)
    c_max = max(a.c1 for a in used)
    n_rows, n_cols = last - first + 1, c_max - c_min + 1
    cells: list[Cell] = []
    taken = [[False] * n_cols for _ in range(n_rows)]
    for a in inside:
        if a.c1 < c_min or a.c0 > c_max:
            continue
        r0, c0 = a.r0 - first, max(a.c0, c_min) - c_min
        rs = min(a.r1, last) - a.r0 + 1
        cs = min(a.c1, c_max) - max(a.c0, c_min) + 1
        cells.append(Cell(r0, c0, a.text, rs, cs, Provenance(path=f"{name}!{ref(a.r0, a.c0)}")))
        for r in range(r0, r0 + rs):
            row = taken[r]
            for c in range(c0, c0 + cs):
                row[c] = True
    for r in range(n_rows):  # slots nothing was printed in: printed empty, not merged
        row = taken[r]
        for c in range(n_cols):
            if not row[c]:
                cells.append(Cell(r, c, "", prov=Provenance(path=f"{name}!{ref(first + r, c_min + c)}")))
    cells.sort(key=lambda c: (c.row, c.col))
    span = f"{name}!{ref(first, c_min)}:{ref(last, c_max)}"
    return Table(tuple(cells), n_rows, n_cols, prov=Provenance(path=span))


def number_text(value: float) -> str:
    """A stored number as a spreadsheet shows it by default: 12, 12.5, 0.3 (not 0.30000000000000004)."""
    if value != value or value in (float("inf"), float("-inf")):
        return ""
    if value.is_integer():
        return str(int(value))
    return f"{value:.12g}" if abs(value) < 1e15 else repr(value)
