"""Tables in text laid out by position, as ``pdftotext -layout`` prints a PDF.

The columns survive only as runs of spaces, and a table row is no longer one line:

* a wrapped row label spreads over several lines and its numbers stand on one of them
  (the first, the middle or the last: the PDF centres them in the cell);
* group labels of merged cells (（三）不予公开, 三、本年度办理结果 set vertically one
  character a line) stand to the left of the row labels, on lines of their own;
* header words split across lines (商业企 / 业), blank cells leave no mark at all, and
  page-number lines (``-3-``) and form feeds fall in the middle of a table.

A *value line* is a line ending in numbers; each becomes one row.  The lines without
numbers between two value lines are given to one of them: a fragment that opens with a
list mark (（二）, 1., 2、) starts the next row's label, the rest continue the row above
unless the next row has no label of its own yet.  Fragments left of a row's label column
are group labels (their own cell), fragments over the value columns are header text.
Values are placed in columns by where they stand, so a blank cell is an empty cell, not
a shifted neighbour.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from nianbao.extract.model import Provenance, Table, table_from_rows

_FRAGMENT = re.compile(r"\S+(?: \S+)*")
NUMBER = re.compile(r"^(?:[+\-−]?\d[\d,，]*(?:\.\d+)?(?:%|万?元)?|[—–－\-/／]+|[无無])$")
_PAGE_LINE = re.compile(
    r"^\s*(?:[-－—–]\s*\d{1,3}\s*[-－—–]|第\s*\d{1,3}\s*页(?:\s*[/，,]?\s*共\s*\d{1,3}\s*页)?|\d{1,3}\s*/\s*\d{1,3})\s*$"
)
MARK = re.compile(
    r"^(?:[（(]\s*[一二三四五六七八九十\d]+\s*[)）]|\d+\s*[.、．]|[一二三四五六七八九十]+\s*[、.．])"
)
# Words that open a part of table 二 or a header, never a row label's continuation.
HEADERISH = re.compile(r"^(?:第二十条|信息内容|申请人情况)")
_SECTION_HEAD = re.compile(r"^\s*[一二三四五六]\s*[、.．]")


@dataclass(slots=True)
class Frag:
    x: int
    text: str

    @property
    def end(self) -> int:
        return self.x + len(self.text)


@dataclass(slots=True)
class _Line:
    no: int  # 1-based line number in the file
    labels: list[Frag]
    values: list[Frag]
    page: int = 0  # pages (form feeds) since the table began: each page has its own columns


@dataclass(slots=True)
class _Row:
    line: _Line
    pre: list[Frag] = field(default_factory=list)  # label pieces on lines above the value line
    own: list[Frag] = field(default_factory=list)  # label pieces on the value line
    post: list[Frag] = field(default_factory=list)  # label pieces on lines below it
    header: bool = False
    first: int = 0
    last: int = 0
    frag: Frag | None = None  # of a header row: the one fragment it holds

    def settle(self) -> tuple[str, str]:
        """(group text, row label): pieces left of where the row's label starts are group labels.

        The label starts at the piece with the deepest list mark (1. under （一） under 一、),
        else at the value line's last piece; group labels of merged cells end left of it.
        """
        pieces = [*self.pre, *self.own, *self.post]
        if not pieces:
            return "", ""
        marked = [(level, k) for k, f in enumerate(pieces) if (level := _mark_level(f.text)) is not None]
        if marked:
            start = pieces[max(marked)[1]]
        else:
            start = self.own[-1] if self.own else pieces[0]
        # a group label ends before the row label's column begins (wrapped lines are centred)
        group = [f.text for f in pieces if f.end <= start.x]
        label = [f.text for f in pieces if f.end > start.x]
        return "".join(group), "".join(label)


def _mark_level(text: str) -> int | None:
    """0 for 一、, 1 for （一）, 2 for 1. / 1、 / （1）; None for no list mark."""
    m = MARK.match(text)
    if not m:
        return None
    mark = m.group(0)
    if any(ch.isdigit() for ch in mark):
        return 2
    return 1 if mark[0] in "（(" else 0


def is_page_line(line: str) -> bool:
    """``- 3 -``, ``-3-``, ``第3页``, ``3/6``: a page number printed as a line of its own."""
    return bool(_PAGE_LINE.match(line))


def fragments(line: str) -> list[Frag]:
    """Pieces of a line split by runs of two or more spaces; numbers split by one space too."""
    out: list[Frag] = []
    text = line.replace("\u3000", "  ").replace("\u00a0", " ").replace("\f", "")
    for m in _FRAGMENT.finditer(text):
        parts = m.group(0).split(" ")
        if len(parts) > 1 and all(NUMBER.match(p) for p in parts):
            x = m.start()
            for p in parts:
                out.append(Frag(x, p))
                x += len(p) + 1
            continue
        # pdftotext squeezes a narrow gap between two cells to one space: "（六）其 2.申请人…"
        x = m.start()
        piece = parts[0]
        for p in parts[1:]:
            if _cell_gap(piece, p):
                out.append(Frag(x, piece))
                x += len(piece) + 1
                piece = p
            else:
                piece = f"{piece} {p}"
        out.append(Frag(x, piece))
    return out


def _cell_gap(left: str, right: str) -> bool:
    """Whether one space between two pieces of Chinese text parts two cells (not 结 果)."""
    cjk = "\u3400" <= left[-1:] <= "\u9fff" or left[-1:] in "）)、，。”"
    if right.startswith("第"):  # 第二十条 第（一）项: one title
        return False
    if bool(MARK.match(right)):
        return True
    wide = (len(left) >= 2 and len(right) >= 2) or (len(left) == 1 and len(right) >= 3)
    return cjk and wide and not right[0].isascii()


@lru_cache(maxsize=4096)
def _split(line: str) -> tuple[Frag, ...]:
    """A line's fragments, once: detection, region finding and table building all ask."""
    return tuple(fragments(line))


