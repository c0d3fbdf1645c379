"""Read an Excel 97–2003 workbook (.xls, BIFF8 in an OLE2 compound file) with xlrd.

xlrd 2.x reads exactly this format (it dropped .xlsx).  The workbook is opened with
``formatting_info=True``, without which xlrd does not report merged ranges
(``MERGEDCELLS`` records); ``sheet.merged_cells`` gives ``(rlo, rhi, clo, chi)`` with
the high ends exclusive.  Cell types: text as is, numbers shown as stored (``12``,
``12.5``), dates (a number in a date format) as ``2022年1月20日``, booleans
``TRUE``/``FALSE``, errors by their Excel name.  Hidden sheets are skipped.  The cells
then go through :mod:`nianbao.extract.readers._sheet`, shared with ``.xlsx``.

A workbook saved with a password to open carries a ``FILEPASS`` record; xlrd refuses it
("Workbook is encrypted"), which is an :class:`EncryptedDocument` here.
"""

from __future__ import annotations

from nianbao.extract.errors import CorruptDocument, EmptyDocument, EncryptedDocument
from nianbao.extract.model import Block, Document
from nianbao.extract.readers._sheet import Sheet, number_text, sheet_blocks

MAX_CELLS = 500_000


def read(data: bytes, name: str = "") -> Document:
    """Read an .xls workbook into a :class:`Document`."""
    import xlrd

    if not data:
        raise EmptyDocument("empty file")
    try:
        book = xlrd.open_workbook(
            file_contents=data, formatting_info=True, on_demand=True, logfile=_Quiet(), ragged_rows=True
        )
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise EncryptedDocument("encrypted XLS: the workbook is password protected") from exc
        raise CorruptDocument(f"corrupt XLS: {exc}") from exc
    except Exception as exc:  # xlrd raises struct.error, IndexError, AssertionError on damage
        raise CorruptDocument(f"corrupt XLS: {type(exc).__name__}: {exc}") from exc
    try:
        blocks: list[Block] = []
        budget = MAX_CELLS
        framed = _bordered(book)
        for index in range(book.nsheets):
            try:
                ws = book.sheet_by_index(index)
            except Exception as exc:
                raise CorruptDocument(f"corrupt XLS: sheet {index + 1}: {type(exc).__name__}: {exc}") from exc
            if ws.visibility:
                continue
            sheet = Sheet(ws.name)
            for r in range(ws.nrows):
                for c, cell in enumerate(ws.row(r)):
                    text = _text(cell, book.datemode)
                    if not text or text.isspace():
                        if cell.xf_index is not None and cell.xf_index in framed:
                            sheet.framed.add(r)
                        continue
                    if text:
                        budget -= 1
                        if budget < 0:
                            raise CorruptDocument(f"XLS too large: more than {MAX_CELLS} non-empty cells")
                        sheet.cells[(r, c)] = text
            sheet.merges = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in ws.merged_cells]
            blocks.extend(sheet_blocks(sheet))
            book.unload_sheet(index)
    finally:
        book.release_resources()
    if not blocks:
        raise EmptyDocument("XLS has no text in its visible sheets")
    return Document(format="xls", blocks=tuple(blocks))


def _text(cell, datemode: int) -> str:
    import xlrd

    kind, value = cell.ctype, cell.value
    if kind == xlrd.XL_CELL_TEXT:
        return value
    if kind == xlrd.XL_CELL_NUMBER:
        return number_text(float(value))
    if kind == xlrd.XL_CELL_DATE:
        try:
            y, m, d, *_ = xlrd.xldate_as_tuple(value, datemode)
        except (xlrd.xldate.XLDateError, ValueError):
            return number_text(float(value))
        return f"{y}年{m}月{d}日" if y else number_text(float(value))
    if kind == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if value else "FALSE"
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#ERR")
    return ""


def _bordered(book) -> frozenset[int]:
    """XF (cell format) indexes that draw a border: an empty cell with one is a printed
    blank of a table, which keeps a row of blanks in its table."""
    out = set()
    for i, xf in enumerate(book.xf_list):
        b = xf.border
        if b.left_line_style or b.right_line_style or b.top_line_style or b.bottom_line_style:
            out.add(i)
    return frozenset(out)


class _Quiet:
    """xlrd writes warnings to a log file (stdout by default); they are not ours to print."""

    def write(self, _text: str) -> None:
        pass
