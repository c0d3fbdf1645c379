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

from nianbao.extract.encoding import decode_text
from nianbao.extract.errors import EmptyDocument
from nianbao.extract.model import Block, Document, Paragraph, Provenance, table_from_rows
from nianbao.extract.readers import _txt_layout as layout
from nianbao.extract.sections import heading_number

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


def _is_heading(line: str) -> bool:
    return heading_number(line.strip()) is not None


_BLANK = " \t\u3000\u00a0\ufeff"


def _bare_cells(lines: list[str]) -> list[Block] | None:
    """Tables saved as text with every cell on a line of its own and no mark at all.

    An office suite's "save as text" prints each cell as a line, an empty cell as an empty
    line, a wrapped label as two lines, and nothing between rows.  Inside parts 二–四, a
    row is its label lines and the value lines after them: a label line opening with a
    list mark starts a new label, one without continues a marked label above it (a wrap);
    empty lines among the values are blank cells (extra ones at a row's end are the
    merges' and are trimmed by the mapping); a row label followed only by empty lines is
    a row of blank cells; two or three unmarked label lines after a row are one label
    wrapped (其他对外管 / 理服务事项).  None when the text is not of this kind.
    """
    if any("\t" in ln or ln.strip().endswith("|") for ln in lines) or not _looks_bare(lines):
        return None
    blocks: list[Block] = []
    part = 0
    region: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        n = heading_number(line.strip(_BLANK))
        if n is not None:
            blocks += _bare_table(region, part)
            region = []
            part = n
            blocks.append(Paragraph(line.strip(_BLANK), Provenance(lines=(i + 1, i + 1))))
        elif part in (2, 3, 4):
            region.append((i, line))
        elif line.strip(_BLANK) and not _IMAGE.match(line.strip()):
            blocks.append(Paragraph(line.strip(_BLANK), Provenance(lines=(i + 1, i + 1))))
    blocks += _bare_table(region, part)
    return blocks


def _looks_bare(lines: list[str]) -> bool:
    """Numbers on lines of their own, many of them; or fewer (a report of mostly blank
    cells) with the header words alone on their lines and no column laid out by spaces."""
    stripped = [ln.strip(_BLANK) for ln in lines]
    numbers = sum(1 for s in stripped if layout.NUMBER.match(s))
    if numbers >= 30:
        return True
    spaced = sum(1 for s in stripped if _SPACED.search(s))
    return numbers >= 8 and ("信息内容" in stripped or "信息內容" in stripped) and spaced <= 2


_SPACED = re.compile(r"\S {2,}\S")


def _opens(label: str) -> bool:
    """A label line that starts something (a list mark, 第二十条…, 信息内容): never a wrap's tail."""
    return bool(layout.MARK.match(label) or layout.HEADERISH.match(label))


# A column heading of table 二 (本年制发件数, 处理决定数量, 采购总金额, 本年增/减, …).
_COLUMN_WORD = re.compile(r"(?:数量|件数|金额|增/减|万元[）)])$")


def _row_label(label: str, part: int) -> bool:
    """A row's label, not a heading: table 三's rows carry list marks; table 二's rows are
    the lines that are neither a part heading nor a column heading."""
    if layout.MARK.match(label):
        return True
    return part == 2 and not layout.HEADERISH.match(label) and not _COLUMN_WORD.search(label)


def _bare_table(region: list[tuple[int, str]], part: int = 0) -> list[Block]:
    rows: list[list[str]] = []
    provs: list[list[Provenance | None]] = []
    labels: list[str] = []
    values: list[str] = []
    first = last = 0

    def close() -> None:
        if not labels and not values:
            return
        prov = Provenance(lines=(first, last))
        # Header words before the first row stand alone; the row keeps its own label (and
        # a group label with a shallower mark just before it).  A long run of values (表四's
        # one row) has no label of its own.
        own = 0
        printed = len(values)
        while printed and not values[printed - 1]:
            printed -= 1
        if values and printed < 10 and labels:
            own = 1
            if len(labels) >= 2 and layout.MARK.match(labels[-1]) and layout.MARK.match(labels[-2]):
                own = 2
            elif after_row and 2 <= len(labels) <= 3 and not any(_opens(lab) for lab in labels):
                labels[:] = ["".join(labels)]  # a label without a mark wrapped (其他对外管 / 理服务事项)
        elif not values:
            own = len(labels)
        for lab in labels[: len(labels) - own]:
            rows.append([lab])
            provs.append([prov])
        cells = [*labels[len(labels) - own :], *values]
        if cells:
            rows.append(cells)
            provs.append([prov] * len(cells))

    pending = 0  # empty lines after a label, before any value
    after_row = False  # the labels follow a row with values (not a header above the first)
    for i, line in region:
        s = line.strip(_BLANK)
        if not s:
            if values:
                values.append("")
            elif labels:
                pending += 1
            continue
        if layout.NUMBER.match(s):
            if not labels and not values:
                first = i + 1
            values += [""] * pending  # blank cells before the first printed one
            pending = 0
            values.append(s)
            last = i + 1
            continue
        if labels and not values and pending and _row_label(labels[-1], part):
            # A row whose cells are all blank: its empty lines, then the next label (extra
            # ones, a merge's covered slots, are trimmed by the mapping).
            values += [""] * pending
        elif labels and not values and pending == 1:
            values.append("")  # one empty line under a label and then the next: a blank cell
        pending = 0
        if values:  # a label after values: a new row
            close()
            labels, values, first, after_row = [], [], i + 1, True
        if labels and labels[-1].startswith("第二十条") and "项" not in labels[-1]:
            labels[-1] += s  # a wrapped part heading: 第二十条 第 / （一）项
        elif labels and not _opens(s) and layout.MARK.match(labels[-1]):
            labels[-1] += s  # a wrapped label
        else:
            if not labels:
                first = i + 1
            labels.append(s)
        last = i + 1
    if labels and not values and pending and _row_label(labels[-1], part):
        values += [""] * pending  # the part's last row, all blank
    close()
    if not any(any(layout.NUMBER.match(c) for c in r) for r in rows):
        return [Paragraph(" ".join(r), p[0] if p else None) for r, p in zip(rows, provs, strict=True) if r]
    span = Provenance(lines=(region[0][0] + 1, region[-1][0] + 1))
    return [table_from_rows(rows, structured=False, prov=span, cell_prov=provs)]


