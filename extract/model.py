"""The document model every reader produces and every later stage consumes.

A report is a flat sequence of blocks in reading order: paragraphs and tables.
Sections (一 … 六) are found afterwards from the paragraphs (see ``sections.py``),
so a reader only has to get the text and the table structure right.

Tables are stored sparse: one :class:`Cell` per printed cell with its top-left
position and its spans.  :meth:`Table.grid` expands them into a dense grid in
which a slot covered by a merge is ``None`` and a slot printed empty is ``""``.

:class:`Cell` and :class:`Provenance` are named tuples rather than frozen
dataclasses: a report has hundreds of cells, and a named tuple is built about three
times faster while being just as immutable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class Provenance(NamedTuple):
    """Where a block or cell was printed.

    ``page`` is 1-based (PDF); ``bbox`` is (x0, top, x1, bottom) in PDF points with the
    origin at the page's top-left corner; ``path`` locates an element in a DOCX or HTML
    tree (e.g. ``body/tbl[2]/tr[5]/tc[3]``); ``lines`` is a 1-based inclusive line range
    of a text file.  ``conf`` is the OCR engine's confidence (0 to 1) in a text read from
    a picture, None for a text the file itself holds.
    """

    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    path: str | None = None
    lines: tuple[int, int] | None = None
    conf: float | None = None

    def __str__(self) -> str:
        parts = []
        if self.page is not None:
            parts.append(f"p{self.page}")
        if self.bbox is not None:
            parts.append("bbox=" + ",".join(f"{v:.1f}" for v in self.bbox))
        if self.path is not None:
            parts.append(self.path)
        if self.lines is not None:
            a, b = self.lines
            parts.append(f"L{a}" if a == b else f"L{a}-{b}")
        if self.conf is not None:
            parts.append(f"ocr={self.conf:.3f}")
        return " ".join(parts)


class Cell(NamedTuple):
    """One printed cell: its anchor (top-left) slot, its spans and its text."""

    row: int
    col: int
    text: str
    row_span: int = 1
    col_span: int = 1
    prov: Provenance | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """A table as printed: sparse anchored cells over an ``n_rows`` x ``n_cols`` grid.

    ``structured`` is False when the source lost the column geometry (a text
    flattening with one cell per line): rows then hold their cells left to right
    with no claim that column *k* of one row lines up with column *k* of another.
    """

    cells: tuple[Cell, ...]
    n_rows: int
    n_cols: int
    prov: Provenance | None = None
    structured: bool = True

    def grid(self) -> list[list[str | None]]:
        """Dense grid: text at anchors, ``None`` in slots covered by a merge."""
        g: list[list[str | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
        for c in self.cells:
            g[c.row][c.col] = c.text
        return g

    def anchors(self) -> list[list[Cell | None]]:
        """Dense grid of the anchoring cell for every slot (merged slots repeat it)."""
        g: list[list[Cell | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
        for c in self.cells:
            for r in range(c.row, min(c.row + c.row_span, self.n_rows)):
                for k in range(c.col, min(c.col + c.col_span, self.n_cols)):
                    g[r][k] = c
        return g

    def rows(self) -> list[list[Cell]]:
        """Anchored cells of each row, left to right."""
        out: list[list[Cell]] = [[] for _ in range(self.n_rows)]
        for c in self.cells:
            out[c.row].append(c)
        for r in out:
            r.sort(key=lambda c: c.col)
        return out


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A run of narrative text (one paragraph, heading or line)."""

    text: str
    prov: Provenance | None = None


Block = Paragraph | Table


@dataclass(frozen=True, slots=True)
class Document:
    """A report read from one file.

    ``meta`` carries what the container said about itself, with fixed keys where known:
    ``title``, ``agency``, ``published`` (ISO date), ``index_no`` (索引号), ``pdf_created``.
    """

    format: str
    blocks: tuple[Block, ...]
    pages: int | None = None
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def text(self) -> str:
        """The narrative text, paragraphs joined by newlines (tables left out)."""
        return "\n".join(p.text for p in self.paragraphs)


def table_from_rows(
    rows: list[list[str]],
    *,
    structured: bool,
    prov: Provenance | None = None,
    cell_prov: list[list[Provenance | None]] | None = None,
) -> Table:
    """Build a table of 1x1 cells from rows of texts (rows may differ in length)."""
    cells = []
    for r, row in enumerate(rows):
        for k, text in enumerate(row):
            p = cell_prov[r][k] if cell_prov is not None else None
            cells.append(Cell(r, k, text, prov=p))
    n_cols = max((len(r) for r in rows), default=0)
    return Table(tuple(cells), len(rows), n_cols, prov=prov, structured=structured)