def _parse(no: int, line: str) -> _Line:
    frags = list(_split(line))
    k = len(frags)
    while k > 0 and NUMBER.match(frags[k - 1].text):
        k -= 1
    return _Line(no, frags[:k], frags[k:])


def blank_page_numbers(lines: list[str]) -> list[str]:
    """Lines with the page number alone (``3``) just before a form feed, blanked."""
    out = list(lines)
    for i, ln in enumerate(lines):
        if not ln.startswith("\f"):
            continue
        j = i - 1
        while j >= 0 and not out[j].strip():
            j -= 1
        if j >= 0 and re.fullmatch(r"\s*\d{1,3}\s*", out[j]):
            out[j] = ""
    return out


def looks_laid_out(lines: list[str]) -> bool:
    """Whether a text keeps tables by position: value lines separated by blank lines or labels."""
    if any("\f" in ln for ln in lines[:5000]):  # pdftotext ends every page with a form feed
        return True
    gaps = 0
    since: int | None = None  # lines since the last value line
    for ln in lines:
        if "\t" in ln:
            return False
        if since is not None:
            since += 1
        if not ln.strip():
            continue
        p = _parse(0, ln)
        if p.values and p.labels and p.values[0].x - p.labels[-1].end >= 2:
            if since is not None and 2 <= since <= 6:
                gaps += 1
            since = 0
        elif (
            len(p.labels) > 1
            or len(ln.strip()) > 24
            or _SECTION_HEAD.match(ln)
            or HEADERISH.match(ln.strip())
        ):
            since = None  # a header row, prose or a heading: value lines around it are not one row
    return gaps >= 2


def is_table_line(line: str) -> bool:
    """A line that can belong to a laid-out table: several fragments, or numbers."""
    p = _parse(0, line)
    return len(p.labels) + len(p.values) >= 2 or bool(p.values)


