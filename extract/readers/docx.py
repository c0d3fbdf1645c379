"""Read a Word 2007+ (.docx) report into paragraphs and tables, in body order.

A .docx is a zip package; the text lives in ``word/document.xml`` as WordprocessingML.
The package is opened with zipfile and only the main part (found through
``_rels/.rels``) and the core properties are parsed, with lxml; the body is walked
directly over that tree.  python-docx's per-cell objects (``table.cell()``,
``row.cells``) resolve the merge geometry again for every cell and are some thirty
times slower, and its ``Document()`` parses every part of the package.

The parts of WordprocessingML that matter here:

* ``w:p`` is a paragraph; its printed text is the ``w:t`` elements of its runs, with
  ``w:tab`` a tab and ``w:br``/``w:cr`` a line break.  ``w:delText`` (tracked
  deletions) and ``w:instrText`` (field codes) are not printed and are left out.
* ``w:sdt`` (content control) and ``w:customXml`` wrap paragraphs, tables, rows or
  cells without changing them; their content is read as if it were not wrapped.
* ``w:txbxContent`` is the content of a text box anchored in a paragraph.  A text box
  is read as paragraphs of its own, placed right after its host paragraph.  Word
  writes each text box twice (DrawingML in ``mc:Choice``, VML in ``mc:Fallback``);
  the branch Word reads is (``_docx_parts.branch``).
* ``w:tbl`` is a table: ``w:tblGrid`` lists the grid columns, each ``w:tr`` a row and
  each ``w:tc`` a cell.  Cell positions are found by counting grid columns:

  - ``w:gridBefore`` / ``w:gridAfter`` on ``w:trPr``: grid columns skipped at the
    start / end of the row (no cell there at all);
  - ``w:gridSpan``: the cell is that many grid columns wide (horizontal merge);
  - ``w:hMerge`` (legacy horizontal merge): ``restart`` starts a merged cell and a
    ``w:hMerge`` without a value continues the cell to its left;
  - ``w:vMerge`` (vertical merge): ``restart`` starts a merged cell; a ``w:vMerge``
    without a value (or ``continue``) is a placeholder that extends the cell directly
    above it one row down.  The placeholder is not a printed cell of its own.

Headers, footers and comments live in other parts and are not read; footnotes and
endnotes are read after the body (never into a table), ``w:altChunk`` parts (embedded
HTML, MHTML, DOCX, text) where they stand: see ``_docx_parts``.  A picture in a body
paragraph (``w:drawing`` or ``w:pict``) stands right after its paragraph's text; one that
holds a ruled table is read by OCR and its table takes that place, with provenance
``body/p[14]/image[1]:word/media/image2.png`` plus the cell's box in the picture and the
OCR confidence (:func:`nianbao.extract.readers.image.read_embedded`).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from lxml import etree

from nianbao.extract import limits
from nianbao.extract.errors import CorruptDocument, EmptyDocument, EncryptedDocument
from nianbao.extract.model import Block, Cell, Document, Paragraph, Provenance, Table
from nianbao.extract.readers import _docx_parts as parts_
from nianbao.extract.readers.image import EmbeddedPicture, read_embedded

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

_P = _W + "p"
_TBL = _W + "tbl"
_TR = _W + "tr"
_TC = _W + "tc"
_SDT = _W + "sdt"
_SDT_CONTENT = _W + "sdtContent"
_CUSTOM_XML = _W + "customXml"
_T = _W + "t"
_TAB = _W + "tab"
_PTAB = _W + "ptab"
_BR = _W + "br"
_CR = _W + "cr"
_NB_HYPHEN = _W + "noBreakHyphen"
_TXBX = _W + "txbxContent"
_TBL_GRID = _W + "tblGrid"
_GRID_COL = _W + "gridCol"
_TR_PR = _W + "trPr"
_TC_PR = _W + "tcPr"
_GRID_BEFORE = _W + "gridBefore"
_GRID_AFTER = _W + "gridAfter"
_GRID_SPAN = _W + "gridSpan"
_V_MERGE = _W + "vMerge"
_H_MERGE = _W + "hMerge"
_VAL = _W + "val"

# Subtrees that hold no printed body text: formatting, the VML twin of a drawing,
# tracked deletions (w:del, w:moveFrom, w:delText) and field codes.
_SKIP = frozenset(
    {
        _W + "pPr",
        _W + "rPr",
        _W + "tcPr",
        _W + "trPr",
        _W + "tblPr",
        _W + "sectPr",
        _W + "delText",
        _W + "instrText",
        _W + "delInstrText",
        _W + "del",
        _W + "moveFrom",
        _MC + "Fallback",
    }
)

# Block-level wrappers and their names in provenance paths.
_LOCAL = {_P: "p", _TBL: "tbl", _SDT: "sdt", _CUSTOM_XML: "customXml"}


def read(data: bytes, name: str) -> Document:
    """Read a .docx package into a :class:`Document` (``name`` is unused: the bytes decide)."""
    if not data:
        raise EmptyDocument("empty file")
    package = _open(data)
    body = _main_part(package).find(_W + "body")
    if body is None:
        raise CorruptDocument("corrupt DOCX: the main part has no w:body")
    items: list[Block | EmbeddedPicture] = []
    pkg = parts_.Package(package, _related(package, _OFFICE_DOCUMENT) or "word/document.xml")
    _blocks(body, "body", items, pkg)
    if next(body.iter(parts_.FOOTNOTE_REF, parts_.ENDNOTE_REF), None) is not None:
        items.extend(parts_.notes(pkg))
    meta = _meta(package)
    if any(isinstance(b, EmbeddedPicture) for b in items):
        blocks, ocr_meta = read_embedded(items)
        meta.update(ocr_meta)
    else:
        blocks = items  # type: ignore[assignment]
    if not any(_has_text(b) for b in blocks):
        raise EmptyDocument("DOCX has no text in its body")
    return Document(format="docx", blocks=tuple(blocks), pages=None, meta=meta)


# The package is opened with zipfile and only the parts that are read are parsed: the
# main document and the core properties.  Opening it with python-docx parses every part
# (styles.xml alone is some 350 KB in Word's default template) and costs about 7 ms a
# document, which is most of the budget of a national run.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True)
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_OFFICE_DOCUMENT = "/officeDocument"
_CORE_PROPERTIES = "/core-properties"


def _open(data: bytes) -> zipfile.ZipFile:
    if (
        data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
        and "EncryptedPackage".encode("utf-16-le") in data
    ):
        # Word saves a document with a password as an OLE file holding the encrypted package.
        raise EncryptedDocument("encrypted DOCX: the document is password protected")
    if not data.startswith(b"PK"):
        raise CorruptDocument("corrupt DOCX: not a zip file")
    members, most = limits.zip_members(data), limits.current().max_members
    if members is not None and members > most:
        raise limits.LimitExceeded(f"DOCX package of {members:,} members, past the limit of {most:,}")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as exc:
        raise CorruptDocument(f"corrupt DOCX: damaged or truncated zip ({_first_line(exc)})") from exc


def _part(package: zipfile.ZipFile, name: str) -> etree._Element:
    """Parse one part of the package; every way it can be damaged is a CorruptDocument."""
    try:
        info = package.getinfo(name)
    except KeyError as exc:
        raise CorruptDocument(f"corrupt DOCX: missing {name}") from exc
    _check_member(info)
    try:
        raw = _read_member(package, info)
    except KeyError as exc:
        raise CorruptDocument(f"corrupt DOCX: missing {name}") from exc
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        NotImplementedError,
        RuntimeError,
        ValueError,
    ) as exc:
        # NotImplementedError: unknown compression; RuntimeError: a member flagged as encrypted;
        # ValueError: a local header pointing before the start of the file.
        raise CorruptDocument(f"corrupt DOCX: damaged or truncated zip ({_first_line(exc)})") from exc
    try:
        return etree.fromstring(raw, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise CorruptDocument(f"corrupt DOCX: broken XML in {name} ({_first_line(exc)})") from exc


def _check_member(info: zipfile.ZipInfo) -> None:
    """Refuse a member that would inflate past the limits (a zip bomb), before inflating it.

    The sizes come from the central directory.  A member that claims less than it holds
    costs no more than it claims: it is read a megabyte at a time (:func:`_read_member`).
    """
    lim = limits.current()
    size, packed = info.file_size, max(info.compress_size, 1)
    if size > lim.max_inflated:
        raise limits.LimitExceeded(
            f"DOCX part {info.filename} inflates past {limits.megabytes(lim.max_inflated)} "
            f"({size:,} bytes from {info.compress_size:,})"
        )
    if size > limits.MB and size > lim.max_ratio * packed:
        raise limits.LimitExceeded(
            f"DOCX part {info.filename} inflates {size // packed:,}-fold, past the limit of {lim.max_ratio}-fold"
        )


def _read_member(package: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, inflated a megabyte at a time.

    ``ZipFile.read`` inflates the whole compressed data in one call and only then cuts
    it to the declared size: a member declaring 1 MB that holds 6 GB would be inflated
    in full.  Read in pieces, zipfile stops at the declared size, and the CRC check then
    fails (a CorruptDocument).
    """
    out = bytearray()
    with package.open(info) as fh:
        while piece := fh.read(limits.MB):
            out += piece
    return bytes(out)


