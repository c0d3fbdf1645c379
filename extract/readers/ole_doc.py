"""Read a Word 97–2003 binary document (.doc; WPS Office's .wps alike) with olefile.

The file is an OLE2 compound file; olefile gives its streams.  What is read ([MS-DOC]):

* ``WordDocument`` starts with the FIB (file information block): ``wIdent`` 0xA5EC,
  the flags (``fEncrypted``, ``fWhichTblStm``: whether the table stream is ``1Table``
  or ``0Table``), ``ccpText`` (the length of the main text in characters) in
  ``FibRgLw97``, and in ``FibRgFcLcb97`` the places of the CLX and of the paragraph
  property index (``PlcBtePapx``) in the table stream.
* The CLX holds the piece table (``PlcPcd``): the text is a sequence of pieces, each a
  range of character positions (CPs) stored at a file offset either as UTF-16LE or,
  when bit 30 of the offset is set ("compressed"), as 8-bit cp1252 at half the offset.
  Chinese text is always in UTF-16 pieces.
* The main text, CPs ``[0, ccpText)``: ``\\r`` ends a paragraph, ``\\x07`` ends a table
  cell *or* a table row, ``\\x0b`` is a line break, ``\\x0c`` a page break; a field is
  ``\\x13`` code ``\\x14`` result ``\\x15`` and only its result is printed; ``\\x01``,
  ``\\x08`` (pictures, drawn objects), ``\\x02``, ``\\x05`` (note and comment marks)
  print nothing of their own.
* Whether a ``\\x07`` ends a cell or a row, and which paragraphs are inside a table,
  only the paragraph properties say: ``PlcBtePapx`` points at 512-byte FKP pages of
  ``WordDocument`` that map file offsets to PAPX (a style index and a list of SPRMs).
  ``sprmPFInTable`` marks a paragraph in a table, ``sprmPFTtp`` the row end mark,
  ``sprmPItap`` the nesting depth (a nested table is read as text of its cell).  A PAPX
  too long for its page is in the ``Data`` stream (``sprmPHugePapx``).
* The row end mark's PAPX also holds the row's table properties: ``sprmTDefTable``
  gives the cell boundaries (``rgdxaCenter``, in twips) and per cell a TC80 whose flags
  mark legacy horizontal merges (``fFirstMerged``/``fMerged``) and vertical merges
  (``fVertMerge``/``fVertRestart``); ``sprmTVertMerge`` sets the latter for one cell.
  The table's grid is the distinct boundaries of all its rows; a cell spans the grid
  columns between its boundaries; a vertical continuation makes the cell above taller.

Provenance is the character range, ``cp[1234-1240]``.  Headers, footers and notes
(CPs after ``ccpText``) are not read.  A file with ``fEncrypted`` is an
:class:`EncryptedDocument`.  An OLE file without a ``WordDocument`` stream (an old
WPS 2000 document, say) is not this format.
"""

from __future__ import annotations

import io
import struct
from bisect import bisect_right
from itertools import pairwise

from nianbao.extract.errors import CorruptDocument, EmptyDocument, EncryptedDocument, UnsupportedFormat
from nianbao.extract.model import Block, Cell, Document, Paragraph, Provenance, Table

_CELL, _PARA, _LINE, _PAGE = "\x07", "\r", "\x0b", "\x0c"
_FIELD_BEGIN, _FIELD_SEP, _FIELD_END = "\x13", "\x14", "\x15"
_SILENT = str.maketrans(
    {c: None for c in "\x01\x02\x03\x04\x05\x06\x08\x1f\ufeff"} | {"\x1e": "-", "\xa0": " "}
)

SPRM_IN_TABLE, SPRM_TTP, SPRM_ITAP, SPRM_INNER_TTP = 0x2416, 0x2417, 0x6649, 0x244C
SPRM_INNER_CELL, SPRM_HUGE_PAPX, SPRM_DEF_TABLE, SPRM_VERT_MERGE = 0x244B, 0x6646, 0xD608, 0xD62B


