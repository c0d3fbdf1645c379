"""Tables as printed: a grid of anchored cells with row/col spans, shared by every renderer.

The builders follow the national form (see ``template_2021_blank.docx``): table 三 has three
label columns (the vertical 三、本年度办理结果, the group （三）不予公开 …, the item) and a
header over two or three rows; table 四 has a three-row header over fifteen columns.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from itertools import groupby

from nianbao.normalize.spec import t3_applicant_cols, t4_groups, t4_outcomes, table_spec

from . import variants as V

Key = tuple[str, str, str]


@dataclass(slots=True)
class GCell:
    """One printed cell anchored at (r, c); ``slot`` is the standard key of a data cell."""

    text: str
    r: int
    c: int
    rs: int = 1
    cs: int = 1
    header: bool = False
    slot: Key | None = None


@dataclass(slots=True)
class Grid:
    table: str
    n_rows: int
    n_cols: int
    cells: list[GCell] = field(default_factory=list)
    col_weights: list[float] = field(default_factory=list)

    def add(self, cell: GCell) -> None:
        self.cells.append(cell)

    def anchors(self) -> dict[tuple[int, int], GCell]:
        return {(c.r, c.c): c for c in self.cells}

    def owner(self) -> list[list[GCell | None]]:
        """For each slot, the cell covering it."""
        own: list[list[GCell | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
        for cell in self.cells:
            for r in range(cell.r, cell.r + cell.rs):
                for c in range(cell.c, cell.c + cell.cs):
                    own[r][c] = cell
        return own


def _label(text: str, style: dict, rng: random.Random) -> str:
    out = V.restyle_label(text, style, rng)
    if style.get("typos") and rng.random() < 0.05:
        out = V.typo(out, rng)
    if style["wrap_labels"] and rng.random() < 0.4:
        out = V.wrap_text(out, rng, 12)
    return out


def _hdr(text: str, style: dict) -> str:
    return text.translate(str.maketrans("（）", "()")) if style["half_brackets"] else text


def _spans(k: int, width: int, rng: random.Random) -> list[int]:
    if k == 1:
        return [width]
    if k == 2:
        return rng.choice(([width - 1, 1], [1, width - 1]))
    return [1] * k


def _finish(g: Grid, rng: random.Random, stray: bool) -> Grid:
    if stray and rng.random() < 0.5:
        for r in range(g.n_rows):
            g.add(GCell("", r, g.n_cols))
        g.n_cols += 1
        g.col_weights.append(0.4)
    elif stray:
        for c in range(g.n_cols):
            g.add(GCell(rng.choice(("", "", " ")), g.n_rows, c))
        g.n_rows += 1
    return g


def t2_grids(template: str, raws: dict[Key, str], style: dict, rng: random.Random, split: bool) -> list[Grid]:
    """Table 二: one grid, or one small grid per 第二十条 item."""
    spec = table_spec("t2", template)
    width = 4
    grids: list[Grid] = []
    g = Grid("t2", 0, width, col_weights=[1.6, 1, 1, 1])
    for item, rows in groupby(spec.rows, key=lambda r: r.item):
        rows = list(rows)
        if split and g.n_rows:
            grids.append(g)
            g = Grid("t2", 0, width, col_weights=[1.6, 1, 1, 1])
        r0 = g.n_rows
        title = _hdr(item or "", style)
        if rng.random() < 0.1:
            title = title.replace("条第", "条 第")
        g.add(GCell(title, r0, 0, cs=width, header=True))
        cols = rows[0].cols
        spans = _spans(len(cols), width - 1, rng)
        g.add(GCell(rng.choice(V.T2_CONTENT), r0 + 1, 0, header=True))
        c = 1
        for col, span in zip(cols, spans, strict=True):
            g.add(GCell(_hdr(spec.col_labels[col], style), r0 + 1, c, cs=span, header=True))
            c += span
        for i, row in enumerate(rows):
            r = r0 + 2 + i
            label = V.pick_row_label("t2", row.key, row.label, rng, style["short_rate"])
            g.add(GCell(_label(label, style, rng), r, 0, header=True))
            c = 1
            for col, span in zip(row.cols, spans, strict=True):
                g.add(GCell(raws[("t2", row.key, col)], r, c, cs=span, slot=("t2", row.key, col)))
                c += span
        g.n_rows = r0 + 2 + len(rows)
    grids.append(g)
    return grids


def hybrid_t3_rows(template: str) -> list:
    """Table 三's rows of ``template`` with group 六 as the other template prints it."""
    other = "2019" if template == "2021" else "2021"
    mine = list(table_spec("t3", template).rows)
    theirs = [r for r in table_spec("t3", other).rows if r.key == "other" or r.key.startswith("other.")]
    at = next(i for i, r in enumerate(mine) if r.key == "other" or r.key.startswith("other."))
    rest = [r for r in mine if not (r.key == "other" or r.key.startswith("other."))]
    return rest[:at] + theirs + rest[at:]