def _related(package: zipfile.ZipFile, kind: str) -> str | None:
    """The part name the package relationships give for a relationship type ending in ``kind``."""
    if "_rels/.rels" not in package.namelist():
        return None
    for rel in _part(package, "_rels/.rels").iter(_REL):
        if rel.get("Type", "").endswith(kind) and rel.get("TargetMode") != "External":
            return rel.get("Target", "").lstrip("/")
    return None


def _main_part(package: zipfile.ZipFile) -> etree._Element:
    name = _related(package, _OFFICE_DOCUMENT) or "word/document.xml"
    root = _part(package, name)
    if root.tag != _W + "document":
        raise CorruptDocument(f"corrupt DOCX: {name} is not a WordprocessingML document")
    return root


def _first_line(obj: object) -> str:
    text = str(obj).strip().strip('"')
    line = text.splitlines()[0] if text else type(obj).__name__
    return line[:200]


_DC = "{http://purl.org/dc/elements/1.1/}"
_DCTERMS = "{http://purl.org/dc/terms/}"


def _meta(package: zipfile.ZipFile) -> dict[str, str]:
    """Title, creation date and author from ``docProps/core.xml``, when the package has one.

    A malformed core.xml is not fatal: the report is in the body.
    """
    name = _related(package, _CORE_PROPERTIES)
    if name is None or name not in package.namelist():
        return {}
    try:
        core = _part(package, name)
    except CorruptDocument:
        return {}
    meta: dict[str, str] = {}
    title = core.findtext(_DC + "title")
    author = core.findtext(_DC + "creator")
    created = core.findtext(_DCTERMS + "created")
    if title and title.strip():
        meta["title"] = title.strip()
    if created and re.match(r"\d{4}-\d{2}-\d{2}", created.strip()):
        meta["created"] = created.strip()[:10]
    if author and author.strip():
        meta["author"] = author.strip()
    return meta


