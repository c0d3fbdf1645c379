"""The reference PDF backend: pdfplumber (pdfminer.six) characters and ruled tables.

Tables are found from the page's ruling edges (lines, rectangle sides and straight path
segments, as pdfplumber's ``lines`` strategy takes them) by
:func:`nianbao.extract.readers._pdf_tables.find_tables`.
"""

from __future__ import annotations

import io

import pdfplumber

from nianbao.extract.readers._pdf_layout import Char, RawPage
from nianbao.extract.readers._pdf_tables import find_tables


def raw_pages(data: bytes) -> list[RawPage]:
    """Characters and table cell boxes of every page (top-left origin, points)."""
    out = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            x_off, y_off = page.bbox[0], page.bbox[1]
            chars = [
                Char(c["text"], c["x0"] - x_off, c["top"] - y_off, c["x1"] - x_off, c["bottom"] - y_off)
                for c in page.chars
                if c["text"].strip()
            ]
            tables = [
                [(b[0] - x_off, b[1] - y_off, b[2] - x_off, b[3] - y_off) for b in t]
                for t in find_tables(page.edges, float(page.height))
            ]
            out.append(RawPage(number, float(page.width), float(page.height), chars, tables))
            page.close()
    return out


def page_chars(data: bytes, index: int) -> list[Char]:
    """pdfminer's characters of page ``index`` (0-based) alone, top-left origin."""
    with pdfplumber.open(io.BytesIO(data), pages=[index + 1]) as pdf:
        page = pdf.pages[0]
        x_off, y_off = page.bbox[0], page.bbox[1]
        return [
            Char(c["text"], c["x0"] - x_off, c["top"] - y_off, c["x1"] - x_off, c["bottom"] - y_off)
            for c in page.chars
            if c["text"].strip()
        ]
