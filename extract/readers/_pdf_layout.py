"""From positioned characters and ruled-table cell boxes to paragraphs and tables.

A PDF backend (pdfplumber or pypdfium2) delivers, per page, the characters with their
boxes and the cell boxes of each ruled table.  Everything after that is here and is
shared, so both backends give the same document when they agree on characters and
rulings.

Coordinates are PDF points with the origin at the page's top-left corner (y grows
downwards), as pdfplumber reports them.

* A table's grid is the sorted distinct x and y edges of its cells; a cell's spans are
  the number of grid columns/rows its box covers.  A one-column "table" is a framed
  text box and its text is read as narrative.
* Cell text: characters whose centre lies in the cell, grouped into lines by vertical
  position, lines joined with no separator, except a space between two Latin letters
  or digits (so a vertical label 三/、/本/年/… reads 三、本年度…, and '（四）无' / '法提供'
  reads '（四）无法提供').
* Narrative: the characters outside tables, grouped into lines; page numbers ("- 4 -",
  "-4-", "第4页", "4/6") and running headers/footers (the same text in the top or
  bottom margin of several pages) are dropped; lines are merged into paragraphs, a
  new one starting at a heading (一、 （一） 1. 1、 ...), after a short line, at an
  indented line or after a large vertical gap.
* A table that ends a page and a table that starts the next page with compatible
  column edges (same inner edges within a tolerance, or one set contained in the
  other; or, for a browser that laid the columns out again on the next page, the
  continuation's edges within 1 % of the table's width of those of the last row above)
  are one table, also over three or more pages; a repeated header is dropped,
  and a merged cell that was cut by the page break (a group label continuing, a wrapped
  label '（四）无' / '法提供') is rejoined.  Only label cells are rejoined: those left of
  the first data column (one holding a number or a blank-marker -, —, /, 无) in a
  continuation row that carries its own row label; a data row continued under a
  header keeps its blanks.
* A cell's characters are found through the grid slot of their centre; a centre
  within the clustering tolerance of a grid line is looked up box by box.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import NamedTuple

from nianbao.extract.model import Cell, Paragraph, Provenance, Table

BBox = tuple[float, float, float, float]


class Char(NamedTuple):
    """One printed character: text and box (x0, top, x1, bottom), top-left origin."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass
class RawPage:
    """What a backend delivers for one page."""

    number: int
    width: float
    height: float
    chars: list[Char]
    tables: list[list[BBox]]  # cell boxes of each ruled table


@dataclass
class _Line:
    text: str
    bbox: BBox
    page: int
    size: float


@dataclass
class _PTable:
    """A table on one page while pages are being joined."""

    page: int
    bbox: BBox
    xs: list[float]
    ys: list[float]
    cells: list[Cell]
    last_page: int = 0  # page of the last part, once continuations are joined

    def __post_init__(self) -> None:
        self.last_page = self.last_page or self.page

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1

    @property
    def n_cols(self) -> int:
        return len(self.xs) - 1


_ALNUM = re.compile(r"[A-Za-z0-9]")
_PAGE_NO = re.compile(
    r"^(?:[-—–－_]\s*\d{1,4}\s*[-—–－_]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|"
    r"\d{1,4}\s*/\s*\d{1,4}|\d{1,4}|[-—–－]?\s*[ivxIVX]{1,6}\s*[-—–－]?)$"
)
_HEADING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d{1,2}[、.．](?!\d)|"
    r"第[一二三四五六七八九十\d]+[章节条部分])"
)
_MARGIN = 0.09  # top/bottom fraction of a page where running headers and footers live
_EDGE_TOL = 1.0
_CONT_TOL = 2.0


def _cluster(values: list[float], tol: float) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def _index(edges: list[float], v: float) -> int:
    """Index of the edge nearest to ``v`` in the ascending ``edges`` (the first on a tie)."""
    i = bisect_left(edges, v)
    if i == 0:
        return 0
    if i == len(edges) or v - edges[i - 1] <= edges[i] - v:
        return i - 1
    return i


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines: no separator, except a space between two Latin/digit tokens."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and _ALNUM.match(out[-1]) and _ALNUM.match(line[0]):
            out += " "
        out += line
    return out


def _group_lines(chars: list[Char]) -> list[list[Char]]:
    """Characters grouped into text lines (vertical overlap), each sorted left to right."""
    if not chars:
        return []
    chars = sorted(chars, key=lambda c: (c.top, c.x0))
    lines: list[list[Char]] = []
    cur = [chars[0]]
    top, bottom = chars[0].top, chars[0].bottom
    for c in chars[1:]:
        mid = (c.top + c.bottom) / 2
        if top <= mid <= bottom or abs(c.top - top) <= 1.0:
            cur.append(c)
            bottom = max(bottom, c.bottom)
        else:
            lines.append(cur)
            cur = [c]
            top, bottom = c.top, c.bottom
    lines.append(cur)
    for line in lines:
        line.sort(key=lambda c: c.x0)
    return lines