def _has_text(block: Block) -> bool:
    if isinstance(block, Paragraph):
        return True
    return any(c.text for c in block.cells)


# --- body ------------------------------------------------------------------------------


def _blocks(
    container: etree._Element,
    path: str,
    out: list[Block | EmbeddedPicture],
    pkg: parts_.Package | None = None,
) -> None:
    """Append the paragraphs and tables of a block container (body, sdtContent, text box).

    Paths count elements of one name among their siblings, 1-based, like XPath
    (``body/p[12]``); a text box is ``txbxContent[k]``, the k-th of its host paragraph.
    An ``mc:AlternateContent`` is read through the branch Word would take, a
    ``w:altChunk`` as the blocks of the part it imports (see ``_docx_parts``).
    """
    counts: dict[str, int] = {}
    for child in container.iterchildren(_P, _TBL, _SDT, _CUSTOM_XML, parts_.AC, parts_.ALT_CHUNK):
        if child.tag == parts_.AC:
            chosen = parts_.branch(child)
            if chosen is not None:
                _blocks(chosen, path, out, pkg)
            continue
        if child.tag == parts_.ALT_CHUNK:
            n = counts["altChunk"] = counts.get("altChunk", 0) + 1
            if pkg is not None:
                out.extend(parts_.alt_chunk(pkg, child, f"{path}/altChunk[{n}]"))
            continue
        local = _LOCAL[child.tag]
        n = counts[local] = counts.get(local, 0) + 1
        here = f"{path}/{local}[{n}]"
        if local == "p":
            parts: list[str] = []
            boxes: list[etree._Element] = []
            _inline(child, parts, boxes)
            text = "".join(parts).strip()
            if text:
                out.append(Paragraph(text, Provenance(path=here)))
            n_box = n_pic = 0
            for box in boxes:
                if box.tag == _TXBX:
                    n_box += 1
                    _blocks(box, f"{here}/txbxContent[{n_box}]", out, pkg)
                elif pkg is not None:
                    n_pic += 1
                    pic = parts_.picture(pkg, box, f"{here}/image[{n_pic}]")
                    if pic is not None:
                        out.append(pic)
        elif local == "tbl":
            table = _table(child, here)
            if table is not None:
                out.append(table)
        elif local == "sdt":
            for content in child.iterchildren(_SDT_CONTENT):
                _blocks(content, f"{here}/sdtContent", out, pkg)
        else:
            _blocks(child, here, out, pkg)


