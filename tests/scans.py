"""Scanned reports made from generated ones: the truth of the text PDF, the bytes of a scan.

A generated PDF (``nianbao.corpus.synth``) is rendered page by page with PDFium in grey at the
given dpi, turned by a small angle as a scanner feeds paper, saved as JPEG (its noise
included) and wrapped back into an image-only PDF with Pillow: no text layer at all
(``nianbao.corpus.synth.render_scan``).  The same generator draws a table alone as a picture,
which the builders below paste into a DOCX or a web page in place of the table.
"""

from __future__ import annotations

import base64
import io
import random

from nianbao.corpus.synth.render_scan import page_images, scanned_pdf, table_picture

__all__ = ["docx_with_table_picture", "html_with_table_picture", "page_images", "scanned_pdf", "synth_report"]


def synth_report(seed: int, template: str = "2021", with_error: bool = False, fmt: str = "pdf"):
    """A generated report, its text PDF (or ``fmt``'s bytes) and its truth record."""
    from nianbao.corpus.synth import report, truth
    from nianbao.corpus.synth.generate import render_one

    rng = random.Random(f"scan:{seed}")
    rep = report.build(fmt, template, rng, with_error=with_error)
    data, pages = render_one(rep, fmt, rng)
    return rep, data, truth.record(rep, f"{seed}.{fmt}", fmt, pages)


def _grid(rep, table: str):
    return next(
        b.grid for b in rep.blocks if b.kind == "table" and b.grid is not None and b.grid.table == table
    )


def png_of_table(rep, table: str = "t3", dpi: int = 150, seed: int = 0) -> bytes:
    """The PNG of one of ``rep``'s tables, drawn alone (``dpi`` recorded in the file)."""
    img = table_picture(_grid(rep, table), random.Random(f"picture:{seed}"), dpi)
    buf = io.BytesIO()
    img.save(buf, "PNG", dpi=(dpi, dpi))
    return buf.getvalue()


def halves(png: bytes) -> list[bytes]:
    """The picture of a table cut in two at the rule nearest its middle (both keep it)."""
    import numpy as np
    from PIL import Image

    img = Image.open(io.BytesIO(png))
    dpi = img.info.get("dpi", (150, 150))
    ink = np.asarray(img.convert("L")) < 128
    rules = np.flatnonzero(ink.sum(axis=1) > 0.8 * img.width)
    cut = int(rules[np.argmin(abs(rules - img.height // 2))])
    out = []
    for box in ((0, 0, img.width, cut + 2), (0, cut - 1, img.width, img.height)):
        buf = io.BytesIO()
        img.crop(box).save(buf, "PNG", dpi=dpi)
        out.append(buf.getvalue())
    return out


def docx_with_table_picture(seed: int, table: str = "t3", dpi: int = 150, cut: bool = False):
    """A generated DOCX whose ``table`` is a picture (python-docx, shown 6 inches wide),
    or two pictures one after the other (``cut``: the table cut in two at a rule).

    Returns the report, the DOCX bytes and the truth record."""
    import docx
    from docx.shared import Inches

    rep, data, truth = synth_report(seed, fmt="docx")
    doc = docx.Document(io.BytesIO(data))
    tables = [t for t in doc.tables if _is(t, table)]
    assert len(tables) == 1, f"no single {table} in the generated DOCX"
    tbl = tables[0]._tbl
    png = png_of_table(rep, table, dpi, seed)
    for piece in halves(png) if cut else [png]:
        para = doc.add_paragraph()  # appended at the end, then moved where the table stands
        para.add_run().add_picture(io.BytesIO(piece), width=Inches(6.0))
        tbl.addprevious(para._p)
    tbl.getparent().remove(tbl)
    out = io.BytesIO()
    doc.save(out)
    return rep, out.getvalue(), truth


def html_with_table_picture(seed: int, table: str = "t3", dpi: int = 150, src: str | None = None):
    """A generated web page whose ``table`` is an ``<img>``: a data: URI, or ``src``
    (a file name next to the page, whose PNG bytes are returned too).

    Returns the report, the page's bytes, the PNG bytes and the truth record."""
    from lxml import html as lhtml

    rep, data, truth = synth_report(seed, fmt="html")
    png = png_of_table(rep, table, dpi, seed)
    root = lhtml.fromstring(data)
    tables = [t for t in root.iter("table") if _is_html(t, table)]
    assert len(tables) == 1, f"no single {table} in the generated page"
    img = lhtml.Element("img")
    img.set("src", src or "data:image/png;base64," + base64.b64encode(png).decode("ascii"))
    img.set("alt", "表格")
    p = lhtml.Element("p")
    p.append(img)
    tables[0].addprevious(p)
    tables[0].getparent().remove(tables[0])
    page = lhtml.tostring(root, encoding="utf-8", doctype="<!DOCTYPE html>")
    return rep, page, png, truth


_MARKS = {"t2": "第二十条", "t3": "本年新收", "t4": "行政诉讼"}  # words only that table prints


def _is(tbl, table: str) -> bool:
    return _MARKS[table] in "".join(c.text for row in tbl.rows for c in row.cells)


def _is_html(el, table: str) -> bool:
    return _MARKS[table] in "".join(el.itertext())


def pdf_with_table_picture(seed: int, table: str = "t3", dpi: int = 150):
    """A text PDF (reportlab, text in a CID font) whose ``table`` is a picture between two
    part headings, as a report pasted from a scan into Word and printed to PDF is.

    Returns the report, the PDF bytes and the truth record of the generated report."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    rep, _data, truth = synth_report(seed, fmt="pdf")
    png = png_of_table(rep, table, dpi, seed)
    img = Image.open(io.BytesIO(png))
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    width, height = A4
    c.setFont("STSong-Light", 14)
    c.drawString(60, height - 60, f"{rep.agency.name}{rep.year}年政府信息公开工作年度报告")
    c.setFont("STSong-Light", 11)
    c.drawString(60, height - 95, "三、收到和处理政府信息公开申请情况")
    shown_w = width - 120
    shown_h = shown_w * img.height / img.width
    c.drawImage(ImageReader(img), 60, height - 110 - shown_h, shown_w, shown_h)
    c.drawString(60, height - 130 - shown_h, "四、政府信息公开行政复议、行政诉讼情况")
    c.showPage()
    c.save()
    return rep, buf.getvalue(), truth