def read(data: bytes, name: str = "") -> Document:
    """Read a .doc (or .wps) into a :class:`Document`."""
    import olefile

    if not data:
        raise EmptyDocument("empty file")
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # olefile raises OSError, struct.error, IndexError on damage
        raise CorruptDocument(f"corrupt DOC: not a readable OLE2 file ({type(exc).__name__}: {exc})") from exc
    try:
        if ole.exists("EncryptedPackage"):
            raise EncryptedDocument("encrypted Office document: a password is needed")
        if not ole.exists("WordDocument"):
            raise UnsupportedFormat("OLE2 file without a WordDocument stream: not a Word 97-2003 document")
        try:
            word = ole.openstream("WordDocument").read()
            fib = _fib(word)
            table_name = "1Table" if fib.which_table else "0Table"
            if fib.encrypted:
                raise EncryptedDocument("encrypted DOC: the document is password protected")
            if not ole.exists(table_name):
                raise CorruptDocument(f"corrupt DOC: no {table_name} stream")
            table = ole.openstream(table_name).read()
            extra = ole.openstream("Data").read() if ole.exists("Data") else b""
        except (OSError, struct.error, ValueError, IndexError) as exc:
            raise CorruptDocument(f"corrupt DOC: {type(exc).__name__}: {exc}") from exc
    finally:
        ole.close()
    try:
        pieces = _pieces(table, fib)
        text, fcs = _text(word, pieces, fib.ccp_text)
        papx = _Papx(word, table, fib, extra)
        blocks = _blocks(text, fcs, papx)
    except (struct.error, ValueError, IndexError) as exc:
        raise CorruptDocument(f"corrupt DOC: {type(exc).__name__}: {exc}") from exc
    if not blocks:
        raise EmptyDocument("DOC has no text")
    fmt = "wps" if name.lower().endswith(".wps") else "doc"
    return Document(format=fmt, blocks=tuple(blocks))


class _Fib:
    __slots__ = ("ccp_text", "encrypted", "fc_clx", "fc_papx", "lcb_clx", "lcb_papx", "which_table")


def _fib(word: bytes) -> _Fib:
    if len(word) < 68:
        raise CorruptDocument("corrupt DOC: WordDocument stream too short")
    ident, _nfib = struct.unpack_from("<HH", word, 0)
    if ident != 0xA5EC:
        raise CorruptDocument(f"corrupt DOC: no Word FIB (wIdent 0x{ident:04X})")
    (flags,) = struct.unpack_from("<H", word, 0x0A)
    fib = _Fib()
    fib.encrypted = bool(flags & 0x0100)
    fib.which_table = bool(flags & 0x0200)
    pos = 32
    (csw,) = struct.unpack_from("<H", word, pos)
    pos += 2 + csw * 2
    (cslw,) = struct.unpack_from("<H", word, pos)
    lw = pos + 2
    (fib.ccp_text,) = struct.unpack_from("<i", word, lw + 3 * 4)
    pos = lw + cslw * 4
    (cb_fclcb,) = struct.unpack_from("<H", word, pos)
    fclcb = pos + 2
    if cb_fclcb < 34:
        raise CorruptDocument("corrupt DOC: FIB too short for a piece table")
    fib.fc_papx, fib.lcb_papx = struct.unpack_from("<II", word, fclcb + 13 * 8)
    fib.fc_clx, fib.lcb_clx = struct.unpack_from("<II", word, fclcb + 33 * 8)
    return fib