def _inline(el: etree._Element, parts: list[str], boxes: list[etree._Element]) -> None:
    """Collect the printed text under a paragraph; text boxes go to ``boxes`` unread.

    Tab-stop definitions (``w:pPr/w:tabs/w:tab``) are inside ``w:pPr``, which is
    skipped, so every ``w:tab`` reached here is a printed tab.
    """
    custom_mark = False  # a note reference whose mark is the next w:t: not printed text
    for child in el:
        tag = child.tag
        if tag == _T:
            t = child.text
            if custom_mark:
                custom_mark = False
            elif t:
                parts.append(t)
        elif tag in _SKIP:
            continue
        elif tag == parts_.AC:
            chosen = parts_.branch(child)
            if chosen is not None:
                _inline(chosen, parts, boxes)
        elif tag == parts_.FOOTNOTE_REF or tag == parts_.ENDNOTE_REF:
            custom_mark = parts_.custom_mark(child)
        elif tag == _TAB or tag == _PTAB:
            parts.append("\t")
        elif tag == _BR or tag == _CR:
            parts.append("\n")
        elif tag == _NB_HYPHEN:
            parts.append("-")
        elif tag == _TXBX or tag == parts_.BLIP or tag == parts_.IMAGEDATA:
            boxes.append(child)  # a text box, or a picture (its place in reading order)
        elif len(child):
            _inline(child, parts, boxes)


def _content_lines(container: etree._Element, lines: list[str]) -> None:
    """Text lines of a cell or text box: one per paragraph, nested tables flattened."""
    for child in container.iterchildren(_P, _TBL, _SDT, _CUSTOM_XML, parts_.AC):
        tag = child.tag
        if tag == parts_.AC:
            chosen = parts_.branch(child)
            if chosen is not None:
                _content_lines(chosen, lines)
        elif tag == _P:
            parts: list[str] = []
            boxes: list[etree._Element] = []
            _inline(child, parts, boxes)
            lines.append("".join(parts))
            for box in boxes:
                _content_lines(box, lines)
        elif tag == _TBL:
            lines.extend(_flatten_table(child))
        elif tag == _SDT:
            for content in child.iterchildren(_SDT_CONTENT):
                _content_lines(content, lines)
        elif tag == _CUSTOM_XML:
            _content_lines(child, lines)


def _flatten_table(tbl: etree._Element) -> list[str]:
    """A table nested in a cell as text: one line per row, its cells tab-separated."""
    lines = []
    for tr, _ in _unwrapped(tbl, _TR, ""):
        texts = [_cell_text(tc) for tc, _ in _unwrapped(tr, _TC, "")]
        line = "\t".join(t for t in texts if t)
        if line:
            lines.append(line)
    return lines


def _cell_text(tc: etree._Element) -> str:
    lines: list[str] = []
    _content_lines(tc, lines)
    return "\n".join(lines).strip()


def _unwrapped(parent: etree._Element, tag: str, path: str) -> list[tuple[etree._Element, str]]:
    """Children named ``tag`` with their paths, looking through ``w:sdt``/``w:customXml``."""
    out: list[tuple[etree._Element, str]] = []
    counts: dict[str, int] = {}
    for child in parent.iterchildren(tag, _SDT, _CUSTOM_XML):
        ctag = child.tag
        if ctag == tag:
            local = tag[len(_W) :]
        else:
            local = _LOCAL[ctag]
        n = counts[local] = counts.get(local, 0) + 1
        here = f"{path}/{local}[{n}]"
        if ctag == tag:
            out.append((child, here))
        elif ctag == _SDT:
            for content in child.iterchildren(_SDT_CONTENT):
                out.extend(_unwrapped(content, tag, f"{here}/sdtContent"))
        else:
            out.extend(_unwrapped(child, tag, here))
    return out


