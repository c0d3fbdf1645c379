"""Scans: the generated PDF printed and fed through a scanner, and pictures of one table.

``render`` (``nianbao synth --formats scan``) draws the report's PDF (``render_pdf``),
renders every page in grey with PDFium at 150 or 200 dpi, turns it by up to 1° as a
sheet fed askew, adds a little sensor noise, saves it as JPEG (quality 60-85, its
blocking included) and wraps the pictures into an image-only PDF with Pillow: no text
layer at all.  The truth is the PDF's: the same report, the same pages.

``table_picture`` draws one table (``render_pdf``'s ruling and cell text) on a page tall
enough to hold it whole and crops the picture to it: what an agency pastes into a DOCX
or a web page when it puts a table in as an image.
"""

from __future__ import annotations

import io
import random

import numpy as np
import pypdfium2 as pdfium
from PIL import Image

from . import render_pdf
from .layout import Grid
from .report import Report


def render(report: Report, rng: random.Random) -> tuple[bytes, int]:
    """The image-only PDF of ``report`` and its number of pages."""
    data, pages = render_pdf.render(report, rng)
    dpi = rng.choice((150, 200))
    angle = round(rng.uniform(-1.0, 1.0), 2) if rng.random() < 0.6 else 0.0
    quality = rng.choice((60, 70, 80, 85))
    noise = rng.choice((0.0, 3.0, 6.0))
    return scanned_pdf(data, dpi, angle, quality, noise, seed=rng.randrange(1 << 30)), pages


def page_images(
    pdf_bytes: bytes, dpi: int, angle: float = 0.0, quality: int = 70, noise: float = 0.0, seed: int = 0
) -> list[Image.Image]:
    """Grey JPEG-compressed pictures of every page of ``pdf_bytes``.

    ``angle`` turns the page (degrees, counter-clockwise), ``noise`` adds Gaussian noise
    of that standard deviation (grey levels) before the JPEG compression."""
    pdf = pdfium.PdfDocument(pdf_bytes)
    gen = np.random.default_rng(seed)
    out = []
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            if angle:
                img = img.rotate(angle, resample=Image.BICUBIC, fillcolor=255)
            if noise:
                px = np.asarray(img, dtype=np.float32) + gen.normal(0.0, noise, (img.height, img.width))
                img = Image.fromarray(np.clip(px, 0, 255).astype(np.uint8))
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=quality)
            out.append(Image.open(io.BytesIO(buf.getvalue())))
    finally:
        pdf.close()
    return out


def scanned_pdf(
    pdf_bytes: bytes, dpi: int, angle: float = 0.0, quality: int = 70, noise: float = 0.0, seed: int = 0
) -> bytes:
    """An image-only PDF of the pages of ``pdf_bytes`` (see :func:`page_images`)."""
    images = page_images(pdf_bytes, dpi, angle, quality, noise, seed)
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=float(dpi))
    return buf.getvalue()


def table_picture(grid: Grid, rng: random.Random, dpi: int = 150) -> Image.Image:
    """A grey picture of one table as ``render_pdf`` prints it, cropped to the table."""
    from reportlab.pdfgen.canvas import Canvas

    render_pdf._font()
    height = 4000.0  # points: any table of the form fits whole
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(render_pdf.PAGE_W, height), invariant=1)
    pager = render_pdf._Pager(c, rng, (72.0, 72.0, 36.0, 36.0))
    pager.y = height - 36.0
    render_pdf._table(pager, grid, rng)
    c.showPage()  # no page number: the picture is the table alone
    c.save()
    pdf = pdfium.PdfDocument(buf.getvalue())
    try:
        page = pdf[0]
        img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        page.close()
    finally:
        pdf.close()
    ink = np.asarray(img) < 200
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    pad = round(dpi / 10)
    box = (
        max(0, int(cols[0]) - pad),
        max(0, int(rows[0]) - pad),
        min(img.width, int(cols[-1]) + pad + 1),
        min(img.height, int(rows[-1]) + pad + 1),
    )
    return img.crop(box)
