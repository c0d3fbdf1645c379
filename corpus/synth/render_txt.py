"""Plain text as Word or a web archive flattens a report.

``cell_per_line``: each table row begins after a blank line; each cell is one line, a tab
then the text; a slot covered by a vertical merge prints as a bare tab line.
``row_tab`` / ``row_spaces``: one line per row, cells separated by a tab or by runs of
two or more spaces (empty cells vanish in the latter).

Harder shapes (``synth --hard``), each one a flattening seen in published material:

``cell_wrap``: one cell per line, but a long label cell wraps onto a following line that
has no tab (the continuation starts at column 0).
``markdown``: pipe tables as HTML-to-Markdown converters write them (``| a | b |``, a
``| --- |`` rule under the first row); merged cells either padded with empty cells or
dropped.
``pipe_lines``: a crawler's text: one cell per line ending in `` |``, empty and covered
cells dropped, each row closed by a line of pipes (``|``, ``||||``).
``bare_cells``: as an office suite saves a document as text: every cell on a line of its
own with no mark, an empty cell as an empty line, a wrapped label on two lines, rows not
separated, a covered slot as an empty line after the row.
``pdftotext``: the report rendered to PDF and read back by poppler's ``pdftotext
-layout`` (space-aligned columns, wrapped labels, split headers, page-number lines and
form feeds in the tables); needs ``pdftotext`` on PATH.
Encodings: UTF-8, UTF-8 with BOM, GB18030.
"""

from __future__ import annotations

import random
import shutil
import subprocess

from .layout import Grid
from .report import Report, traditional


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


HARD_MODES = ("cell_wrap", "markdown", "pipe_lines", "pdftotext", "bare_cells")


def has_pdftotext() -> bool:
    return shutil.which("pdftotext") is not None


def _wrapped_cell(text: str, rng: random.Random) -> list[str]:
    """A label cell whose text Word wrapped: the tail on lines of its own, at column 0."""
    if len(text) < 10 or any(ch.isdigit() for ch in text[-3:]) or rng.random() < 0.4:
        return ["\t" + text]
    cut = rng.randint(5, len(text) - 3)
    out = ["\t" + text[:cut]]
    rest = text[cut:]
    if len(rest) > 10 and rng.random() < 0.3:
        cut2 = rng.randint(3, len(rest) - 3)
        out += [rest[:cut2], rest[cut2:]]
    else:
        out.append(rest)
    return out


def _markdown(grid: Grid, rng: random.Random, pad: bool) -> list[str]:
    lines: list[str] = []
    own = grid.owner()
    for i, row in enumerate(_row_cells(grid)):
        if pad:  # every slot a cell: a merge leaves empty cells beside its text
            cells = [
                cell.text.replace("\n", "") if cell and cell.r == i and cell.c == c else ""
                for c, cell in enumerate(own[i])
            ]
        else:
            cells = [t for t in row if t is not None]
        if not any(x.strip() for x in cells) and not pad:
            continue
        lines.append("| " + " | ".join(x.strip() for x in cells) + " |")
        if i == 0:
            lines.append("|" + "|".join([" --- "] * len(cells)) + "|")
    lines.append("")
    return lines


def _pipe_lines(grid: Grid) -> list[str]:
    """A crawler's text of a table: each printed cell on a line ending in `` |``, empty and
    covered cells dropped, the row closed by a line of pipes (one more than it dropped)."""
    lines: list[str] = []
    for row in _row_cells(grid):
        texts = [t.strip() for t in row if t is not None and t.strip()]
        lines += [t + " |" for t in texts]
        lines.append("|" * (grid.n_cols - len(texts) + 1))
    lines.append("")
    return lines


def _pdftotext(report: Report, rng: random.Random) -> str:
    from . import render_pdf

    pdf, _pages = render_pdf.render(report, rng)
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return done.stdout.decode("utf-8")


def _table_lines(grid: Grid, mode: str, rng: random.Random) -> list[str]:
    if mode == "markdown":
        return _markdown(grid, rng, pad=rng.random() < 0.5)
    if mode == "pipe_lines":
        return _pipe_lines(grid)
    lines: list[str] = []
    if mode == "bare_cells":
        for row in _row_cells(grid):
            for t in row:
                if t is None:
                    continue
                lines += _wrapped_cell(t, rng)[:2] if t.strip() else [""]
            lines += [""] * sum(1 for t in row if t is None)
        lines = [x[1:] if x.startswith("\t") else x for x in lines]
        return [*lines, ""]
    for row in _row_cells(grid):
        if mode == "cell_wrap":
            lines.append("")
            for t in row:
                lines += _wrapped_cell(t, rng) if t else ["\t"]
        elif mode == "cell_per_line":
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
    if mode == "pdftotext":
        text = _pdftotext(report, rng)
        enc = rng.choices(("utf-8", "gb18030"), (80, 20))[0]
        report.opts["encoding"] = enc
        return text.encode(enc, errors="replace")
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
    if report.opts.get("traditional"):  # a site's 繁體 version of the page
        text = traditional(text)
    enc = rng.choices(("utf-8", "utf-8-sig", "gb18030"), (60, 15, 25))[0]
    report.opts["encoding"] = enc
    return text.encode(enc)