# --- tables ----------------------------------------------------------------------------


class _Anchor:
    """A cell being laid out; it stays mutable while later rows may still extend it.

    ``vmerge``/``hmerge`` hold the merge marks as read: ``None`` when absent, ``""``
    when present without ``w:val`` (a continuation), else the value (``"restart"``).
    """

    __slots__ = ("col", "col_span", "hmerge", "path", "row", "row_span", "text", "vmerge")

    def __init__(self, path: str) -> None:
        self.row = 0
        self.col = 0
        self.col_span = 1
        self.row_span = 1
        self.text = ""
        self.path = path
        self.vmerge: str | None = None
        self.hmerge: str | None = None

    def add_text(self, text: str) -> None:
        if text:
            self.text = f"{self.text}\n{text}" if self.text else text


# A row as read: grid columns skipped before it, grid columns skipped after it, its cells.
_Row = tuple[int, int, list[_Anchor]]


def _int_val(el: etree._Element, default: int) -> int:
    try:
        return max(0, int(el.get(_VAL, default)))
    except ValueError:
        return default


def _table(tbl: etree._Element, path: str, fast: bool | None = None) -> Table | None:
    """Read a ``w:tbl`` and lay it out on its grid as anchored cells with spans.

    Most tables hold only rows, cells and plain paragraphs; they are read in one
    streaming pass (``fast``).  Tables with nested tables, text boxes, content controls
    or tracked deletions take the element-by-element path.  ``fast=None`` chooses.
    """
    if fast is None:
        it = tbl.iter(*_NOT_PLAIN)
        next(it)  # the table itself
        fast = next(it, None) is None
    rows = _rows_streamed(tbl, path) if fast else _rows_walked(tbl, path)
    n_grid = 0
    for grid in tbl.iterchildren(_TBL_GRID):
        n_grid = sum(1 for _ in grid.iterchildren(_GRID_COL))
    return _layout(rows, n_grid, path)


# Anything under a table that the streaming pass cannot read correctly.
_NOT_PLAIN = (
    _TBL,
    _TXBX,
    _MC + "AlternateContent",
    _SDT,
    _CUSTOM_XML,
    _W + "del",
    _W + "moveFrom",
    _W + "footnoteReference",  # its custom mark is not cell text
    _W + "endnoteReference",
)
_STREAM = (_TR, _TC, _P, _T, _TAB, _PTAB, _BR, _CR, _NB_HYPHEN)
_STREAM_PROPS = (_GRID_BEFORE, _GRID_AFTER, _GRID_SPAN, _V_MERGE, _H_MERGE)


def _rows_streamed(tbl: etree._Element, path: str) -> list[_Row]:
    """Rows of a plain table from one ``iter()`` over it.

    Filtering the descendants in C and visiting only the elements that matter is several
    times faster than walking cell by cell.  Relies on the table being plain: every
    ``w:tr`` is a row of this table and every ``w:tc`` a cell of the last row.
    """
    rows: list[_Row] = []
    row_cells: list[_Anchor] = []
    cell_lines: list[list[list[str]]] = []  # per cell of the table, its paragraphs' parts
    lines: list[list[str]] | None = None
    parts: list[str] | None = None
    before = after = 0
    tr_path = ""
    n_tr = n_tc = 0
    cell: _Anchor | None = None
    for el in tbl.iter(*_STREAM, *_STREAM_PROPS):
        tag = el.tag
        if tag == _T:
            t = el.text
            if t and parts is not None:
                parts.append(t)
        elif tag == _P:
            if lines is not None:
                parts = []
                lines.append(parts)
        elif tag == _TC:
            n_tc += 1
            cell = _Anchor(f"{tr_path}/tc[{n_tc}]")
            row_cells.append(cell)
            lines = []
            cell_lines.append(lines)
            parts = None
        elif tag == _TR:
            if n_tr:
                rows.append((before, after, row_cells))
            n_tr += 1
            n_tc = before = after = 0
            tr_path = f"{path}/tr[{n_tr}]"
            row_cells = []
            cell = lines = parts = None
        elif tag == _TAB:
            # A printed tab; a tab stop (w:pPr/w:tabs/w:tab) always carries w:val.
            if parts is not None and el.get(_VAL) is None:
                parts.append("\t")
        elif tag == _BR or tag == _CR:
            if parts is not None:
                parts.append("\n")
        elif tag == _PTAB:
            if parts is not None:
                parts.append("\t")
        elif tag == _NB_HYPHEN:
            if parts is not None:
                parts.append("-")
        elif tag == _GRID_SPAN:
            if cell is not None:
                cell.col_span = max(1, _int_val(el, 1))
        elif tag == _V_MERGE:
            if cell is not None:
                cell.vmerge = el.get(_VAL, "")
        elif tag == _H_MERGE:
            if cell is not None:
                cell.hmerge = el.get(_VAL, "")
        elif tag == _GRID_BEFORE:
            before = _int_val(el, 0)
        elif tag == _GRID_AFTER:
            after = _int_val(el, 0)
    if n_tr:
        rows.append((before, after, row_cells))
    cells = (c for _, _, rc in rows for c in rc)
    for c, paras in zip(cells, cell_lines, strict=True):
        c.text = "\n".join(["".join(p) for p in paras]).strip()
    return rows