def region_end(lines: list[str], start: int, stop) -> int:
    """The index after the last line of the table region that starts at ``start``.

    The region runs while lines are table lines, blank lines, page lines, or short
    label lines followed soon by another table line; ``stop(line)`` ends it (a heading).
    """
    i, last = start, start
    n = len(lines)
    while i < n:
        line = lines[i]
        s = line.strip().replace("\f", "")
        if not s or is_page_line(line):
            i += 1
            continue
        if stop(line):
            break
        if is_table_line(line):
            last = i
            i += 1
            continue
        # a short line (a wrapped label, a header word) if a table line follows soon
        if len(s) <= 24 and _table_line_soon(lines, i + 1, stop):
            i += 1
            continue
        break
    return last + 1


def _table_line_soon(lines: list[str], i: int, stop, within: int = 7) -> bool:
    """Whether a table line comes among the next few lines that hold text (page lines skipped)."""
    seen = 0
    while i < len(lines) and seen < within:
        line = lines[i]
        i += 1
        if not line.strip().replace("\f", "") or is_page_line(line):
            continue
        if stop(line):
            return False
        if is_table_line(line):
            return True
        seen += 1
    return False


def build_table(lines: list[str], start: int, end: int) -> Table | None:
    """The table of ``lines[start:end]`` (0-based), rows rebuilt from positions."""
    parsed = []
    page = 0
    for i in range(start, end):
        page += lines[i].count("\f")
        if lines[i].strip().replace("\f", "") and not is_page_line(lines[i]):
            line = _parse(i + 1, lines[i])
            line.page = page
            parsed.append(line)
    value_lines = [p for p in parsed if p.values]
    if len(value_lines) < 2 and not (value_lines and len(value_lines[0].values) >= 3):
        return None
    value_x = min(f.x for p in value_lines for f in p.values)
    blank_rows = _rows_left_blank(parsed, value_x)
    rows: list[_Row] = []
    pending: list[_Line] = []  # number-less lines since the last value line
    for k, p in enumerate(parsed):
        if not p.values and k not in blank_rows:
            pending.append(p)
            continue
        row = _Row(p, own=list(p.labels), first=p.no, last=p.no)
        _share(rows, pending, row, value_x)
        pending = []
        rows.append(row)
    _share(rows, pending, None, value_x)
    return _table(rows)


def _rows_left_blank(parsed: list[_Line], value_x: int) -> set[int]:
    """Lines opening a row whose cells are all blank: no value line before the next row.

    A label with a list mark opens a row when the next mark is not deeper (（一） then
    （二）); a mark followed by deeper ones is a group label (（三）不予公开 over 1. … 8.).
    """
    marks = [
        (k, level)
        for k, p in enumerate(parsed)
        for f in p.labels
        if f.x < value_x - 2 and (level := _mark_level(f.text)) is not None
    ]
    starts = [k for i, (k, level) in enumerate(marks) if i + 1 == len(marks) or marks[i + 1][1] <= level]
    out: set[int] = set()
    for i, k in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(parsed)
        if not any(p.values for p in parsed[k:end]) and k > 0 and any(p.values for p in parsed[:k]):
            out.add(k)
    return out


def _header(line: _Line, f: Frag) -> _Row:
    return _Row(line, own=[f], header=True, first=line.no, last=line.no, frag=f)


def _share(rows: list[_Row], between: list[_Line], nxt: _Row | None, table_x: int) -> None:
    """Give the number-less lines between the last row and ``nxt`` to one or the other."""
    prev = rows[-1] if rows and not rows[-1].header else None
    xs = [f.x for r in (prev, nxt) if r is not None for f in r.line.values]
    value_x = min(xs) if xs else table_x
    next_marked = nxt is not None and bool(nxt.own) and bool(MARK.match(nxt.own[-1].text))
    # A mark shallower than another in the same stretch is a group label (（六） beside 2.…):
    # it does not open the next row's label.
    levels = [lv for ln in between for f in ln.labels if (lv := _mark_level(f.text)) is not None]
    levels += [lv for f in (nxt.own if nxt else []) if (lv := _mark_level(f.text)) is not None]
    deepest = max(levels, default=None)
    to_next = False
    for line in between:
        for f in line.labels:
            if (value_x is not None and f.x >= value_x - 2) or HEADERISH.match(f.text):
                rows.append(_header(line, f))
                prev = None
                continue
            level = _mark_level(f.text)
            if level is not None and level == deepest and nxt is not None:
                to_next = True
            if prev is None and not to_next:  # above the first row: a note or header words
                rows.append(_header(line, f))
                continue
            if to_next:
                target = nxt
            elif nxt is None or next_marked:
                target = prev
            else:  # no mark either way: the nearer row
                target = nxt if nxt.first - line.no < line.no - prev.last else prev
            if target is None:
                rows.append(_header(line, f))
            elif target is nxt:
                target.pre.append(f)
                target.first = min(target.first, line.no)
            else:
                target.post.append(f)
                target.last = max(target.last, line.no)


