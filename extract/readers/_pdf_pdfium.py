"""The fast PDF backend: pypdfium2 characters and rulings, pdfplumber's table finder.

pdfminer (under pdfplumber) interprets content streams in Python, which dominates the
reading time.  PDFium does that in C++.  This backend reads from PDFium

* the characters of the text page (loose boxes: font ascent/descent and advance
  width, like pdfminer's), skipping the spaces and line breaks PDFium generates;
* the page's path objects (also inside form XObjects), each straight, axis-parallel
  segment of a stroked or filled path turned into an edge, as pdfplumber does for
  pdfminer's lines, rectangles and curves;

and hands the edges to :func:`extract.readers._pdf_tables.find_tables`, as the
pdfplumber backend does with pdfminer's edges, so the cells agree.
"""

from __future__ import annotations

import ctypes

import pypdfium2 as pdfium
import pypdfium2.raw as c

from extract.readers._pdf_layout import Char, RawPage
from extract.readers._pdf_tables import find_tables

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def raw_pages(pdf: pdfium.PdfDocument) -> list[RawPage]:
    out = []
    for i in range(len(pdf)):
        page = pdf[i]
        try:
            left, bottom, right, top = page.get_mediabox()
            width, height = right - left, top - bottom
            chars = _chars(page, left, top)
            edges = _edges(page, left, top)
            tables = find_tables(edges)
            out.append(RawPage(i + 1, width, height, chars, tables))
        finally:
            page.close()
    return out


def _chars(page: pdfium.PdfPage, left: float, top: float) -> list[Char]:
    tp = page.get_textpage()
    try:
        raw = tp.raw
        n = c.FPDFText_CountChars(raw)
        rect = c.FS_RECTF()
        out = []
        for i in range(n):
            code = c.FPDFText_GetUnicode(raw, i)
            if code in (0, 0x20, 0x0D, 0x0A, 0x09, 0xA0, 0x3000, 0xFFFE, 0xFFFF):
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
        return out
    finally:
        tp.close()


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


def _edges(page: pdfium.PdfPage, left: float, top: float) -> list[dict]:
    out: list[dict] = []
    x = ctypes.c_float()
    y = ctypes.c_float()
    fill = ctypes.c_int()
    stroke = ctypes.c_int()

    def visit(container, count_fn, get_fn, ctm: Matrix) -> None:
        for k in range(count_fn(container)):
            obj = get_fn(container, k)
            kind = c.FPDFPageObj_GetType(obj)
            if kind == c.FPDF_PAGEOBJ_FORM:
                visit(obj, c.FPDFFormObj_CountObjects, c.FPDFFormObj_GetObject, _mul(_matrix(obj), ctm))
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

    visit(page.raw, c.FPDFPage_CountObjects, c.FPDFPage_GetObject, _IDENTITY)
    return out


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
