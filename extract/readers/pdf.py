"""Read a report published as a PDF with a text layer.

The container is opened with pypdfium2 first: that tells an encrypted file
(password needed) from a damaged one, gives the page count and the document
information (``Title``, ``CreationDate``), and shows whether there is a text layer
at all (a scan has none and needs OCR, which nianbao does not do).

Characters and ruled tables then come from a backend:

* ``pdfplumber`` (the reference): pdfminer's characters and pdfplumber's ``lines``
  table finder;
* ``pdfium`` (the default, several times faster): pypdfium2's characters and the
  path objects of the page turned into the same edges pdfminer would give, fed to the
  same pdfplumber table-finding functions.  ``tests/test_pdf_reader.py`` checks that
  both give the same cells on every PDF the tests know.

Both feed :mod:`extract.readers._pdf_layout`, which builds cells with spans,
narrative paragraphs and tables continued across pages.  Provenance: ``page``
(1-based) and ``bbox`` (x0, top, x1, bottom) in PDF points, origin top-left.
"""

from __future__ import annotations

import re
from typing import Literal

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extract.errors import CorruptDocument, EmptyDocument, EncryptedDocument, ScannedDocument
from extract.model import Document
from extract.readers._pdf_layout import RawPage, layout

__all__ = ["read", "read_with"]

Backend = Literal["pdfium", "pdfplumber"]
DEFAULT_BACKEND: Backend = "pdfium"


def read(data: bytes, name: str = "") -> Document:
    """Read a PDF into a :class:`Document` with the default backend."""
    return read_with(data, name, DEFAULT_BACKEND)


def read_with(data: bytes, name: str = "", backend: Backend = DEFAULT_BACKEND) -> Document:
    """Read a PDF with the given backend (``pdfium`` or ``pdfplumber``)."""
    if not data:
        raise EmptyDocument("empty PDF file")
    pdf = _open(data)
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise EmptyDocument("PDF without pages")
        meta = _meta(pdf)
        _check_text_layer(pdf, n_pages)
        if backend == "pdfium":
            from extract.readers._pdf_pdfium import raw_pages as pdfium_pages

            pages = pdfium_pages(pdf, data)
        else:
            pages = _plumber_pages(data)
    finally:
        pdf.close()
    blocks = layout(pages)
    if not blocks:
        raise ScannedDocument(f"scanned PDF: no text layer on {n_pages} pages")
    return Document(format="pdf", blocks=tuple(blocks), pages=n_pages, meta=meta)


def _plumber_pages(data: bytes) -> list[RawPage]:
    from extract.readers._pdf_plumber import raw_pages

    try:
        return raw_pages(data)
    except Exception as exc:  # pdfminer raises many unrelated types on damaged input
        raise CorruptDocument(f"unreadable PDF: {type(exc).__name__}: {exc}") from exc


def _open(data: bytes) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if pdfium_c.FPDF_GetLastError() == pdfium_c.FPDF_ERR_PASSWORD or "password" in str(exc).lower():
            raise EncryptedDocument("encrypted PDF: a password is needed") from exc
        raise CorruptDocument(f"unreadable PDF: {exc}") from exc


def _check_text_layer(pdf: pdfium.PdfDocument, n_pages: int) -> None:
    for i in range(n_pages):
        page = pdf[i]
        try:
            tp = page.get_textpage()
            try:
                if tp.count_chars() > 0 and tp.get_text_range().strip():
                    return
            finally:
                tp.close()
        finally:
            page.close()
    raise ScannedDocument(f"scanned PDF: no text layer on {n_pages} pages")


_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")


def _meta(pdf: pdfium.PdfDocument) -> dict[str, str]:
    """``title`` and ``pdf_created`` (yyyy-mm-dd) from the document information."""
    try:
        info = pdf.get_metadata_dict(skip_empty=True)
    except pdfium.PdfiumError:
        return {}
    meta: dict[str, str] = {}
    title = (info.get("Title") or "").strip()
    if title:
        meta["title"] = title
    m = _PDF_DATE.match((info.get("CreationDate") or "").strip())
    if m and m.group(2) and m.group(3):
        y, mo, d = m.group(1), m.group(2), m.group(3)
        if 1 <= int(mo) <= 12 and 1 <= int(d) <= 31:
            meta["pdf_created"] = f"{y}-{mo}-{d}"
    return meta