def merge_header(frags: list[Frag], line_nos: list[int]) -> list[str]:
    """Header words split over lines (商业企 / 业, 结果 / 维持) joined, left to right."""
    return [text for text, _centre in header_words(frags, line_nos)]


def header_words(frags: list[Frag], line_nos: list[int]) -> list[tuple[str, float]]:
    """(word, centre of its first piece), left to right, pieces split over lines joined.

    A fragment continues the nearest fragment above it (within three lines) that starts
    at the same place or is centred on it, and is no longer than it.
    """
    order = sorted(range(len(frags)), key=lambda k: (line_nos[k], frags[k].x))
    parent: dict[int, int] = {}
    for pos, k in enumerate(order):
        f = frags[k]
        for j in reversed(order[:pos]):
            g = frags[j]
            if line_nos[k] - line_nos[j] > 3:
                break
            if line_nos[j] == line_nos[k] or j in parent.values():
                continue
            aligned = abs(g.x - f.x) <= 1 or abs((g.x + g.end) / 2 - (f.x + f.end) / 2) <= 1.5
            whole = HEADERISH.match(f.text) or HEADERISH.match(g.text)  # 第二十条…, 信息内容
            if aligned and not whole and len(f.text) <= len(g.text):
                parent[k] = j
                break
    child = {v: c for c, v in parent.items()}
    words: list[tuple[int, int, str, float]] = []
    for k in order:
        if k in parent:
            continue
        text, j = frags[k].text, k
        while j in child:
            j = child[j]
            text += frags[j].text
        words.append((frags[k].x, line_nos[k], text, (frags[k].x + frags[k].end) / 2))
    return [(text, centre) for _x, _n, text, centre in sorted(words, key=lambda w: (w[0], w[1]))]


# Header words that head a group of columns, never a column of their own.
_GROUP_WORD = re.compile(r"行政复议$|行政诉讼$|未经复议|复议后起诉|申请人情况|法人或其他组织")


def header_leaves(frags: list[Frag], line_nos: list[int]) -> list[float]:
    """Centres of the header pieces with nothing under them: one per value column.

    A piece with another piece below it that overlaps or touches it is the top of a word
    split over lines (结果 over 维持) or a group label (行政复议 over 其他); group labels
    printed clear of their columns are known by their words.
    """
    leaves = []
    for f, n in zip(frags, line_nos, strict=True):
        if _GROUP_WORD.search(f.text):
            continue
        if any(m > n and g.x <= f.end and f.x <= g.end for g, m in zip(frags, line_nos, strict=True)):
            continue
        leaves.append((f.x + f.end) / 2)
    return sorted(leaves)


def _fits(xs: list[float], centres: list[float]) -> bool:
    """Each value stands nearer its column (in order, as :func:`place` gives them) than
    three quarters of the narrowest gap between two columns."""
    gap = min((b - a for a, b in pairwise(centres)), default=0.0)
    tol = 0.75 * gap
    return all(abs(x - centres[j]) <= tol for x, j in zip(xs, _monotone(xs, centres, 0)[1], strict=True))


