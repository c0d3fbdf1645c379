"""Plain-text reports: Word files and web pages flattened to text.

Two flattenings of a table are common and both are read here:

* **one cell per line** (Word's "save as text" and most converters): each cell on a
  line of its own behind one tab, an empty cell as a bare tab, rows separated by an
  empty line.  Merged cells are gone: a continued vertical label is an empty cell.
* **row per line**: the cells of a row on one line, split by tabs (each tab one
  separator, so two tabs enclose an empty cell) or, in a line without tabs, by runs
  of two or more spaces.

Neither keeps the column geometry, so tables are marked ``structured=False`` and the
mapper aligns values by their order.  Lines like ``[image: image1]`` are dropped.
"""

from __future__ import annotations

import re

from extract.encoding import decode_text
from extract.errors import EmptyDocument
from extract.model import Block, Document, Paragraph, Provenance, table_from_rows

_IMAGE = re.compile(r"^\s*\[(?:image|图片|img)[:：][^\]]*\]\s*$", re.I)
_SPACE_RUN = re.compile(r"[ \u3000\u00a0]{2,}")


def read(data: bytes, name: str = "") -> Document:
    """Read a text report (UTF-8, UTF-8 with BOM, GB18030/GBK, UTF-16 with BOM)."""
    if not data.strip():
        raise EmptyDocument("empty file")
    text, encoding = decode_text(data)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not any(line.strip() for line in lines):
        raise EmptyDocument("no text")
    return Document(format="txt", blocks=tuple(_blocks(lines)), meta={"encoding": encoding})


def _is_cell_line(line: str) -> bool:
    return line.startswith("\t") and "\t" not in line[1:]


def _row_cells(line: str) -> list[str] | None:
    """Cells of a row-per-line table row, or None for a line of prose."""
    if "\t" in line:  # each tab separates two cells: consecutive tabs are empty cells
        cells = line.rstrip(" \u3000\u00a0").split("\t")
    else:
        stripped = line.strip(" \u3000\u00a0\ufeff")
        cells = _SPACE_RUN.split(stripped) if stripped else []
    return cells if len(cells) >= 2 else None


def _blocks(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if _is_cell_line(line):
            i = _cell_per_line_table(lines, i, blocks)
        elif _row_cells(line) is not None and i + 1 < n and _row_cells(lines[i + 1]):
            i = _row_per_line_table(lines, i, blocks)
        else:
            text = line.strip(" \t\u3000\u00a0\ufeff")
            if text and not _IMAGE.match(text):
                blocks.append(Paragraph(text, Provenance(lines=(i + 1, i + 1))))
            i += 1
    return blocks


def _cell_per_line_table(lines: list[str], start: int, blocks: list[Block]) -> int:
    """Consume a one-cell-per-line table from ``start``; return the next line index."""
    rows: list[list[str]] = []
    provs: list[list[Provenance | None]] = []
    current: list[str] = []
    current_prov: list[Provenance | None] = []
    i = start
    while i < len(lines) and (_is_cell_line(lines[i]) or not lines[i].strip()):
        line = lines[i]
        if _is_cell_line(line):
            current.append(line[1:])
            current_prov.append(Provenance(lines=(i + 1, i + 1)))
        elif current:
            rows.append(current)
            provs.append(current_prov)
            current, current_prov = [], []
        i += 1
    if current:
        rows.append(current)
        provs.append(current_prov)
    # Trailing blank lines belong to the prose that follows.
    end = i
    while end > start and not _is_cell_line(lines[end - 1]):
        end -= 1
    blocks.append(
        table_from_rows(rows, structured=False, prov=Provenance(lines=(start + 1, end)), cell_prov=provs)
    )
    return end


def _row_per_line_table(lines: list[str], start: int, blocks: list[Block]) -> int:
    rows: list[list[str]] = []
    provs: list[list[Provenance | None]] = []
    i = start
    while i < len(lines) and (cells := _row_cells(lines[i])) is not None:
        rows.append(cells)
        provs.append([Provenance(lines=(i + 1, i + 1))] * len(cells))
        i += 1
    blocks.append(
        table_from_rows(rows, structured=False, prov=Provenance(lines=(start + 1, i)), cell_prov=provs)
    )
    return i
