"""Plain text as Word or a web archive flattens a report.

``cell_per_line``: each table row begins after a blank line; each cell is one line, a tab
then the text; a slot covered by a vertical merge prints as a bare tab line.
``row_tab`` / ``row_spaces``: one line per row, cells separated by a tab or by runs of
two or more spaces (empty cells vanish in the latter).
Encodings: UTF-8, UTF-8 with BOM, GB18030.
"""

from __future__ import annotations

import random

from .layout import Grid
from .report import Report


def _row_cells(grid: Grid) -> list[list[str | None]]:
    """Per grid row, the printed cells left to right; None for a vertical-merge continuation."""
    own = grid.owner()
    rows: list[list[str | None]] = []
    for r in range(grid.n_rows):
        out: list[str | None] = []
        c = 0
        while c < grid.n_cols:
            cell = own[r][c]
            if cell is None:
                c += 1
                continue
            out.append(cell.text.replace("\n", "") if cell.r == r else None)
            c = cell.c + cell.cs
        rows.append(out)
    return rows


def _table_lines(grid: Grid, mode: str, rng: random.Random) -> list[str]:
    lines: list[str] = []
    for row in _row_cells(grid):
        if mode == "cell_per_line":
            lines.append("")
            lines += ["\t" + (t or "") for t in row]
        elif mode == "row_tab":
            lines.append("\t".join(t or "" for t in row))
        else:
            sep = rng.choice(("  ", "   ", "    "))
            lines.append(sep.join(t.strip() for t in row if t and t.strip()))
    lines.append("")
    return lines


def render(report: Report, rng: random.Random) -> bytes:
    mode = report.opts.get("txt_mode", "cell_per_line")
    indent = rng.choice(("", "", "　　"))
    lines: list[str] = []
    for b in report.blocks:
        if b.kind == "table" and b.grid is not None:
            lines += _table_lines(b.grid, mode, rng)
        elif b.kind == "para":
            lines.append(indent + b.text)
        elif b.kind in ("signature", "date"):
            lines.append(rng.choice(("", "　" * 16, " " * 28)) + b.text)
        else:
            lines.append(b.text)
            if b.kind == "heading" and rng.random() < 0.1:
                lines.append("\u00a0")
    eol = rng.choice(("\n", "\n", "\r\n"))
    text = eol.join(lines) + eol
    enc = rng.choices(("utf-8", "utf-8-sig", "gb18030"), (60, 15, 25))[0]
    report.opts["encoding"] = enc
    return text.encode(enc)
