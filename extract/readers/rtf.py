"""Read a report saved as RTF (Word's and WPS's "save as RTF", LibreOffice's export).

RTF is text: control words (``\\par``, ``\\cellx2952``), control symbols (``\\'c4``,
``\\~``), groups in braces and plain text.  A small tokenizer reads it here (no library
reads RTF tables: striprtf gives the text only, rtfparse a tree of groups without table
or character-set semantics), tracking per group what changes the meaning of text:

* characters: ``\\uN`` is a Unicode code unit (negative values are N + 65536; surrogate
  pairs joined), followed by ``\\ucN`` fallback characters that are skipped (LibreOffice
  writes ``\\uc2 \\u31532\\'91\\'e6``); ``\\'hh`` is a byte in the code page of the
  current font's ``\\fcharsetN`` (134 GB2312/GBK, 136 Big5, ...) or else the document's
  ``\\ansicpgN`` (Word on a Chinese system: ``\\ansicpg936`` and GBK byte pairs
  ``\\'c4\\'ea``); consecutive bytes are decoded together, so a double-byte character
  split over two escapes reads right;
* skipped groups: the font, colour, style and list tables (the font table is read for
  the character sets), document information (its ``\\title`` kept as ``meta["title"]``),
  pictures and objects, headers, footers, footnotes and annotations, field
  instructions (a field's result is read), and every ``{\\*\\dest ...}`` group; hidden
  text (``\\v``) is dropped;
* structure: ``\\par`` ends a paragraph; a paragraph with ``\\intbl`` belongs to the
  current cell, ``\\cell`` ends a cell and ``\\row`` a row, whose definition is the
  latest ``\\trowd ... \\cellxN`` (Word writes it before the cells and again before
  ``\\row``).  Consecutive rows form a table; a paragraph outside a table ends it.

Grid: a table's columns are the distinct cell boundaries (``\\cellx``, in twips, and each
row's ``\\trleft``) of all its rows, within 30 twips; a cell spans the columns between its
left and right boundary, so a cell Word merged horizontally (one wide cell) spans
several; ``\\clvmgf`` starts a vertical merge and ``\\clvmrg`` continues it (the covered
slots are ``None`` in the grid); the old ``\\clmgf``/``\\clmrg`` pair merges
horizontally.  Provenance: ``path`` ``p[N]`` for the N-th paragraph, ``tbl[T]/tr[R]/tc[C]``
for a cell (1-based, as in the DOCX reader).

Limits: group nesting deeper than ``max_depth`` is refused, ``\\binN`` data is skipped
within the file, and a table of more than :data:`MAX_CELLS` grid slots is refused.
"""

from __future__ import annotations

import codecs
import re
from bisect import bisect_left
from dataclasses import dataclass, field, replace

from nianbao.extract import limits
from nianbao.extract.errors import CorruptDocument, EmptyDocument
from nianbao.extract.model import Block, Cell, Document, Paragraph, Provenance, Table

__all__ = ["MAX_CELLS", "read"]

MAX_CELLS = 500_000  # grid slots of one table; a report's largest has some 300
_COL_TOL = 30  # twips (1/20 pt): boundaries this close are one column edge

_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?"  # control word with its parameter
    rb"|\\'([0-9a-fA-F]{2})"  # a byte in hex
    rb"|\\([^a-zA-Z'])"  # control symbol
    rb"|([{}])"
    rb"|([^\\{}\r\n]+)"  # text
    rb"|[\r\n]+",
    re.S,
)
_CHARSETS = {
    0: None,  # ANSI: the document's code page
    128: "cp932",
    129: "cp949",
    130: "johab",
    134: "gbk",
    136: "cp950",
    161: "cp1253",
    162: "cp1254",
    177: "cp1255",
    178: "cp1256",
    186: "cp1257",
    204: "cp1251",
    222: "cp874",
    238: "cp1250",
}
_SKIP = frozenset(
    "fonttbl colortbl stylesheet listtable listoverridetable revtbl rsidtbl info pict object "
    "header headerl headerr headerf footer footerl footerr footerf footnote annotation atnid "
    "atnauthor fldinst themedata colorschememapping datastore latentstyles xmlnstbl generator "
    "pgdsctbl bkmkstart bkmkend filetbl nonshppict shppict mmathPr".split()
)
_SYMBOLS = {
    b"~": "\u00a0",
    b"_": "-",
    b"-": "",
    b"{": "{",
    b"}": "}",
    b"\\": "\\",
    b"\t": "\t",
}
_WORDS = {
    "tab": "\t",
    "line": "\n",
    "emdash": "—",
    "endash": "–",
    "lquote": "‘",
    "rquote": "’",
    "ldblquote": "“",
    "rdblquote": "”",
    "bullet": "•",
    "emspace": "\u3000",
    "enspace": " ",
    "qmspace": " ",
}