def _blocks(lines: list[str]) -> list[Block]:
    bare = _bare_cells(lines)
    if bare is not None:
        return bare
    blocks: list[Block] = []
    laid_out = layout.looks_laid_out(lines)
    if laid_out:
        lines = layout.blank_page_numbers(lines)
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if laid_out and layout.is_table_line(line) and not _is_heading(line):
            end = layout.region_end(lines, i, _is_heading)
            table = layout.build_table(lines, i, end)
            if table is not None:
                blocks.append(table)
                i = end
                continue
        if laid_out and layout.is_page_line(line):
            i += 1
            continue
        if _is_pipe_line(line) and (i + 1 < n and _is_pipe_line(lines[i + 1])):
            i = _pipe_table(lines, i, blocks)
        elif _is_cell_line(line):
            i = _cell_per_line_table(lines, i, blocks)
        elif not laid_out and _row_cells(line) is not None and i + 1 < n and _row_cells(lines[i + 1]):
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
    while i < len(lines) and (_is_cell_line(lines[i]) or not lines[i].strip() or _continues(lines, i)):
        line = lines[i]
        if _is_cell_line(line):
            current.append(line[1:])
            current_prov.append(Provenance(lines=(i + 1, i + 1)))
        elif line.strip() and current:  # a long cell wrapped onto a line of its own, no tab
            current[-1] += line.strip()
            a, _b = current_prov[-1].lines if current_prov[-1] and current_prov[-1].lines else (i + 1, i + 1)
            current_prov[-1] = Provenance(lines=(a, i + 1))
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


def _continues(lines: list[str], i: int) -> bool:
    """A line without a tab that carries on the cell above it (Word wrapped a long label).

    It follows a cell line directly (or another such line), is short, is not a heading,
    and a cell line comes within the next three lines.
    """
    k = i
    while k > 0 and _is_wrap_candidate(lines[k]):
        k -= 1
    if k == i or i - k > 3 or not _is_cell_line(lines[k]):
        return False
    j = i
    while j < len(lines) and _is_wrap_candidate(lines[j]) and j - i < 3:
        j += 1
    while j < len(lines) and not lines[j].strip() and j - i < 5:  # the blank line between rows
        j += 1
    return j < len(lines) and _is_cell_line(lines[j])


def _is_wrap_candidate(line: str) -> bool:
    s = line.strip()
    return bool(s) and "\t" not in line and len(s) <= 40 and not _is_heading(line)


def _is_pipe_line(line: str) -> bool:
    """A line of a pipe table: ``| a | b |``, a crawler's ``| a |`` / ``b |`` cell lines, ``|||``."""
    s = line.strip()
    return s == "|" or (len(s) >= 2 and (s.startswith("|") or s.endswith(" |")))


_RULE_CELL = re.compile(r"^:?-{3,}:?$")


def _pipe_table(lines: list[str], start: int, blocks: list[Block]) -> int:
    """Consume a pipe table, in the shapes crawlers write it.

    * ``| a | b |`` or ``a | b |``: a row on one line (empty cells kept between pipes);
    * ``a |`` lines: one cell a line, the row closed by a line of pipes only (``|``, ``||||``);
    * ``| a |``: a one-cell line opening with a pipe starts a new row.
    A Markdown rule (``| --- |``) is passed over.
    """
    rows: list[list[str]] = []
    provs: list[list[Provenance | None]] = []
    current: list[str] | None = None
    current_prov: list[Provenance | None] = []

    def close() -> None:
        nonlocal current, current_prov
        if current:
            rows.append(current)
            provs.append(current_prov)
        current, current_prov = None, []

    i = start
    while i < len(lines) and _is_pipe_line(lines[i]):
        s = lines[i].strip()
        prov = Provenance(lines=(i + 1, i + 1))
        i += 1
        if not s.strip("|"):
            close()  # a line of pipes ends the row
            continue
        body = s[1:] if s.startswith("|") else s
        body = body[:-1] if body.endswith("|") else body
        parts = [p.strip() for p in body.split("|")]
        if all(_RULE_CELL.match(p) for p in parts):
            continue
        if len(parts) > 1:  # a whole row on its line
            close()
            rows.append(parts)
            provs.append([prov] * len(parts))
        elif s.startswith("|") or current is None:
            close()
            current, current_prov = [parts[0]], [prov]
        else:
            current.append(parts[0])
            current_prov.append(prov)
    close()
    # A grid kept whole (every row as wide, merged slots as empty cells) places values by column.
    grid = len(rows) >= 3 and len({len(r) for r in rows}) == 1
    blocks.append(
        table_from_rows(rows, structured=grid, prov=Provenance(lines=(start + 1, i)), cell_prov=provs)
    )
    return i


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