def t3_grid(
    template: str, raws: dict[Key, str], style: dict, rng: random.Random, stray: bool, hybrid: bool = False
) -> Grid:
    """Table 三 with the national form's merges (``hybrid``: group 六 in the other form)."""
    spec = table_spec("t3", template)
    apps = t3_applicant_cols()
    labels = spec.col_labels
    g = Grid("t3", 0, 10, col_weights=[0.55, 1.0, 2.6] + [0.8] * 7)
    three = rng.random() < 0.7
    note = V.T3_NOTE if rng.random() < 0.6 else ""
    note = _hdr(note, style)
    if three:
        g.add(GCell(note, 0, 0, rs=3, cs=3, header=True))
        g.add(GCell(V.T3_APPLICANT[0], 0, 3, cs=7, header=True))
        h = 1
    else:
        g.add(GCell(note, 0, 0, rs=2, cs=3, header=True))
        h = 0
    g.add(GCell(labels["natural_person"], h, 3, rs=2, header=True))
    g.add(GCell(V.T3_LEGAL[0], h, 4, cs=5, header=True))
    g.add(GCell(labels["total"], h, 9, rs=2, header=True))
    for j, col in enumerate(apps[1:]):
        g.add(GCell(labels[col], h + 1, 4 + j, header=True))
    r = h + 2
    rows = hybrid_t3_rows(template) if hybrid else list(spec.rows)
    keys = [x.key for x in rows]
    first, last = keys.index("granted"), keys.index("total_processed")
    for i, row in enumerate(rows):
        label = _label(V.pick_row_label("t3", row.key, row.label, rng, style["short_rate"]), style, rng)
        if i < first or i > last:
            g.add(GCell(label, r + i, 0, cs=3, header=True))
        else:
            if i == first:
                group = _label(rows[first].group or "", style, rng)
                g.add(GCell(group, r + i, 0, rs=last - first + 1, header=True))
            sub = row.group if row.group and not row.group.startswith("三") else None
            if sub is None:
                g.add(GCell(label, r + i, 1, cs=2, header=True))
            else:
                if i == 0 or rows[i - 1].group != sub:
                    size = sum(1 for x in rows if x.group == sub)
                    g.add(GCell(_label(sub, style, rng), r + i, 1, rs=size, header=True))
                g.add(GCell(label, r + i, 2, header=True))
        for j, col in enumerate((*apps, "total")):
            g.add(GCell(raws[("t3", row.key, col)], r + i, 3 + j, slot=("t3", row.key, col)))
    g.n_rows = r + len(rows)
    return _finish(g, rng, stray)


def t4_grid(raws: dict[Key, str], style: dict, rng: random.Random, stray: bool) -> Grid:
    """Table 四: 行政复议 | 行政诉讼 (未经复议直接起诉, 复议后起诉), three header rows."""
    groups, outcomes = t4_groups(), t4_outcomes()
    g = Grid("t4", 4, 15, col_weights=[1.0] * 15)
    (g1, l1), *lit = groups.items()
    g.add(GCell(l1, 0, 0, cs=5, header=True))
    g.add(GCell(lit[0][1].split("/")[0], 0, 5, cs=10, header=True))
    for j, ol in enumerate(outcomes.values()):
        g.add(GCell(ol, 1, j, rs=2, header=True))
    for k, (_, gl) in enumerate(lit):
        g.add(GCell(gl.split("/")[-1], 1, 5 + 5 * k, cs=5, header=True))
        for j, ol in enumerate(outcomes.values()):
            g.add(GCell(ol, 2, 5 + 5 * k + j, header=True))
    c = 0
    for grp in groups:
        for o in outcomes:
            key = ("t4", "count", f"{grp}.{o}")
            g.add(GCell(raws[key], 3, c, slot=key))
            c += 1
    _ = g1
    return _finish(g, rng, stray)