_STRUCTURE = frozenset(
    ("par", "cell", "row", "pard", "intbl", "trowd", "cellx", "plain", "v", "uc", "f", "af")
)
# the control words that change what is read; the hundreds of others only format
_MEANT = (
    _STRUCTURE
    | _SKIP
    | _WORDS.keys()
    | {"u", "ansicpg", "bin", "title", "trleft", "clvmgf", "clvmrg", "clmgf", "clmrg", "nestcell", "nestrow"}
)

# a run of such formatting words, skipped in one match
_NOISE = re.compile(
    rb"(?:\\(?!(?:"
    + "|".join(sorted(_MEANT, key=len, reverse=True)).encode()
    + rb")(?![a-zA-Z]))[a-zA-Z]{1,32}-?\d{0,10} ?)+"
)


def read(data: bytes, name: str = "") -> Document:
    """Read an RTF document into a :class:`Document`."""
    if not data.strip():
        raise EmptyDocument("empty RTF file")
    if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        raise CorruptDocument("corrupt RTF: the file does not start with {\\rtf")
    r = _Reader(data)
    r.run()
    if not any(isinstance(b, Table) or b.text.strip() for b in r.blocks):
        raise EmptyDocument("RTF without text")
    title = "".join(r.title_parts).strip()
    meta = {"title": title} if title else {}
    return Document(format="rtf", blocks=tuple(r.blocks), meta=meta)


@dataclass(frozen=True, slots=True)
class _State:
    """What a group changes and its end restores."""

    skip: bool = False  # inside a destination that is not text
    hidden: bool = False  # \v
    uc: int = 1  # fallback characters after \uN
    font: int | None = None
    fonttbl: bool = False
    title: bool = False  # \title of \info: read into the metadata


def _emitting(state: _State) -> bool:
    return (state.title or not state.skip) and not state.hidden


@dataclass
class _CellDef:
    right: int
    vmerge: str = ""  # "first" (\clvmgf) | "cont" (\clvmrg) | ""
    hmerge: str = ""  # "first" (\clmgf) | "cont" (\clmrg) | ""


@dataclass
class _Row:
    left: int
    defs: list[_CellDef]
    texts: list[str]


