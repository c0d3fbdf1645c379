"""The fast PDF backend: pypdfium2 characters and rulings, pdfplumber's table finder.

pdfminer (under pdfplumber) interprets content streams in Python, which dominates the
reading time.  PDFium does that in C++.  This backend reads from PDFium

* the characters of the text page (loose boxes: font ascent/descent and advance
  width, like pdfminer's), skipping the spaces and line breaks PDFium generates;
* the page's path objects (also inside form XObjects), each straight, axis-parallel
  segment of a stroked or filled path turned into an edge, as pdfplumber does for
  pdfminer's lines, rectangles and curves;

and hands the edges to :func:`nianbao.extract.readers._pdf_tables.find_tables`, as the
pdfplumber backend does with pdfminer's edges, so the cells agree.

Characters PDFium's text page drops.  The text page skips every text object whose box
is narrower than 0.01 pt (``CPDF_TextPage::ProcessTextObject``), and that box is the
union of the glyph boxes of the font PDFium actually loaded.  A font that is neither
embedded nor installed (reportlab's ``STSong-Light``, or 宋体 not embedded by a word
processor, on a machine without CJK fonts) is replaced by a Latin fallback with no
glyph for a Chinese character or a full-width digit: its glyph box is empty.  An object
of two or more characters still gets a width from the advances, but an object of a
single such character (a ``３`` alone in a cell, the characters of a vertical label
drawn one per line, the last digit of a wrapped number) has none and vanishes.  Such
objects are found among the page's text objects by their empty box and their text is
recovered from the content stream (:mod:`nianbao.extract.readers._pdf_content`): the
text-showing operators are paired in order with the page's text objects, the pairing is
checked against every text PDFium did extract, and each recovered character gets the
box PDFium would have given it (origin from the object's matrix, advance from the
font's widths, font ascent above and descent below the baseline).  If the pairing does
not hold, the page's characters are taken from pdfminer instead.
"""

from __future__ import annotations

import ctypes
import unicodedata
from collections.abc import Callable

import pypdfium2 as pdfium
import pypdfium2.raw as c

from nianbao.extract.readers._pdf_layout import Char, RawPage
from nianbao.extract.readers._pdf_tables import find_tables

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_SKIP = frozenset((0, 0x20, 0x0D, 0x0A, 0x09, 0xA0, 0x3000, 0xFFFE, 0xFFFF))
_SIZE_EPSILON = 0.01  # PDFium's kSizeEpsilon: narrower text objects are not on the text page


class _Content:
    """The document's content streams through pdfminer, opened on first use."""

    def __init__(self, data: bytes | None) -> None:
        self.data = data
        self._reader = None

    def shows(self, index: int):
        from nianbao.extract.readers._pdf_content import ContentReader

        if self._reader is None:
            self._reader = ContentReader(self.data or b"")
        return self._reader.shows(index)


def raw_pages(
    pdf: pdfium.PdfDocument,
    data: bytes | None = None,
    visit: Callable[[pdfium.PdfPage, RawPage], None] | None = None,
) -> list[RawPage]:
    """Characters and table cell boxes of every page; ``data`` (the file) lets dropped
    characters be recovered from the content streams; ``visit`` is called with each
    page while it is still open, so nothing needs to load it again."""
    out = []
    content = _Content(data)
    for i in range(len(pdf)):
        page = pdf[i]
        try:
            left, bottom, right, top = page.get_mediabox()
            width, height = right - left, top - bottom
            edges, texts = _objects(page, left, top)
            chars = _chars(page, left, top, texts, content, i)
            tables = find_tables(edges, height)
            out.append(RawPage(i + 1, width, height, chars, tables))
            if visit is not None:
                visit(page, out[-1])
        finally:
            page.close()
    return out


def _chars(
    page: pdfium.PdfPage, left: float, top: float, texts: list, content: _Content, index: int
) -> list[Char]:
    dropped = _dropped(texts) if content.data is not None else []
    key = {ctypes.cast(obj, ctypes.c_void_p).value: k for k, obj in enumerate(texts)} if dropped else {}
    seen: dict[int, list[str]] = {}  # what PDFium extracted per text object, to check the pairing
    tp = page.get_textpage()
    try:
        raw = tp.raw
        n = c.FPDFText_CountChars(raw)
        rect = c.FS_RECTF()
        out = []
        for i in range(n):
            code = c.FPDFText_GetUnicode(raw, i)
            if code in _SKIP:
                continue
            if c.FPDFText_IsGenerated(raw, i) == 1:
                continue
            if not c.FPDFText_GetLooseCharBox(raw, i, rect):
                continue
            try:
                text = chr(code)
            except ValueError:
                continue
            out.append(Char(text, rect.left - left, top - rect.top, rect.right - left, top - rect.bottom))
            if key:
                k = key.get(ctypes.cast(c.FPDFText_GetTextObject(raw, i), ctypes.c_void_p).value)
                if k is not None:
                    seen.setdefault(k, []).append(text)
    finally:
        tp.close()
    if dropped:
        extra = _recover(texts, dropped, seen, content, index, left, top)
        if extra is None:  # the content stream and PDFium's objects disagree
            from nianbao.extract.readers._pdf_plumber import page_chars

            try:
                return page_chars(content.data or b"", index)
            except Exception:  # pdfminer cannot read the file (a /Prev loop ...): PDFium's characters
                return out
        out.extend(extra)
    return out


