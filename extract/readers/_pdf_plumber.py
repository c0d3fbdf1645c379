"""The reference PDF backend: pdfplumber (pdfminer.six) characters and ruled tables.

Tables are found with pdfplumber's ``lines`` strategy on both axes (rulings drawn as
lines, rectangles or straight path segments), default snap/join tolerances.
"""

from __future__ import annotations

import io

import pdfplumber

from extract.readers._pdf_layout import Char, RawPage

TABLE_SETTINGS = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}


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
                [(b[0] - x_off, b[1] - y_off, b[2] - x_off, b[3] - y_off) for b in t.cells]
                for t in page.find_tables(TABLE_SETTINGS)
            ]
            out.append(RawPage(number, float(page.width), float(page.height), chars, tables))
            page.close()
    return out