@dataclass
class _Reader:
    data: bytes
    blocks: list[Block] = field(default_factory=list)
    title_parts: list[str] = field(default_factory=list)
    codepage: str = "cp1252"
    fonts: dict[int, str | None] = field(default_factory=dict)
    # the paragraph being read and the table being built
    text: list[str] = field(default_factory=list)
    pending: bytearray = field(default_factory=bytearray)
    high: int | None = None  # a high surrogate waiting for its low half
    intbl: bool = False
    cell_lines: list[str] = field(default_factory=list)
    row_texts: list[str] = field(default_factory=list)
    row_left: int = 0
    row_defs: list[_CellDef] = field(default_factory=list)
    next_def: _CellDef = field(default_factory=lambda: _CellDef(0))
    rows: list[_Row] = field(default_factory=list)
    n_paras: int = 0
    n_tables: int = 0
    font_no: int | None = None  # the font being defined in the font table

    def run(self) -> None:
        data, pos, n = self.data, 0, len(self.data)
        max_depth = limits.current().max_depth
        stack: list[_State] = []
        state = _State()
        skip_chars = 0  # fallback characters still to drop after \uN
        first = starred = False  # at a group's first token; after its \*
        while pos < n:
            if not first and not state.fonttbl and data[pos] == 0x5C:  # a backslash
                m = _NOISE.match(data, pos)
                if m is not None:
                    pos = m.end()
                    skip_chars = max(0, skip_chars - m.group().count(b"\\"))
                    continue
            m = _TOKEN.match(data, pos)
            if m is None:  # a byte the pattern does not take: a stray NUL or control
                pos += 1
                continue
            pos = m.end()
            word, param, hexbyte, symbol, brace, text = m.groups()
            was_first, first = first, False
            if brace is not None:
                self._flush_bytes(state)
                skip_chars = 0
                if brace == b"{":
                    if len(stack) >= max_depth:
                        raise limits.LimitExceeded(f"RTF groups nested deeper than {max_depth} levels")
                    stack.append(state)
                    first, starred = True, False
                elif stack:
                    state = stack.pop()
                continue
            if symbol == b"*":
                first, starred = was_first, was_first  # the destination's word follows
                continue
            if word is not None:
                w = word.decode("ascii")
                if w not in _MEANT and not was_first and not state.fonttbl:
                    skip_chars = max(0, skip_chars - 1)  # formatting: in a fallback it counts as one
                    continue
                p = int(param) if param is not None else None
                if was_first and (w in _SKIP or w == "title" or (starred and w != "ud")):
                    self._flush_bytes(state)
                    state = replace(state, skip=True, fonttbl=w == "fonttbl", title=w == "title")
                    continue
                if w == "bin" and p:
                    pos = min(n, pos + max(p, 0))
                elif state.fonttbl:
                    self._font_table_word(w, p)
                elif skip_chars and w not in _STRUCTURE:
                    skip_chars = 0 if w == "u" else skip_chars - 1
                    if w == "u":
                        state, skip_chars = self._word(w, p, state, 0)
                else:
                    self._flush_bytes(state)  # the text so far, in the font it was written in
                    state, skip_chars = self._word(w, p, state, 0 if w in _STRUCTURE else skip_chars)
                continue
            if not _emitting(state):
                continue
            if skip_chars:
                if text is not None:
                    drop = min(skip_chars, len(text))
                    text, skip_chars = text[drop:], skip_chars - drop
                else:
                    skip_chars -= 1
                    continue
            if hexbyte is not None:
                self.pending.append(int(hexbyte, 16))
            elif symbol is not None:
                self._flush_bytes(state)
                self._emit(_SYMBOLS.get(symbol, ""), state)
            elif text:
                self.pending.extend(text)  # raw 8-bit text is in the code page too
        self._flush_bytes(state)
        self._end_paragraph()
        self._end_table()

    # --- control words ---------------------------------------------------------

    def _word(self, w: str, p: int | None, state: _State, skip_chars: int) -> tuple[_State, int]:
        if w == "u" and p is not None:
            if _emitting(state):
                self._flush_bytes(state)
                self._unicode(p + 65536 if p < 0 else p, state)
            return state, state.uc
        if w == "uc" and p is not None:
            return replace(state, uc=max(0, min(p, 10))), skip_chars
        if w == "ansicpg" and p:
            try:
                self.codepage = codecs.lookup(f"cp{p}").name
            except LookupError:
                pass
            return state, skip_chars
        if w in ("f", "af") and p is not None:
            self._flush_bytes(state)
            if state.font == p or (w == "af" and not self.fonts.get(p)):
                return state, skip_chars
            return replace(state, font=p), skip_chars
        if w == "v":
            self._flush_bytes(state)
            return replace(state, hidden=p != 0), skip_chars
        if w == "plain":
            return (replace(state, hidden=False) if state.hidden else state), skip_chars
        if state.skip:
            return state, skip_chars
        if w == "par":
            self._flush_bytes(state)
            self._end_paragraph()
        elif w == "pard":
            self.intbl = False
        elif w == "intbl":
            self.intbl = True
        elif w == "cell":
            self._flush_bytes(state)
            self._end_cell()
        elif w == "row":
            self._flush_bytes(state)
            self._end_row()
        elif w == "trowd":
            self.row_defs, self.row_left, self.next_def = [], 0, _CellDef(0)
        elif w == "trleft" and p is not None:
            self.row_left = p
        elif w == "cellx" and p is not None:
            self.next_def.right = p
            self.row_defs.append(self.next_def)
            self.next_def = _CellDef(0)
        elif w in ("clvmgf", "clvmrg"):
            self.next_def.vmerge = "first" if w == "clvmgf" else "cont"
        elif w in ("clmgf", "clmrg"):
            self.next_def.hmerge = "first" if w == "clmgf" else "cont"
        elif w in ("nestcell", "nestrow"):
            self._emit("\t", state)
        elif w in _WORDS and not state.hidden:
            self._emit(_WORDS[w], state)
        return state, skip_chars

    def _font_table_word(self, w: str, p: int | None) -> None:
        if w == "f" and p is not None:
            self.font_no = p
        elif w == "fcharset" and p is not None and self.font_no is not None:
            self.fonts[self.font_no] = _CHARSETS.get(p)

    # --- characters ------------------------------------------------------------

    def _codec(self, state: _State) -> str:
        if state.font is not None:
            cp = self.fonts.get(state.font)
            if cp is not None:
                return cp
        return self.codepage

    def _flush_bytes(self, state: _State) -> None:
        if self.pending:
            self._emit(bytes(self.pending).decode(self._codec(state), errors="replace"), state)
            self.pending.clear()

    def _unicode(self, code: int, state: _State) -> None:
        if 0xD800 <= code < 0xDC00:
            self.high = code
            return
        if 0xDC00 <= code < 0xE000 and self.high is not None:
            code = 0x10000 + ((self.high - 0xD800) << 10) + (code - 0xDC00)
        self.high = None
        if 0xD800 <= code < 0xE000:
            return
        self._emit(chr(code), state)

    def _emit(self, s: str, state: _State) -> None:
        if s:
            (self.title_parts if state.title else self.text).append(s)

    # --- paragraphs and tables --------------------------------------------------

    def _end_paragraph(self) -> None:
        text = "".join(self.text).replace("\r", "")
        self.text = []
        if self.intbl:
            self.cell_lines.append(text)
            return
        self._end_table()
        if text.strip():
            self.n_paras += 1
            self.blocks.append(Paragraph(text.strip(), Provenance(path=f"p[{self.n_paras}]")))

    def _end_cell(self) -> None:
        if self.text:
            self.cell_lines.append("".join(self.text))
            self.text = []
        self.row_texts.append("\n".join(line.strip() for line in self.cell_lines).strip())
        self.cell_lines = []

    def _end_row(self) -> None:
        if self.text or self.cell_lines:  # text after the last \cell: a cell of its own
            self._end_cell()
        self.rows.append(_Row(self.row_left, list(self.row_defs), self.row_texts))
        self.row_texts = []
        self.intbl = False

    def _end_table(self) -> None:
        if self.row_texts or self.cell_lines:
            self._end_row()
        if self.rows:
            self.n_tables += 1
            self.blocks.append(_table(self.rows, self.n_tables))
            self.rows = []