def _dropped(texts: list) -> list[int]:
    """Indices of the text objects too narrow for PDFium's text page."""
    x0, b, x1, t = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    out = []
    for k, obj in enumerate(texts):
        if c.FPDFPageObj_GetBounds(obj, x0, b, x1, t) and abs(x1.value - x0.value) < _SIZE_EPSILON:
            out.append(k)
    return out


def _norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())


def _recover(
    texts: list,
    dropped: list[int],
    seen: dict[int, list[str]],
    content: _Content,
    index: int,
    left: float,
    top: float,
) -> list[Char] | None:
    """The characters of the ``dropped`` text objects, or None if the pairing fails."""
    try:
        shows = content.shows(index)
    except Exception:  # pdfminer raises many unrelated types on damaged input
        return None
    if len(shows) != len(texts):
        return None
    for k, got in seen.items():
        if _norm("".join(got)) != _norm(shows[k].text):
            return None
    out: list[Char] = []
    m = c.FS_MATRIX()
    size = ctypes.c_float()
    asc, desc = ctypes.c_float(), ctypes.c_float()
    for k in dropped:
        obj, show = texts[k], shows[k]
        if not c.FPDFPageObj_GetMatrix(obj, m) or abs(m.b) > 1e-6 or abs(m.c) > 1e-6:
            continue  # rotated or skewed text: not recovered
        if not c.FPDFTextObj_GetFontSize(obj, ctypes.byref(size)):
            continue
        fs = size.value
        font = c.FPDFTextObj_GetFont(obj)
        if not (
            font
            and c.FPDFFont_GetAscent(font, fs, ctypes.byref(asc))
            and c.FPDFFont_GetDescent(font, fs, ctypes.byref(desc))
        ):
            asc.value, desc.value = 0.8 * fs, -0.2 * fs
        x = m.e
        y_top, y_bottom = m.f + asc.value * m.d, m.f + desc.value * m.d
        for text, advance in show.chars:
            w = advance * fs * m.a
            if text.strip():
                out.append(Char(text, x - left, top - y_top, x + w - left, top - y_bottom))
            x += w
    return out


def _mul(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n`` (row-vector convention, as PDF's cm)."""
    a, b, cc, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        cc * a2 + d * c2,
        cc * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _matrix(obj: ctypes.c_void_p) -> Matrix:
    m = c.FS_MATRIX()
    if not c.FPDFPageObj_GetMatrix(obj, m):
        return _IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _objects(page: pdfium.PdfPage, left: float, top: float) -> tuple[list[dict], list]:
    """Ruling edges (also inside form XObjects) and the top-level text objects in order."""
    out: list[dict] = []
    texts: list = []
    x = ctypes.c_float()
    y = ctypes.c_float()
    fill = ctypes.c_int()
    stroke = ctypes.c_int()

    def visit(container, count_fn, get_fn, ctm: Matrix, top_level: bool) -> None:
        for k in range(count_fn(container)):
            obj = get_fn(container, k)
            kind = c.FPDFPageObj_GetType(obj)
            if kind == c.FPDF_PAGEOBJ_TEXT:
                if top_level:
                    texts.append(obj)
                continue
            if kind == c.FPDF_PAGEOBJ_FORM:
                visit(
                    obj, c.FPDFFormObj_CountObjects, c.FPDFFormObj_GetObject, _mul(_matrix(obj), ctm), False
                )
                continue
            if kind != c.FPDF_PAGEOBJ_PATH:
                continue
            if c.FPDFPath_GetDrawMode(obj, fill, stroke) and fill.value == 0 and not stroke.value:
                continue
            m = _mul(_matrix(obj), ctm)
            pts: list[tuple[float, float]] = []
            start: tuple[float, float] | None = None
            for s in range(c.FPDFPath_CountSegments(obj)):
                seg = c.FPDFPath_GetPathSegment(obj, s)
                c.FPDFPathSegment_GetPoint(seg, x, y)
                px = m[0] * x.value + m[2] * y.value + m[4] - left
                py = top - (m[1] * x.value + m[3] * y.value + m[5])
                stype = c.FPDFPathSegment_GetType(seg)
                if stype == c.FPDF_SEGMENT_MOVETO or not pts:
                    start = (px, py)
                elif stype == c.FPDF_SEGMENT_LINETO:
                    _add_edge(out, pts[-1], (px, py))
                pts.append((px, py))
                if c.FPDFPathSegment_GetClose(seg) and start is not None:
                    _add_edge(out, (px, py), start)
                    pts.append(start)

    visit(page.raw, c.FPDFPage_CountObjects, c.FPDFPage_GetObject, _IDENTITY, True)
    return out, texts


def _add_edge(out: list[dict], p0: tuple[float, float], p1: tuple[float, float]) -> None:
    (x0, y0), (x1, y1) = p0, p1
    if abs(x0 - x1) < 1e-3:
        orientation = "v"
    elif abs(y0 - y1) < 1e-3:
        orientation = "h"
    else:
        return
    lo_x, hi_x = min(x0, x1), max(x0, x1)
    lo_y, hi_y = min(y0, y1), max(y0, y1)
    out.append(
        {
            "object_type": "curve_edge",
            "x0": lo_x,
            "x1": hi_x if orientation == "h" else lo_x,
            "top": lo_y,
            "bottom": hi_y if orientation == "v" else lo_y,
            "width": hi_x - lo_x if orientation == "h" else 0.0,
            "height": hi_y - lo_y if orientation == "v" else 0.0,
            "orientation": orientation,
        }
    )
