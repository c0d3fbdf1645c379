"""A4 PDF with a text layer, drawn with reportlab's canvas.

Text uses the built-in CID font ``STSong-Light`` (no font file; pdfplumber and pypdfium2
read the Chinese back).  Tables are ruled: every cell border is a drawn line, merged cells
simply lack the inner lines.  A table that does not fit continues on the next page without
repeating its header; a merged label spanning the break continues its text there.  Pages
carry numbers such as ``- 4 -``.  ``invariant=1`` fixes dates and the document ID.
"""

from __future__ import annotations

import io
import random
from functools import cache

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from .layout import GCell, Grid
from .report import Report

FONT = "STSong-Light"
PAGE_W, PAGE_H = A4
NO_LINE_START = frozenset("，。、；：？！）》」』”’%")  # punctuation Word keeps off a line start


@cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


@cache
def _cw(ch: str, size: float) -> float:
    return pdfmetrics.stringWidth(ch, FONT, size)


def wrap(text: str, size: float, width: float, first_indent: float = 0.0) -> list[str]:
    """Break text into lines no wider than ``width`` (character by character, as CJK flows)."""
    lines: list[str] = []
    for part in text.split("\n"):
        cur, w, avail = "", 0.0, width - (first_indent if not lines else 0.0)
        for ch in part:
            cw = _cw(ch, size)
            if cur and w + cw > avail and ch not in NO_LINE_START:
                lines.append(cur)
                cur, w, avail = "", 0.0, width
            cur += ch
            w += cw
        lines.append(cur)
    return lines


class _Pager:
    """Tracks the cursor and starts new pages with page numbers."""

    def __init__(self, c: Canvas, rng: random.Random, margins: tuple[float, float, float, float]) -> None:
        self.c = c
        self.left, self.right, self.top, self.bottom = margins
        self.y = PAGE_H - self.top
        self.page = 1
        self.num_style = rng.choices(("dash", "emdash", "plain", "cn"), (60, 15, 15, 10))[0]

    def _number(self) -> None:
        n = self.page
        text = {"dash": f"- {n} -", "emdash": f"— {n} —", "plain": str(n), "cn": f"第{n}页"}[self.num_style]
        self.c.setFont(FONT, 10.5)
        self.c.drawCentredString(PAGE_W / 2, self.bottom / 2, text)

    def new_page(self) -> None:
        self._number()
        self.c.showPage()
        self.page += 1
        self.y = PAGE_H - self.top

    def need(self, h: float) -> bool:
        """Start a new page unless ``h`` fits; True if a page was started."""
        if self.y - h < self.bottom:
            self.new_page()
            return True
        return False

    def finish(self) -> None:
        self._number()
        self.c.showPage()

    @property
    def text_width(self) -> float:
        return PAGE_W - self.left - self.right


def _text_block(p: _Pager, text: str, size: float, align: str, indent: float, leading: float) -> None:
    lines = wrap(text, size, p.text_width, indent)
    for i, line in enumerate(lines):
        p.need(leading)
        p.y -= leading
        p.c.setFont(FONT, size)
        base = p.y + (leading - size) / 2
        if align == "center":
            p.c.drawCentredString(PAGE_W / 2, base, line)
        elif align == "right":
            p.c.drawRightString(PAGE_W - p.right - size * 2, base, line)
        else:
            p.c.drawString(p.left + (indent if i == 0 else 0), base, line)