def _line_text(chars: list[Char]) -> str:
    """A line's text; a space is added only for a visible gap between Latin/digit chars."""
    parts: list[str] = []
    prev: Char | None = None
    for c in chars:
        if prev is not None and c.text.strip() and prev.text.strip():
            gap = c.x0 - prev.x1
            size = max(prev.bottom - prev.top, 1.0)
            if gap > 0.25 * size and _ALNUM.match(prev.text[-1]) and _ALNUM.match(c.text[0]):
                parts.append(" ")
        parts.append(c.text)
        prev = c
    return re.sub(r"[ \u3000\xa0]+", " ", "".join(parts)).strip()


def cell_text(chars: list[Char]) -> str:
    """The text of a table cell (lines joined as :func:`join_lines` does)."""
    return join_lines([_line_text(line) for line in _group_lines(chars)])


def _inside(c: Char, box: BBox) -> bool:
    cx, cy = (c.x0 + c.x1) / 2, (c.top + c.bottom) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _build_page_table(page: int, boxes: list[BBox], chars: list[Char]) -> tuple[_PTable, list[Char]]:
    """Grid and cells of one ruled table; returns the table and the chars it did not take."""
    xs = _cluster([b[0] for b in boxes] + [b[2] for b in boxes], _EDGE_TOL)
    ys = _cluster([b[1] for b in boxes] + [b[3] for b in boxes], _EDGE_TOL)
    bbox = (xs[0], ys[0], xs[-1], ys[-1])
    taken: dict[int, list[Char]] = {i: [] for i in range(len(boxes))}
    rest: list[Char] = []
    ordered = sorted(range(len(boxes)), key=lambda i: (boxes[i][1], boxes[i][0]))
    # The first box (in reading order) covering each grid slot.  A character whose centre
    # is more than the clustering tolerance away from every grid line lies in exactly the
    # boxes covering its slot, so the slot answers; one close to a line is looked up box
    # by box, in reading order.
    slot: dict[tuple[int, int], int] = {}
    for i in ordered:
        b = boxes[i]
        c0, c1 = _index(xs, b[0]), _index(xs, b[2])
        r0, r1 = _index(ys, b[1]), _index(ys, b[3])
        for r in range(r0, r1):
            for k in range(c0, c1):
                slot.setdefault((r, k), i)
    margin = _EDGE_TOL + 0.01
    for c in chars:
        if not _inside(c, bbox):
            rest.append(c)
            continue
        cx, cy = (c.x0 + c.x1) / 2, (c.top + c.bottom) / 2
        k, r = bisect_right(xs, cx) - 1, bisect_right(ys, cy) - 1
        if (
            0 <= k < len(xs) - 1
            and 0 <= r < len(ys) - 1
            and min(cx - xs[k], xs[k + 1] - cx) > margin
            and min(cy - ys[r], ys[r + 1] - cy) > margin
        ):
            i = slot.get((r, k), -1)
            if i >= 0:
                taken[i].append(c)
            else:
                rest.append(c)
            continue
        for i in ordered:
            if _inside(c, boxes[i]):
                taken[i].append(c)
                break
        else:
            rest.append(c)
    cells: list[Cell] = []
    covered: set[tuple[int, int]] = set()
    for i in ordered:
        b = boxes[i]
        c0, c1 = _index(xs, b[0]), _index(xs, b[2])
        r0, r1 = _index(ys, b[1]), _index(ys, b[3])
        if c1 <= c0 or r1 <= r0 or (r0, c0) in covered:
            continue
        cells.append(
            Cell(r0, c0, cell_text(taken[i]), r1 - r0, c1 - c0, Provenance(page=page, bbox=_round(b)))
        )
        for r in range(r0, r1):
            for k in range(c0, c1):
                covered.add((r, k))
    for r in range(len(ys) - 1):
        for k in range(len(xs) - 1):
            if (r, k) not in covered:
                cells.append(Cell(r, k, ""))
    return _PTable(page, bbox, xs, ys, cells), rest


def _round(b: BBox) -> BBox:
    return (round(b[0], 2), round(b[1], 2), round(b[2], 2), round(b[3], 2))


# ---------------------------------------------------------------- narrative