def _pieces(table: bytes, fib: _Fib) -> list[tuple[int, int, int, bool]]:
    """(cp_start, cp_end, fc, compressed) of every piece, from the CLX's PlcPcd."""
    pos, end = fib.fc_clx, fib.fc_clx + fib.lcb_clx
    if end > len(table):
        raise CorruptDocument("corrupt DOC: the piece table lies past the table stream")
    while pos < end and table[pos] == 0x01:  # Prc: a block of property modifiers
        (cb,) = struct.unpack_from("<h", table, pos + 1)
        pos += 3 + cb
    if pos >= end or table[pos] != 0x02:
        raise CorruptDocument("corrupt DOC: no piece table in the CLX")
    (lcb,) = struct.unpack_from("<I", table, pos + 1)
    plc = pos + 5
    n = (lcb - 4) // 12
    cps = struct.unpack_from(f"<{n + 1}I", table, plc)
    out = []
    for i in range(n):
        (fc,) = struct.unpack_from("<I", table, plc + (n + 1) * 4 + i * 8 + 2)
        compressed = bool(fc & 0x40000000)
        fc &= 0x3FFFFFFF
        out.append((cps[i], cps[i + 1], fc // 2 if compressed else fc, compressed))
    return out


def _text(
    word: bytes, pieces: list[tuple[int, int, int, bool]], ccp: int
) -> tuple[str, list[tuple[int, int, int]]]:
    """The main text and, per piece, (cp_start in the text, fc, bytes per character)."""
    parts: list[str] = []
    fcs: list[tuple[int, int, int]] = []
    for cp0, cp1, fc, compressed in pieces:
        if cp0 >= ccp:
            break
        cp1 = min(cp1, ccp)
        n = cp1 - cp0
        if compressed:
            raw = word[fc : fc + n]
            parts.append(raw.decode("cp1252", errors="replace"))
            fcs.append((cp0, fc, 1))
        else:
            raw = word[fc : fc + 2 * n]
            parts.append(raw.decode("utf-16-le", errors="replace"))
            fcs.append((cp0, fc, 2))
    return "".join(parts), fcs


class _Papx:
    """Paragraph properties by file offset: the runs of every PAPX FKP page."""

    def __init__(self, word: bytes, table: bytes, fib: _Fib, data_stream: bytes) -> None:
        self.word, self.data = word, data_stream
        self.starts: list[int] = []
        self.runs: list[tuple[int, int, int]] = []  # (fc_end, fkp offset, papx offset)
        self._cache: dict[tuple[int, int], dict[int, bytes]] = {}
        self._by_bytes: dict[bytes, dict[int, bytes]] = {}
        if not fib.lcb_papx:
            return
        n = (fib.lcb_papx - 4) // 8
        plc = fib.fc_papx
        for i in range(n):
            (pn,) = struct.unpack_from("<I", table, plc + (n + 1) * 4 + i * 4)
            page = (pn & 0x3FFFFF) * 512
            if page + 512 > len(word):
                continue
            crun = word[page + 511]
            fcs = struct.unpack_from(f"<{crun + 1}I", word, page)
            for k in range(crun):
                b_offset = word[page + (crun + 1) * 4 + k * 13]
                self.starts.append(fcs[k])
                self.runs.append((fcs[k + 1], page, b_offset * 2))
        order = sorted(range(len(self.starts)), key=self.starts.__getitem__)
        self.starts = [self.starts[i] for i in order]
        self.runs = [self.runs[i] for i in order]

    def sprms(self, fc: int) -> dict[int, bytes]:
        """The SPRMs (sprm -> operand) of the paragraph holding file offset ``fc``."""
        i = bisect_right(self.starts, fc) - 1
        if i < 0 or fc >= self.runs[i][0]:
            return {}
        _, page, off = self.runs[i]
        key = (page, off)
        if key not in self._cache:
            self._cache[key] = self._parse(page, off) if off else {}
        return self._cache[key]

    def _parse(self, page: int, off: int) -> dict[int, bytes]:
        at = page + off
        cb = self.word[at]
        if cb == 0:
            size = 2 * self.word[at + 1]
            start = at + 2
        else:
            size = 2 * cb - 1
            start = at + 1
        grpprl = self.word[start + 2 : start + size]  # after the style index
        known = self._by_bytes.get(grpprl)
        if known is not None:  # paragraphs of one kind share their properties byte for byte
            return known
        sprms = self._by_bytes[grpprl] = _grpprl(grpprl)
        huge = sprms.get(SPRM_HUGE_PAPX)
        if huge and len(huge) >= 4 and self.data:
            (fc,) = struct.unpack_from("<I", huge, 0)
            if fc + 2 <= len(self.data):
                (n,) = struct.unpack_from("<H", self.data, fc)
                sprms.update(_grpprl(self.data[fc + 2 : fc + 2 + n]))  # a PrcData: size, then SPRMs
        return sprms


def _grpprl(buf: bytes) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    pos, n = 0, len(buf)
    while pos + 2 <= n:
        (sprm,) = struct.unpack_from("<H", buf, pos)
        pos += 2
        spra = sprm >> 13
        if spra in (0, 1):
            size = 1
        elif spra in (2, 4, 5):
            size = 2
        elif spra == 3:
            size = 4
        elif spra == 7:
            size = 3
        else:  # variable: a size byte (two for sprmTDefTable)
            if sprm == SPRM_DEF_TABLE:
                if pos + 2 > n:
                    break
                (size,) = struct.unpack_from("<H", buf, pos)
                size -= 1  # the count includes one of its own two bytes
                pos += 2
            else:
                if pos >= n:
                    break
                size = buf[pos]
                pos += 1
        out.setdefault(sprm, buf[pos : pos + size])
        if sprm == SPRM_VERT_MERGE:  # one per cell: keep them all
            out[(sprm << 16) | len(out)] = buf[pos : pos + size]
        pos += size
    return out


def _flag(sprms: dict[int, bytes], sprm: int) -> bool:
    v = sprms.get(sprm)
    return bool(v and v[0])


def _depth(sprms: dict[int, bytes]) -> int:
    v = sprms.get(SPRM_ITAP)
    if v and len(v) >= 4:
        return struct.unpack_from("<i", v, 0)[0]
    return 1 if _flag(sprms, SPRM_IN_TABLE) else 0


def _clean(text: str) -> str:
    """Printed text of a paragraph: field codes dropped, marks removed, line breaks kept."""
    if _FIELD_BEGIN in text:
        out, depth, in_code = [], 0, []
        for ch in text:
            if ch == _FIELD_BEGIN:
                depth += 1
                in_code.append(True)
            elif ch == _FIELD_SEP and depth:
                in_code[-1] = False
            elif ch == _FIELD_END and depth:
                depth -= 1
                in_code.pop()
            elif not (depth and in_code[-1]):
                out.append(ch)
        text = "".join(out)
    return text.translate(_SILENT).replace(_LINE, "\n").replace(_PAGE, "")


class _Row:
    __slots__ = ("cells", "sprms")

    def __init__(self) -> None:
        self.cells: list[tuple[str, int, int]] = []  # text, cp start, cp end
        self.sprms: dict[int, bytes] = {}


def _blocks(text: str, fcs: list[tuple[int, int, int]], papx: _Papx) -> list[Block]:
    piece_cps = [cp for cp, _, _ in fcs]

    def fc_of(cp: int) -> int:
        i = bisect_right(piece_cps, cp) - 1
        cp0, fc, width = fcs[max(i, 0)]
        return fc + (cp - cp0) * width

    blocks: list[Block] = []
    rows: list[_Row] = []
    row = _Row()
    cell_lines: list[str] = []
    start = 0
    cell_start = 0
    for cp, ch in enumerate(text):
        if ch != _PARA and ch != _CELL:
            continue
        para = text[start:cp]
        sprms = papx.sprms(fc_of(cp))
        depth = _depth(sprms)
        if depth >= 2:  # a nested table: its cells become lines of the outer cell
            inner_row_end = ch == _CELL and (_flag(sprms, SPRM_INNER_TTP) or _flag(sprms, SPRM_TTP))
            if not inner_row_end:
                cell_lines.append(_clean(para))
        elif ch == _CELL and _flag(sprms, SPRM_TTP):  # the row end mark
            row.sprms = sprms
            rows.append(row)
            row = _Row()
            cell_start = cp + 1
        elif ch == _CELL:
            cell_lines.append(_clean(para))
            row.cells.append(("\n".join(cell_lines).strip(), cell_start, cp))
            cell_lines = []
            cell_start = cp + 1
        elif depth == 1:  # a paragraph of a cell, the cell goes on
            cell_lines.append(_clean(para))
        else:
            if row.cells:  # a row without its end mark: close it with the table
                rows.append(row)
                row = _Row()
            if rows:
                blocks.append(_table(rows))
                rows = []
            line = _clean(para).strip()
            if line:
                blocks.append(Paragraph(line, Provenance(path=f"cp[{start}-{cp}]")))
            cell_start = cp + 1
        start = cp + 1
    if row.cells:
        rows.append(row)
    if rows:
        blocks.append(_table(rows))
    tail = _clean(text[start:]).strip()
    if tail:
        blocks.append(Paragraph(tail, Provenance(path=f"cp[{start}-{len(text)}]")))
    return blocks


_TOL = 30  # twips: boundaries closer than this are one grid line


def _geometry(row: _Row) -> tuple[list[int], list[int]] | None:
    """Cell boundaries (twips) and TC80 flags of a row, from its sprmTDefTable."""
    op = row.sprms.get(SPRM_DEF_TABLE)
    if not op:
        return None
    n = op[0]
    if n != len(row.cells) or len(op) < 1 + 2 * (n + 1):
        return None
    centers = list(struct.unpack_from(f"<{n + 1}h", op, 1))
    flags = []
    tc = 1 + 2 * (n + 1)
    for k in range(n):
        flags.append(struct.unpack_from("<H", op, tc + 20 * k)[0] if tc + 20 * k + 2 <= len(op) else 0)
    for key, v in row.sprms.items():  # sprmTVertMerge: (itc, flag) for one cell
        if key >> 16 == SPRM_VERT_MERGE and len(v) >= 2 and v[0] < n:
            flags[v[0]] = (flags[v[0]] & ~0x60) | {1: 0x20, 3: 0x60}.get(v[1], 0)
    if any(b < a for a, b in pairwise(centers)):
        return None
    return centers, flags


def _table(rows: list[_Row]) -> Table:
    geo = [_geometry(r) for r in rows]
    if any(g is None for g in geo):  # no usable geometry: cells left to right
        cells = [
            Cell(r, k, t, prov=Provenance(path=f"cp[{a}-{b}]"))
            for r, row in enumerate(rows)
            for k, (t, a, b) in enumerate(row.cells)
        ]
        n_cols = max((len(r.cells) for r in rows), default=0)
        return Table(tuple(cells), len(rows), n_cols, prov=_span(rows))
    edges: list[int] = []
    for centers, _ in geo:  # type: ignore[misc]
        for x in centers:
            edges.append(x)
    grid: list[int] = []
    for x in sorted(edges):
        if not grid or x - grid[-1] > _TOL:
            grid.append(x)

    def col(x: int) -> int:
        i = bisect_right(grid, x + _TOL) - 1
        return max(i, 0)

    out: list[list] = []  # [row, col, text, row_span, col_span, prov]
    above: dict[int, list] = {}
    for r, (row, g) in enumerate(zip(rows, geo, strict=True)):
        centers, flags = g  # type: ignore[misc]
        current: dict[int, list] = {}
        printed: list[list] = []
        for k, (text, a, b) in enumerate(row.cells):
            c0, c1 = col(centers[k]), col(centers[k + 1])
            span = max(c1 - c0, 1)
            f = flags[k]
            if f & 0x0002 and not f & 0x0001 and printed:  # legacy horizontal continuation
                printed[-1][4] += span
                continue
            if f & 0x0020 and not f & 0x0040:  # vertical continuation
                up = above.get(c0)
                if up is not None and up[4] == span:
                    up[3] += 1
                    current[c0] = up
                    continue
            cell = [r, c0, text, 1, span, Provenance(path=f"cp[{a}-{b}]")]
            out.append(cell)
            printed.append(cell)
            current[c0] = cell
        above = current
    cells = tuple(Cell(*c) for c in out)
    return Table(cells, len(rows), max(len(grid) - 1, 1), prov=_span(rows))


def _span(rows: list[_Row]) -> Provenance:
    first = next((c for r in rows for c in r.cells), None)
    last = next((c for r in reversed(rows) for c in reversed(r.cells)), None)
    if first is None or last is None:
        return Provenance()
    return Provenance(path=f"cp[{first[1]}-{last[2]}]")