def _rows_walked(tbl: etree._Element, path: str) -> list[_Row]:
    """Rows of any table, element by element, looking through content controls."""
    rows: list[_Row] = []
    for tr, tr_path in _unwrapped(tbl, _TR, path):
        before = after = 0
        for tr_pr in tr.iterchildren(_TR_PR):
            for prop in tr_pr.iterchildren(_GRID_BEFORE, _GRID_AFTER):
                if prop.tag == _GRID_BEFORE:
                    before = _int_val(prop, 0)
                else:
                    after = _int_val(prop, 0)
        row_cells = []
        for tc, tc_path in _unwrapped(tr, _TC, tr_path):
            cell = _Anchor(tc_path)
            for tc_pr in tc.iterchildren(_TC_PR):
                for prop in tc_pr.iterchildren(_GRID_SPAN, _V_MERGE, _H_MERGE):
                    tag = prop.tag
                    if tag == _GRID_SPAN:
                        cell.col_span = max(1, _int_val(prop, 1))
                    elif tag == _V_MERGE:
                        cell.vmerge = prop.get(_VAL, "")
                    else:
                        cell.hmerge = prop.get(_VAL, "")
            cell.text = _cell_text(tc)
            row_cells.append(cell)
        rows.append((before, after, row_cells))
    return rows


def _layout(rows: list[_Row], n_grid: int, path: str) -> Table | None:
    """Place cells on the grid by counting grid columns and resolve the merges.

    A row starts after its ``gridBefore`` columns; each cell takes ``gridSpan`` columns.
    An ``hMerge`` continuation widens the cell on its left.  A ``vMerge`` continuation
    makes the cell directly above (same first column, same width) one row taller; with
    no such cell above it stands as a cell of its own.  The grid is as wide as
    ``w:tblGrid`` says, or as the widest row if a row is wider.
    """
    anchors: list[_Anchor] = []
    above: dict[int, _Anchor] = {}  # first column -> cell that reaches the previous row
    n_cols = n_grid
    for r, (before, after, row_cells) in enumerate(rows):
        printed: list[_Anchor] = []
        col = before
        for cell in row_cells:
            span = cell.col_span
            if cell.hmerge is not None and cell.hmerge != "restart" and printed:
                left = printed[-1]
                left.col_span += span
                left.add_text(cell.text)
            else:
                cell.row = r
                cell.col = col
                printed.append(cell)
            col += span
        n_cols = max(n_cols, col + after)
        current: dict[int, _Anchor] = {}
        for cell in printed:
            up = above.get(cell.col) if cell.vmerge is not None and cell.vmerge != "restart" else None
            if up is not None and up.col_span == cell.col_span:
                # A vMerge placeholder: the cell above grows one row.  Text left in a
                # placeholder is kept on the anchor, though Word would not print it.
                up.row_span += 1
                up.add_text(cell.text)
                current[cell.col] = up
            else:
                anchors.append(cell)
                current[cell.col] = cell
        above = current
    if not anchors:
        return None
    cells = tuple(
        Cell(a.row, a.col, a.text, a.row_span, a.col_span, Provenance(path=a.path)) for a in anchors
    )
    return Table(cells, len(rows), n_cols, prov=Provenance(path=path))