def _page_lines(page: RawPage, chars: list[Char]) -> list[_Line]:
    out = []
    for group in _group_lines(chars):
        text = _line_text(group)
        if not text:
            continue
        bbox = (
            min(c.x0 for c in group),
            min(c.top for c in group),
            max(c.x1 for c in group),
            max(c.bottom for c in group),
        )
        sizes = sorted(c.bottom - c.top for c in group)
        out.append(_Line(text, bbox, page.number, sizes[len(sizes) // 2]))
    return out


def _in_margin(line: _Line, height: float) -> bool:
    return line.bbox[3] <= height * _MARGIN or line.bbox[1] >= height * (1 - _MARGIN)


def _drop_running(pages: list[RawPage], lines: dict[int, list[_Line]]) -> None:
    """Remove page numbers and headers/footers repeated in the margins of several pages."""
    counts: dict[str, int] = {}
    for p in pages:
        seen = set()
        for line in lines[p.number]:
            if _in_margin(line, p.height):
                key = re.sub(r"\d+", "#", line.text)
                if key not in seen:
                    counts[key] = counts.get(key, 0) + 1
                    seen.add(key)
    repeated = {k for k, n in counts.items() if n >= 2 and n >= len(pages) / 2}
    for p in pages:
        kept = []
        for line in lines[p.number]:
            if _PAGE_NO.match(line.text.replace(" ", "")) and _in_margin(line, p.height):
                continue
            if _in_margin(line, p.height) and re.sub(r"\d+", "#", line.text) in repeated:
                continue
            kept.append(line)
        lines[p.number] = kept


def _paragraphs(lines: list[_Line], left: float, right: float) -> list[tuple[str, _Line, _Line]]:
    """Merge consecutive narrative lines into paragraphs (text, first line, last line)."""
    out: list[tuple[str, _Line, _Line]] = []
    buf: list[_Line] = []

    def flush() -> None:
        if buf:
            out.append((join_lines([b.text for b in buf]), buf[0], buf[-1]))
            buf.clear()

    for line in lines:
        if buf:
            prev = buf[-1]
            size = max(prev.size, 6.0)
            new = (
                _HEADING.match(line.text) is not None
                or prev.bbox[2] < right - 2 * size  # the previous line ended short
                or line.bbox[0] > left + 1.5 * size  # indented first line
                or (line.page == prev.page and line.bbox[1] - prev.bbox[3] > 1.2 * size)
            )
            if new:
                flush()
        buf.append(line)
    flush()
    return out


# ---------------------------------------------------------------- tables across pages


def _compatible(a: _PTable, b: _PTable) -> bool:
    if abs(a.xs[0] - b.xs[0]) > 8 or abs(a.xs[-1] - b.xs[-1]) > 8:
        return False
    ia, ib = a.xs[1:-1], b.xs[1:-1]

    def subset(small: list[float], big: list[float]) -> bool:
        return all(any(abs(s - g) <= _CONT_TOL for g in big) for s in small)

    return subset(ib, ia) or subset(ia, ib)


def _last_row_edges(t: _PTable) -> list[float]:
    """The column edges of a table's last row (the edges of its ruled cells)."""
    last = t.n_rows - 1
    edges = set()
    for c in t.cells:
        if c.prov is not None and c.row <= last < c.row + c.row_span:
            edges.update((t.xs[c.col], t.xs[c.col + c.col_span]))
    return sorted(edges)


def _snapped_to_last_row(a: _PTable, b: _PTable) -> _PTable | None:
    """``b`` with its column edges moved onto those of ``a``'s last row, when it has the
    same columns up to a small shift (a browser may lay a table's columns out again on
    the next page: 176.1 above the break, 178.9 below it), else None."""
    edges = _last_row_edges(a)
    if len(edges) != len(b.xs):
        return None
    tol = 0.01 * (edges[-1] - edges[0])
    if any(abs(x - y) > tol for x, y in zip(edges, b.xs, strict=True)):
        return None
    return _PTable(b.page, b.bbox, edges, b.ys, b.cells, b.last_page)


def _starts_enumeration(text: str) -> bool:
    return _HEADING.match(text) is not None


def _merge(a: _PTable, b: _PTable) -> _PTable:
    """Append ``b`` (continued on the next page) to ``a`` on the union of their column edges."""
    inner = _cluster(a.xs[1:-1] + b.xs[1:-1], _CONT_TOL)
    xs = [min(a.xs[0], b.xs[0]), *inner, max(a.xs[-1], b.xs[-1])]

    def remap(t: _PTable) -> list[int]:
        m = [0] * len(t.xs)
        m[-1] = len(xs) - 1
        for i in range(1, len(t.xs) - 1):
            m[i] = _index(xs, t.xs[i])
        return m

    ma, mb = remap(a), remap(b)

    def moved(t: _PTable, m: list[int], row_off: int) -> list[Cell]:
        out = []
        for c in t.cells:
            c0, c1 = m[c.col], m[c.col + c.col_span]
            out.append(Cell(c.row + row_off, c0, c.text, c.row_span, c1 - c0, c.prov))
        return out

    cells_a = moved(a, ma, 0)
    # Drop a header that the continuation repeats.
    b_rows = {}
    for c in b.cells:
        b_rows.setdefault(c.row, []).append(c)
    a_rows = {}
    for c in a.cells:
        a_rows.setdefault(c.row, []).append(c)
    skip = 0
    while (
        skip < min(a.n_rows, b.n_rows) - 1
        and sorted((c.col, c.text) for c in b_rows.get(skip, []))
        == sorted((c.col, c.text) for c in a_rows.get(skip, []))
        and any(c.text for c in b_rows.get(skip, []))
    ):
        skip += 1
    b_kept = _PTable(b.page, b.bbox, b.xs, b.ys[skip:], [], {})
    for c in b.cells:
        if c.row >= skip:
            b_kept.cells.append(Cell(c.row - skip, c.col, c.text, c.row_span, c.col_span, c.prov))
        elif c.row + c.row_span > skip:  # a header cell spanning into the body: keep its tail
            b_kept.cells.append(Cell(0, c.col, c.text, c.row + c.row_span - skip, c.col_span, c.prov))
    cells_b = moved(b_kept, mb, a.n_rows)
    n_cols = len(xs) - 1

    # Rejoin merged cells cut by the page break: in the label columns (those with a
    # further label column to their right), a continuation cell that is empty or does
    # not start a new item (一、 （四） 1. ...) continues the cell above it.  Numbers and
    # blank-markers (-, —, /, 无) are data and never rejoined.
    last = a.n_rows - 1
    first = a.n_rows
    a_slot: dict[int, Cell] = {}
    for c in cells_a:
        if c.row <= last < c.row + c.row_span:
            for k in range(c.col, c.col + c.col_span):
                a_slot[k] = c
    b_first = {c.col: c for c in cells_b if c.row == first}
    # Data columns hold a number or blank-marker somewhere; label columns lie left of
    # the first one.  The continuation row must carry its own label further right (the
    # row label of table 三), else it is a data row under a header (table 四) and an
    # empty cell there is a blank, not the rest of the header cell above.
    first_data = min(
        (c.col for c in cells_a + cells_b if c.col_span == 1 and _is_value(c.text)), default=n_cols
    )
    row_labels = [k for k, c in b_first.items() if c.text and not _is_value(c.text)]
    replace: dict[int, Cell] = {}
    drop: set[int] = set()
    for col, cb in sorted(b_first.items()):
        ca = a_slot.get(col)
        if ca is None or ca.col != col or ca.col_span != cb.col_span:
            continue
        right = col + cb.col_span
        if right >= first_data or not any(k >= right for k in row_labels):
            continue
        label_right = (
            right < n_cols
            and (right in b_first and not _is_value(b_first[right].text))
            and (right in a_slot and not _is_value(a_slot[right].text))
        )
        if not label_right or _is_value(ca.text) or _is_value(cb.text):
            continue
        if cb.text and _starts_enumeration(cb.text):
            continue
        if not ca.text:
            continue
        merged = Cell(
            ca.row,
            ca.col,
            join_lines([ca.text, cb.text]),
            ca.row_span + cb.row_span,
            ca.col_span,
            ca.prov,
        )
        replace[id(ca)] = merged
        drop.add(id(cb))
    _rejoin_split_row(cells_a, cells_b, last, first, replace, drop)
    cells = [replace.get(id(c), c) for c in cells_a] + [c for c in cells_b if id(c) not in drop]
    ys = a.ys + [y + 1e6 * b.page for y in b_kept.ys[1:]]  # only the count matters from here
    return _PTable(a.page, a.bbox, xs, ys, cells, b.last_page)


def _rejoin_split_row(
    cells_a: list[Cell], cells_b: list[Cell], last: int, first: int, replace: dict[int, Cell], drop: set[int]
) -> None:
    """A data row the page break cut in two (Word and LibreOffice let a row break across
    pages): the continuation has no label and only the tails of some of the row's
    numbers ('26' above the break, '9' below it: 269).  Its texts join the row above."""
    a_last = {c.col: c for c in cells_a if c.row == last and c.row_span == 1}
    b_first = [c for c in cells_b if c.row == first and c.text.strip()]
    if not b_first or any(not _is_value(c.text) for c in b_first):
        return
    values_above = {k: c for k, c in a_last.items() if c.text.strip() and _is_value(c.text)}
    labels_above = [c for c in a_last.values() if c.text.strip() and not _is_value(c.text)]
    if not labels_above or len(b_first) >= len(values_above):
        return
    if any(c.col not in values_above or c.col_span != values_above[c.col].col_span for c in b_first):
        return
    if any(not re.fullmatch(r"[0-9０-９.,，]+", c.text.strip()) for c in b_first):
        return  # only digits continue a number; a dash below is a row of its own
    for cb in b_first:
        ca = replace.get(id(values_above[cb.col]), values_above[cb.col])
        replace[id(values_above[cb.col])] = ca._replace(text=ca.text.strip() + cb.text.strip())
        drop.add(id(cb))
    rest = [c for c in cells_b if c.row == first and not c.text.strip()]
    drop.update(id(c) for c in rest)


_VALUE = re.compile(
    r"[0-9０-９.,，．%％\-—–－―/／ \u3000]*[0-9０-９][0-9０-９.,，．%％ \u3000]*|[-—–－―/／无無×]+"
)


def _is_value(text: str) -> bool:
    """A printed number (ASCII or full-width digits) or a blank-marker (-, —, /, 无): data, not a label.

    Placeholders count as data so that a dash under a dash is never taken for a label
    cut by the page break and glued to the one above ('-' + '-' -> '--').
    """
    return bool(_VALUE.fullmatch(text.strip(" \u3000\xa0")))


# ---------------------------------------------------------------- assembly


def layout(pages: list[RawPage]) -> list[Paragraph | Table]:
    """Paragraphs and tables of the whole document in reading order."""
    items: list[tuple[int, float, object]] = []  # (page, top, _Line | _PTable)
    lines_by_page: dict[int, list[_Line]] = {}
    for page in pages:
        chars = page.chars
        tables: list[_PTable] = []
        for boxes in page.tables:
            xs = _cluster([b[0] for b in boxes] + [b[2] for b in boxes], _EDGE_TOL)
            if len(xs) < 3:  # one column: a framed text box, read as narrative
                continue
            t, chars = _build_page_table(page.number, boxes, chars)
            tables.append(t)
        lines_by_page[page.number] = _page_lines(page, chars)
        for t in tables:
            items.append((page.number, t.bbox[1], t))
    _drop_running(pages, lines_by_page)
    for page in pages:
        for line in lines_by_page[page.number]:
            items.append((page.number, line.bbox[1], line))
    items.sort(key=lambda it: (it[0], it[1]))

    # Join tables continued across a page break.
    seq: list[object] = []
    for _, _, obj in items:
        prev = seq[-1] if seq else None
        if (
            isinstance(obj, _PTable)
            and isinstance(prev, _PTable)
            and obj.page == prev.last_page + 1
            and _first_on_page(items, obj)
        ):
            if _compatible(prev, obj):
                seq[-1] = _merge(prev, obj)
                continue
            snapped = _snapped_to_last_row(prev, obj)
            if snapped is not None:
                seq[-1] = _merge(prev, snapped)
                continue
        seq.append(obj)

    all_lines = [o for o in seq if isinstance(o, _Line)]
    if all_lines:
        lefts = sorted(line.bbox[0] for line in all_lines)
        rights = sorted(line.bbox[2] for line in all_lines)
        left = lefts[len(lefts) // 10]
        right = rights[len(rights) * 9 // 10]
    else:
        left, right = 0.0, 0.0

    blocks: list[Paragraph | Table] = []
    run: list[_Line] = []

    def flush() -> None:
        for text, first, last in _paragraphs(run, left, right):
            bbox = first.bbox if first.page != last.page else _union(first.bbox, last.bbox)
            blocks.append(Paragraph(text, Provenance(page=first.page, bbox=_round(bbox))))
        run.clear()

    for obj in seq:
        if isinstance(obj, _Line):
            run.append(obj)
            continue
        flush()
        assert isinstance(obj, _PTable)
        cells = tuple(sorted(obj.cells, key=lambda c: (c.row, c.col)))
        blocks.append(Table(cells, obj.n_rows, obj.n_cols, Provenance(page=obj.page, bbox=_round(obj.bbox))))
    flush()
    return blocks


def _first_on_page(items: list[tuple[int, float, object]], t: _PTable) -> bool:
    for page, _, obj in items:
        if page == t.page:
            return obj is t
    return False


def _union(a: BBox, b: BBox) -> BBox:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))
