"""Read an Excel 2007+ workbook (.xlsx, .xlsm) whose sheets hold the report's tables.

An .xlsx is a zip package of SpreadsheetML parts.  Read here, with zipfile and lxml:

* ``xl/workbook.xml``: the sheets in tab order (``<sheet name r:id state>``), each
  resolved through ``xl/_rels/workbook.xml.rels`` to its part; hidden sheets
  (``state="hidden"``/``"veryHidden"``) are not printed and are skipped;
* ``xl/sharedStrings.xml``: the string table; a string is the ``t`` elements of its
  ``si`` (rich text runs ``r/t`` joined), less the phonetic guides ``rPh``;
* each sheet's ``sheetData``: ``<c r="B7" t=...><v>``, with ``t="s"`` an index into the
  string table, ``inlineStr`` the text in ``<is>``, ``str`` a formula's cached text,
  ``b`` a boolean, ``e`` an error (``#DIV/0!``), absent or ``n`` a number; a formula
  cell is read by its cached value (a workbook saved by Excel always has one);
* ``<mergeCells><mergeCell ref="A1:C3"/>``: merged ranges, which become spans.

The cells then go through :mod:`nianbao.extract.readers._sheet`, shared with ``.xls``.
openpyxl reads the same (and the tests check the reader against workbooks it writes),
but loading a workbook with it costs some 25 ms, more than the whole pipeline's budget
per report; this direct read takes about one.  Numbers are shown as stored, except a
number whose cell style (``styles.xml``: ``cellXfs/xf@numFmtId``, custom codes in
``numFmts``) is a date format: it reads as the date Excel prints (``2024年1月15日``), in
the workbook's date system (``workbookPr@date1904``), through :mod:`nianbao.extract.readers._numfmt`.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from functools import cache
from posixpath import dirname, join, normpath

from lxml import etree

from nianbao.extract.errors import CorruptDocument, EmptyDocument, EncryptedDocument
from nianbao.extract.model import Block, Document
from nianbao.extract.readers._numfmt import BUILTIN_DATE_FORMATS, date_text, is_date_format
from nianbao.extract.readers._sheet import Sheet, number_text, sheet_blocks

_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True)
_REF = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")
MAX_CELLS = 500_000  # non-empty cells read from one workbook; a report has a few hundred


def read(data: bytes, name: str = "") -> Document:
    """Read an .xlsx workbook into a :class:`Document`."""
    if not data:
        raise EmptyDocument("empty file")
    if data.startswith(_OLE) and "EncryptedPackage".encode("utf-16-le") in data:
        # Excel saves a workbook with a password as an OLE file holding the encrypted package.
        raise EncryptedDocument("encrypted XLSX: the workbook is password protected")
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise CorruptDocument(f"corrupt XLSX: damaged or truncated zip ({exc})") from exc
    names = set(package.namelist())
    book = _workbook_part(package, names)
    root = _parse(package, book)
    rels = _rels(package, book, names)
    strings = _shared_strings(package, book, rels, names)
    framed, dates = _styles(package, rels, names)
    pr = root.find(_S + "workbookPr")
    date1904 = pr is not None and pr.get("date1904", "").lower() in ("1", "true")
    values = _Values(strings, dates, date1904)
    blocks: list[Block] = []
    budget = [MAX_CELLS]
    for sheet_el in root.iter(_S + "sheet"):
        if sheet_el.get("state", "visible") != "visible":
            continue
        target = rels.get(sheet_el.get(_R + "id", ""))
        if target is None or target not in names:
            continue
        sheet = _sheet(_parse(package, target), sheet_el.get("name", ""), values, framed, budget)
        blocks.extend(sheet_blocks(sheet))
    if not blocks:
        raise EmptyDocument("XLSX has no text in its visible sheets")
    return Document(format="xlsx", blocks=tuple(blocks), meta=_meta(package, names))


def _read(package: zipfile.ZipFile, part: str) -> bytes:
    try:
        return package.read(part)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise CorruptDocument(f"corrupt XLSX: damaged or truncated zip ({exc})") from exc


def _parse(package: zipfile.ZipFile, part: str) -> etree._Element:
    try:
        return etree.fromstring(_read(package, part), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise CorruptDocument(f"corrupt XLSX: broken XML in {part} ({exc})") from exc


def _workbook_part(package: zipfile.ZipFile, names: set[str]) -> str:
    if "_rels/.rels" in names:
        for rel in _parse(package, "_rels/.rels").iter(_REL):
            if rel.get("Type", "").endswith("/officeDocument"):
                target = rel.get("Target", "").lstrip("/")
                if target in names:
                    return target
    if "xl/workbook.xml" in names:
        return "xl/workbook.xml"
    raise CorruptDocument("corrupt XLSX: no workbook part")


def _rels(package: zipfile.ZipFile, part: str, names: set[str]) -> dict[str, str]:
    """Relationship id -> part name for the relationships of ``part``."""
    rels_name = join(dirname(part), "_rels", part.rsplit("/", 1)[-1] + ".rels")
    if rels_name not in names:
        return {}
    out = {}
    for rel in _parse(package, rels_name).iter(_REL):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        full = target.lstrip("/") if target.startswith("/") else normpath(join(dirname(part), target))
        out[rel.get("Id", "")] = full
        out.setdefault("type:" + rel.get("Type", "").rsplit("/", 1)[-1], full)
    return out


def _text(el: etree._Element) -> str:
    """The text of a string item: its ``t`` elements, phonetic guides left out."""
    if el is None:
        return ""
    t = el.find(_S + "t")
    if t is not None and len(el) == 1:
        return t.text or ""
    return "".join(t.text or "" for t in el.iter(_S + "t") if t.getparent().tag != _S + "rPh")


def _shared_strings(package: zipfile.ZipFile, book: str, rels: dict[str, str], names: set[str]) -> list[str]:
    part = rels.get("type:sharedStrings") or "xl/sharedStrings.xml"
    if part not in names:
        return []
    return [_text(si) for si in _parse(package, part).iterchildren(_S + "si")]


@cache
def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _cell_ref(ref: str) -> tuple[int, int] | None:
    m = _REF.match(ref)
    if m is None:
        return None
    return int(m.group(2)) - 1, _col(m.group(1))


_C, _V, _ROW, _IS = _S + "c", _S + "v", _S + "row", _S + "is"


def _styles(
    package: zipfile.ZipFile, rels: dict[str, str], names: set[str]
) -> tuple[frozenset[str], dict[str, str]]:
    """The cell style indexes (``s``) that draw a border (an empty cell with one is a
    printed blank of a table, which keeps a row of blanks in its table), and those whose
    number format shows a date, with its format code."""
    part = rels.get("type:styles") or "xl/styles.xml"
    if part not in names:
        return frozenset(), {}
    root = _parse(package, part)
    borders = root.find(_S + "borders")
    drawn = []
    if borders is not None:
        for border in borders.iterchildren(_S + "border"):
            drawn.append(any(side.get("style") not in (None, "none") for side in border))
    codes: dict[int, str] = dict(BUILTIN_DATE_FORMATS)
    fmts = root.find(_S + "numFmts")
    if fmts is not None:
        for f in fmts.iterchildren(_S + "numFmt"):
            if (f.get("numFmtId") or "").isdigit():
                codes[int(f.get("numFmtId"))] = f.get("formatCode", "")
    xfs = root.find(_S + "cellXfs")
    framed, dates = set(), {}
    if xfs is not None:
        for i, xf in enumerate(xfs.iterchildren(_S + "xf")):
            b, f = xf.get("borderId", "0"), xf.get("numFmtId", "0")
            if b.isdigit() and int(b) < len(drawn) and drawn[int(b)]:
                framed.add(str(i))
            code = codes.get(int(f)) if f.isdigit() else None
            if code and is_date_format(code):
                dates[str(i)] = code
    return frozenset(framed), dates


def _sheet(
    root: etree._Element, name: str, values: _Values, framed: frozenset[str], budget: list[int]
) -> Sheet:
    sheet = Sheet(name)
    cells = sheet.cells
    data = root.find(_S + "sheetData")
    if data is not None:
        r = -1
        for row in data.iterchildren(_ROW):
            rr = row.get("r")
            r = int(rr) - 1 if rr and rr.isdigit() else r + 1
            c = -1
            for cell in row.iterchildren(_C):
                if not len(cell):  # no value: a styled empty cell
                    c += 1
                    if cell.get("s") in framed:
                        sheet.framed.add(r)
                    ref = cell.get("r")
                    if ref:
                        pos = _cell_ref(ref)
                        c = pos[1] if pos is not None else c
                    continue
                ref = cell.get("r")
                pos = _cell_ref(ref) if ref else None
                c = pos[1] if pos is not None else c + 1
                text = values.text(cell)
                if text and not text.isspace():
                    budget[0] -= 1
                    if budget[0] < 0:
                        raise CorruptDocument(f"XLSX too large: more than {MAX_CELLS} non-empty cells")
                    cells[(r, c)] = text
                elif cell.get("s") in framed:
                    sheet.framed.add(r)
    merges = root.find(_S + "mergeCells")
    if merges is not None:
        for m in merges.iterchildren(_S + "mergeCell"):
            a, _, b = m.get("ref", "").partition(":")
            p, q = _cell_ref(a), _cell_ref(b or a)
            if p is not None and q is not None:
                sheet.merges.append((min(p[0], q[0]), min(p[1], q[1]), max(p[0], q[0]), max(p[1], q[1])))
    return sheet


class _Values:
    """A cell's text from its ``<v>`` and type, with what the workbook shares."""

    def __init__(self, strings: list[str], dates: dict[str, str], date1904: bool) -> None:
        self.strings, self.dates, self.date1904 = strings, dates, date1904

    def text(self, cell: etree._Element) -> str:
        kind = cell.get("t")
        if kind == "inlineStr":
            return _text(cell.find(_IS))
        v = cell.findtext(_V)
        if v is None:
            return ""
        if kind is None or kind == "n":
            try:
                number = float(v)
            except ValueError:
                return v
            code = self.dates.get(cell.get("s", ""))
            if code is not None:
                shown = date_text(number, code, self.date1904)
                if shown is not None:
                    return shown
            return number_text(number)
        if kind == "s":
            try:
                return self.strings[int(v)]
            except (ValueError, IndexError):
                return ""
        if kind == "b":
            return "TRUE" if v.strip() == "1" else "FALSE"
        return v  # str (a formula's text), e (an error value), d (an ISO date)


_DC = "{http://purl.org/dc/elements/1.1/}"


def _meta(package: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    if "docProps/core.xml" not in names:
        return {}
    try:
        core = _parse(package, "docProps/core.xml")
    except CorruptDocument:
        return {}
    title = (core.findtext(_DC + "title") or "").strip()
    return {"title": title} if title else {}
