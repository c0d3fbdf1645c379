"""Scanned reports made from generated ones: the truth of the text PDF, the bytes of a scan.

A generated PDF (``corpus.synth``) is rendered page by page with PDFium in grey at the
given dpi, turned by a small angle as a scanner feeds paper, saved as JPEG (its noise
included) and wrapped back into an image-only PDF with Pillow: no text layer at all.
"""

from __future__ import annotations

import io
import random

import pypdfium2 as pdfium
from PIL import Image


def page_images(pdf_bytes: bytes, dpi: int, angle: float = 0.0, quality: int = 70) -> list[Image.Image]:
    """Grey JPEG-compressed pictures of every page of ``pdf_bytes``."""
    pdf = pdfium.PdfDocument(pdf_bytes)
    out = []
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            if angle:
                img = img.rotate(angle, resample=Image.BICUBIC, fillcolor=255)
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=quality)
            out.append(Image.open(io.BytesIO(buf.getvalue())))
    finally:
        pdf.close()
    return out


def scanned_pdf(pdf_bytes: bytes, dpi: int, angle: float = 0.0, quality: int = 70) -> bytes:
    """An image-only PDF of the pages of ``pdf_bytes`` (see :func:`page_images`)."""
    images = page_images(pdf_bytes, dpi, angle, quality)
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=float(dpi))
    return buf.getvalue()


def synth_report(seed: int, template: str = "2021", with_error: bool = False):
    """A generated report, its text PDF and its truth record."""
    from corpus.synth import render_pdf, report, truth

    rng = random.Random(f"scan:{seed}")
    rep = report.build("pdf", template, rng, with_error=with_error)
    data, pages = render_pdf.render(rep, rng)
    return rep, data, truth.record(rep, f"{seed}.pdf", "pdf", pages)
