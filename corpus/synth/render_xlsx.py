"""An .xlsx workbook, written with openpyxl, as agencies attach the report's tables.

Two layouts, drawn per document:

* ``one``: the whole report on one sheet, a text line per row (sometimes merged across
  the table's width), the tables under their headings, with or without an empty row
  between the pieces;
* ``split``: the narrative on a sheet ``报告``, each table on a sheet of its own
  (``表二`` …).

Merged cells are merged ranges.  A count is stored as a number when it is printed as a
plain integer (sometimes with a ``#,##0`` format for 1,234), anything else (—, 无, 12.5元)
as text.  Core-property timestamps are fixed so output is reproducible.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Side
from openpyxl.utils import get_column_letter

from .layout import Grid
from .report import Report

_INT = re.compile(r"^(?:0|[1-9]\d*)$")
_THOUSANDS = re.compile(r"^[1-9]\d{0,2}(?:,\d{3})+$")
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _value(text: str):
    if _INT.match(text):
        return int(text), None
    if _THOUSANDS.match(text):
        return int(text.replace(",", "")), "#,##0"
    return text, None


def _line(ws, row: int, text: str, width: int, rng: random.Random) -> int:
    ws.cell(row, 1, text)
    if width > 1 and rng.random() < 0.5:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    return row + 1


def _table(ws, row: int, grid: Grid, rng: random.Random, col0: int = 1) -> int:
    for cell in grid.cells:
        r, c = row + cell.r, col0 + cell.c
        if cell.text.strip():
            value, fmt = _value(cell.text.strip(" "))
            target = ws.cell(r, c, value)
            if fmt:
                target.number_format = fmt
        ws.cell(r, c).border = _BOX
        if cell.rs > 1 or cell.cs > 1:
            ws.merge_cells(start_row=r, start_column=c, end_row=r + cell.rs - 1, end_column=c + cell.cs - 1)
        if "\n" in cell.text:
            ws.cell(r, c).alignment = Alignment(wrap_text=True)
    return row + grid.n_rows


def render(report: Report, rng: random.Random) -> bytes:
    wb = Workbook()
    ws = wb.active
    layout = rng.choice(("one", "one", "split"))
    gap = rng.random() < 0.6  # an empty row between pieces
    width = max((b.grid.n_cols for b in report.blocks if b.grid is not None), default=10)
    ws.title = "Sheet1" if layout == "one" else "报告"
    row = 1
    for b in report.blocks:
        if b.kind == "table" and b.grid is not None:
            if layout == "split":
                name = {"t2": "表二", "t3": "表三", "t4": "表四"}[b.grid.table]
                target = wb[name] if name in wb.sheetnames else wb.create_sheet(name)
                _table(target, target.max_row + 2 if target.max_row > 1 else 1, b.grid, rng)
                continue
            row = _table(ws, row, b.grid, rng) + (1 if gap or rng.random() < 0.3 else 0)
            continue
        row = _line(ws, row, b.text, width, rng)
        if gap and b.kind != "heading":
            row += 1
    for sheet in wb.worksheets:
        sheet.column_dimensions[get_column_letter(1)].width = 24
    when = dt.datetime(report.published.year, report.published.month, report.published.day, 9, 30, 0)
    wb.properties.creator = rng.choice(("Administrator", "user", "微软用户", ""))
    wb.properties.created = when
    wb.properties.modified = when
    buf = io.BytesIO()
    wb.save(buf)
    return _fix_zip(buf.getvalue(), report.published)


def _fix_zip(data: bytes, when: dt.date) -> bytes:
    """Fixed member timestamps and modification date (openpyxl stamps the current time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    stamp = f"{when.isoformat()}T09:30:00Z".encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=5) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", body)
            zi = zipfile.ZipInfo(info.filename, date_time=(when.year, when.month, when.day, 9, 30, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, body)
    return buf.getvalue()


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