def _table(p: _Pager, grid: Grid, rng: random.Random) -> None:
    size = rng.choice((9.0, 9.5, 10.0, 10.5))
    lead, pad = size * 1.3, 2.5
    tw = p.text_width * rng.uniform(0.96, 1.0)
    wsum = sum(grid.col_weights)
    xs = [p.left + (p.text_width - tw) / 2]
    for w in grid.col_weights:
        xs.append(xs[-1] + tw * w / wsum)
    lines: dict[int, list[str]] = {}
    heights = [lead + 2 * pad] * grid.n_rows
    for cell in grid.cells:
        cw = xs[cell.c + cell.cs] - xs[cell.c] - 2 * pad
        lines[id(cell)] = wrap(cell.text.strip(" "), size, max(cw, size))
        if cell.rs == 1:
            heights[cell.r] = max(heights[cell.r], len(lines[id(cell)]) * lead + 2 * pad)
    for cell in grid.cells:
        if cell.rs > 1:
            need = len(lines[id(cell)]) * lead + 2 * pad
            have = sum(heights[cell.r : cell.r + cell.rs])
            if have < need:
                for r in range(cell.r, cell.r + cell.rs):
                    heights[r] += (need - have) / cell.rs
    own = grid.owner()
    c = p.c
    c.setLineWidth(0.6)
    segs: dict[tuple[float, float, float, float], None] = {}  # ruling of the current page, deduplicated

    def rule(x0: float, y0: float, x1: float, y1: float) -> None:
        segs[(round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2))] = None

    def flush() -> None:
        if segs:
            c.lines(list(segs))
            segs.clear()

    first_on_page = True
    x_end = xs[-1]
    for r in range(grid.n_rows):
        if p.y - heights[r] < p.bottom:
            flush()
        if p.need(heights[r]):
            first_on_page = True
        y0, y1 = p.y, p.y - heights[r]
        if first_on_page:
            rule(xs[0], y0, x_end, y0)
        seen: list[GCell] = []
        for cell in own[r]:
            if cell is None or any(cell is s for s in seen):
                continue
            seen.append(cell)
            a, b = xs[cell.c], xs[cell.c + cell.cs]
            rule(a, y0, a, y1)
            rule(b, y0, b, y1)
            if cell.r == r and not first_on_page:
                rule(a, y0, b, y0)
            if cell.r + cell.rs - 1 == r:
                rule(a, y1, b, y1)
            _cell_text(p, cell, lines[id(cell)], r, y0, y1, heights, a, b, size, lead, pad)
        p.y = y1
        first_on_page = False
        if r + 1 < grid.n_rows and p.y - heights[r + 1] < p.bottom:
            rule(xs[0], y1, x_end, y1)  # close the table at the foot of the page
    flush()
    p.y -= lead * 0.6


def _cell_text(
    p: _Pager, cell: GCell, todo: list[str], r: int, y0: float, y1: float, heights: list[float],
    a: float, b: float, size: float, lead: float, pad: float,
) -> None:  # fmt: skip
    """Draw the text of ``cell`` that belongs in row ``r``; ``todo`` is consumed as drawn."""
    if not todo:
        return
    if cell.r == r:
        span_h = sum(heights[r : r + cell.rs])
        if y0 - span_h >= p.bottom - 0.01:  # the whole cell is on this page: centre it
            top = y0 - (span_h - len(todo) * lead) / 2
            n = len(todo)
        else:
            top, n = y0 - pad, max(1, int((y0 - y1 - 2 * pad) / lead))
    else:
        top, n = y0 - pad, max(0, int((y0 - y1 - 2 * pad) / lead))
    p.c.setFont(FONT, size)
    for i in range(min(n, len(todo))):
        line = todo.pop(0)
        base = top - (i + 1) * lead + (lead - size) / 2 + size * 0.12
        p.c.drawCentredString((a + b) / 2, base, line)


def render(report: Report, rng: random.Random) -> tuple[bytes, int]:
    """The PDF bytes and the number of pages."""
    _font()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle("".join(b.text for b in report.blocks if b.kind == "title"))
    c.setCreator(rng.choice(("Microsoft® Word 2016", "WPS 文字", "Microsoft® Word 2010", "")))
    pages = lay_out(report, rng, c)
    c.save()
    return buf.getvalue(), pages


def lay_out(report: Report, rng: random.Random, c: Canvas) -> int:
    """Draw the report's blocks on ``c`` (reportlab's canvas, or one with its drawing
    methods: the OFD renderer's); returns the pages drawn."""
    m = rng.choice((72.0, 76.0, 80.0, 90.0))
    p = _Pager(c, rng, (m, m, rng.choice((72.0, 96.0)), rng.choice((72.0, 80.0))))
    size = rng.choice((14.0, 15.0, 16.0))
    lead = size * rng.uniform(1.45, 1.75)
    p.y -= size
    for b in report.blocks:
        if b.kind == "title":
            _text_block(p, b.text, size + 5, "center", 0, (size + 5) * 1.6)
        elif b.kind == "heading":
            _text_block(p, b.text, size, "left", size * 2 if rng.random() < 0.7 else 0, lead)
        elif b.kind == "table" and b.grid is not None:
            p.y -= lead * 0.3
            _table(p, b.grid, rng)
        elif b.kind in ("signature", "date"):
            _text_block(p, b.text, size, "right", 0, lead)
        else:
            _text_block(p, b.text, size, "left", size * 2, lead)
    pages = p.page
    p.finish()
    return pages