def _edges(rows: list[_Row]) -> list[int]:
    values = sorted({r.left for r in rows} | {d.right for r in rows for d in r.defs})
    out: list[int] = []
    for v in values:
        if not out or v - out[-1] > _COL_TOL:
            out.append(v)
    return out


def _col(edges: list[int], v: int) -> int:
    """Index of the edge nearest to ``v`` in the ascending ``edges``."""
    i = bisect_left(edges, v)
    if i == len(edges) or (i > 0 and v - edges[i - 1] <= edges[i] - v):
        return i - 1
    return i


def _table(rows: list[_Row], number: int) -> Table:
    """The rows of one table as a grid with spans (see the module doc)."""
    edges = _edges(rows)
    n_cols = max(len(edges) - 1, max(len(r.texts) for r in rows), 1)
    if n_cols * len(rows) > MAX_CELLS:
        raise limits.LimitExceeded(f"RTF table of {len(rows):,} x {n_cols:,} cells, past {MAX_CELLS:,}")
    cells: list[Cell] = []
    open_v: dict[int, int] = {}  # column -> index in cells of the anchor a \clvmrg continues
    for r, row in enumerate(rows):
        left = row.left
        placed: list[tuple[int, int, str, _CellDef | None]] = []
        for k, text in enumerate(row.texts):
            d = row.defs[k] if k < len(row.defs) else None
            if d is not None and len(edges) > 1:
                a, b = _col(edges, left), _col(edges, d.right)
                left = d.right
                if b <= a:
                    b = a + 1
            else:  # more cells than definitions: one column each after the last
                a = placed[-1][1] if placed else 0
                b = a + 1
            placed.append((a, b, text, d))
        seen_v: set[int] = set()
        n_here = 0
        for a, b, text, d in placed:
            if d is not None and d.hmerge == "cont" and cells and cells[-1].row == r:
                prev = cells[-1]
                cells[-1] = prev._replace(col_span=b - prev.col, text=_joined(prev.text, text))
                continue
            if d is not None and d.vmerge == "cont" and a in open_v:
                i = open_v[a]
                anchor = cells[i]
                cells[i] = anchor._replace(row_span=r - anchor.row + 1, text=_joined(anchor.text, text))
                seen_v.add(a)
                continue
            n_here += 1
            path = f"tbl[{number}]/tr[{r + 1}]/tc[{n_here}]"
            cells.append(Cell(r, a, text, 1, b - a, Provenance(path=path)))
            if d is not None and d.vmerge == "first":
                open_v[a] = len(cells) - 1
                seen_v.add(a)
        for a in list(open_v):
            if a not in seen_v:
                del open_v[a]
    n_cols = max(n_cols, max((c.col + c.col_span for c in cells), default=1))
    return Table(tuple(cells), len(rows), n_cols, prov=Provenance(path=f"tbl[{number}]"))


def _joined(a: str, b: str) -> str:
    return f"{a}\n{b}" if a and b else a or b