def place(xs: list[float], centres: list[float], drift: int = 6) -> list[int]:
    """The column of each value: in order, nearest the columns' centres.

    A row's values may all stand a few places off (a long label before them pushes the
    line): the best shift within ``drift`` is allowed, the same for the whole row.
    """
    tries = []
    for d in range(-drift, drift + 1):
        cost, cols = _monotone(xs, centres, d)
        tries.append((cost + 0.01 * abs(d), cols))  # no shift is preferred when it fits as well
    return min(tries, key=lambda t: t[0])[1]


def _monotone(xs: list[float], centres: list[float], shift: int) -> tuple[float, list[int]]:
    """Least total distance of values (shifted) to strictly increasing columns."""
    n, k = len(centres), len(xs)
    inf = float("inf")
    cost = [[inf] * (n + 1) for _ in range(k + 1)]
    back = [[-1] * (n + 1) for _ in range(k + 1)]
    for j in range(n + 1):
        cost[0][j] = 0.0
    for i in range(1, k + 1):
        for j in range(i, n + 1):  # value i-1 in column j-1
            here = abs(centres[j - 1] - (xs[i - 1] - shift))
            prev = min(range(i - 1, j), key=lambda q: cost[i - 1][q]) if i > 1 else 0
            c = cost[i - 1][prev] + here if i > 1 else here
            if c < cost[i][j]:
                cost[i][j], back[i][j] = c, prev
    j = min(range(k, n + 1), key=lambda q: cost[k][q])
    total, cols = cost[k][j], []
    for i in range(k, 0, -1):
        cols.append(j - 1)
        j = back[i][j]
    return total, cols[::-1]


def _columns(rows: list[_Row]) -> list[float]:
    """The centre of each value column, averaged over the rows that print every column."""
    width = max(len(r.line.values) for r in rows)
    full = [r.line.values for r in rows if len(r.line.values) == width]
    return [sum(v[j].x + len(v[j].text) / 2 for v in full) / len(full) for j in range(width)]


def _table(rows: list[_Row]) -> Table:
    texts: list[list[str]] = []
    provs: list[list[Provenance | None]] = []
    blocks: list[list[_Row]] = [[]]
    for r in rows:  # a block: header rows, then the data rows under them
        if r.header and blocks[-1] and not blocks[-1][-1].header:
            blocks.append([])
        blocks[-1].append(r)
    for block in blocks:
        data = [r for r in block if not r.header]
        centres = _columns(data) if data else []
        # pdftotext lays each page out on its own scale: columns per page where it has full rows
        by_page = {}
        for pg in {r.line.page for r in data}:
            rows = [r for r in data if r.line.page == pg]
            cols = _columns(rows)
            if len(cols) == len(centres):
                by_page[pg] = cols
        heads = [r for r in block if r.header]
        frags = [r.frag for r in heads if r.frag]
        line_nos = [r.first for r in heads if r.frag]
        if data and frags and not any(r.pre or r.own or r.post for r in data):
            # Rows of values alone (table 四's one row) with fewer values than the header
            # has columns: the header's bottom words stand over the columns.
            leaves = header_leaves(frags, line_nos)
            xs = [[f.x + len(f.text) / 2 for f in r.line.values] for r in data]
            if len(leaves) > len(centres) and all(_fits(x, leaves) for x in xs):
                centres, by_page = leaves, {}
        if heads:
            words = header_words(frags, line_nos)
            prov = Provenance(lines=(heads[0].first, heads[-1].last))
            texts.append([t for t, _c in words])
            provs.append([prov] * len(words))
        for r in data:
            prov = Provenance(lines=(r.first, r.last))
            values = [f.text for f in r.line.values]
            if len(values) < len(centres):
                slots = [""] * len(centres)
                at = place([f.x + len(f.text) / 2 for f in r.line.values], by_page.get(r.line.page, centres))
                for f, j in zip(r.line.values, at, strict=True):
                    slots[j] = f.text
                values = slots
            labels = [t for t in r.settle() if t]
            cells = [*labels, *values]
            texts.append(cells)
            provs.append([prov] * len(cells))
    return table_from_rows(
        texts, structured=False, prov=Provenance(lines=(rows[0].first, rows[-1].last)), cell_prov=provs
    )
