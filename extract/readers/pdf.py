"""Read a report published as a PDF with a text layer.

The container is opened with pypdfium2 first: that tells an encrypted file
(password needed) from a damaged one, gives the page count and the document
information (``Title``, ``CreationDate``), and shows whether there is a text layer
at all.

Each page takes its own path: a page with a usable text layer is read from it, a page
without one (a scan, a "图片版" picture of the page) is rendered with PDFium at 150–200
dpi (the density of the picture it holds) and read by OCR (:mod:`nianbao.extract.readers.ocr`),
under the OCR mode in force (``auto``: only such pages; ``always``: every page;
``never``: a file without any text layer fails, "scanned PDF: no text layer").

Characters and ruled tables then come from a backend:

* ``pdfplumber`` (the reference): pdfminer's characters and pdfplumber's ``lines``
  table finder;
* ``pdfium`` (the default, several times faster): pypdfium2's characters and the
  path objects of the page turned into the same edges pdfminer would give, fed to the
  same pdfplumber table-finding functions.  ``tests/test_pdf_reader.py`` checks that
  both give the same cells on every PDF the tests know.

Both feed :mod:`nianbao.extract.readers._pdf_layout`, which builds cells with spans,
narrative paragraphs and tables continued across pages.  Provenance: ``page``
(1-based) and ``bbox`` (x0, top, x1, bottom) in PDF points, origin top-left.

Damaged files: the two libraries repair different damage.  PDFium rebuilds a missing
or broken cross-reference table and ignores a ``/Prev`` chain that loops; pdfminer
reads some files PDFium refuses.  So a file one library cannot open is read with the
other, and the reason given when neither can is PDFium's (with pdfminer's beside it).

Limits (:mod:`nianbao.extract.limits`): before either library sees the file, its compressed
streams are checked not to inflate past ``max_inflated``
(:mod:`nianbao.extract.readers._pdf_streams`); a file of more than ``max_pages`` pages is
refused before any page is read.
"""

from __future__ import annotations

import re
from typing import Literal

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from nianbao.extract import limits
from nianbao.extract.errors import CorruptDocument, EmptyDocument, EncryptedDocument, ScannedDocument
from nianbao.extract.model import Document
from nianbao.extract.readers._pdf_layout import BBox, Char, RawPage, layout
from nianbao.extract.readers._pdf_streams import check_streams

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
    lim = limits.current()
    check_streams(data, lim)
    try:
        pdf = _open(data)
    except CorruptDocument as exc:
        return _read_without_pdfium(data, exc, lim)
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise EmptyDocument("PDF without pages")
        _check_pages(n_pages, lim)
        meta = _meta(pdf)
        kinds: list[tuple[bool, float, float]] | None = None  # per page: usable text, OCR dpi, picture cover
        if backend == "pdfium":
            pages, kinds = _pdfium_pages(pdf, data)
        else:
            try:
                pages = _plumber_pages(data)
            except CorruptDocument:  # pdfminer cannot read what PDFium opened: PDFium's reading
                pages, kinds = _pdfium_pages(pdf, data)
        scanned = _pages_to_ocr(pdf, n_pages, kinds)
        ocr_pages = _ocr(pdf, pages, scanned)
        if kinds is not None:  # text pages with a picture that may hold a table
            candidates = {
                i + 1 for i, (usable, _dpi, cover) in enumerate(kinds) if usable and cover >= _PICTURE_MIN
            }
            ocr_pages = {**_read_pictures(pdf, pages, scanned, candidates), **ocr_pages}
    except pdfium.PdfiumError as exc:  # a page PDFium opened the file for but cannot load
        return _read_without_pdfium(data, CorruptDocument(f"unreadable PDF: {exc}"), lim)
    finally:
        pdf.close()
    return _document(pages, n_pages, meta, ocr_pages)


def _pdfium_pages(pdf: pdfium.PdfDocument, data: bytes) -> tuple[list[RawPage], list[tuple[bool, float]]]:
    """The pages, and what each says about its text layer (read while the page is open)."""
    from nianbao.extract.readers._pdf_pdfium import raw_pages

    kinds: list[tuple[bool, float, float]] = []
    pages = raw_pages(pdf, data, lambda page, raw: kinds.append(_page_kind(page, raw.chars)))
    return pages, kinds


_PICTURE_MIN = 0.08  # share of the page a picture must cover to be worth looking at for a table


def _pictures(page: pdfium.PdfPage, raw: RawPage) -> list[tuple[object, BBox, float]]:
    """The pictures on a text page that may hold a table: (grey pixels, box in points from
    the page's top-left, dpi).  A picture with text of the layer over it (a scan made
    searchable) already has its words and is left alone."""
    import numpy as np

    from nianbao.extract.readers.image import MAX_PIXELS

    left, _bottom, _right, top = page.get_mediabox()
    out = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        x0, y0, x1, y1 = obj.get_bounds()
        box = (x0 - left, top - y1, x1 - left, top - y0)
        w_pt, h_pt = box[2] - box[0], box[3] - box[1]
        if w_pt * h_pt < _PICTURE_MIN * raw.width * raw.height:
            continue
        inside = sum(1 for c in raw.chars if box[0] <= c.x0 <= box[2] and box[1] <= c.top <= box[3])
        if inside > 20:
            continue
        try:
            px_w, px_h = obj.get_px_size()
            if px_w * px_h > MAX_PIXELS or px_w < 50 or px_h < 50:
                continue
            gray = np.asarray(obj.get_bitmap(render=False).to_pil().convert("L"))
        except (pdfium.PdfiumError, AttributeError, ValueError, OSError):
            continue  # a mask, an odd colour space: not a picture to read
        if gray.shape[1] != px_w:  # stored turned or scaled: read it as placed
            continue
        out.append((gray, box, px_w / (w_pt / 72)))
    return out


def _read_pictures(
    pdf: pdfium.PdfDocument, pages: list[RawPage], skip: dict[int, float], candidates: set[int]
) -> dict:
    """Tables inside pictures on the text pages ``candidates`` (numbers), read by OCR and
    added to their page where the picture stands; the pages read so (page number ->
    OcrPage, ``partial``)."""
    if not candidates:
        return {}
    from nianbao.extract.readers import ocr

    if ocr.current_mode() == "never" or not ocr.available():
        return {}
    read = {}
    for k, raw in enumerate(pages):
        if raw.number - 1 in skip or raw.number not in candidates:
            continue
        page = pdf[raw.number - 1]
        try:
            pictures = _pictures(page, raw)
        finally:
            page.close()
        for gray, box, dpi in pictures:
            if not ocr.has_table(gray, dpi):
                continue
            got = ocr.read_page(gray, raw.number, dpi, narrative=False)
            sx, sy = (box[2] - box[0]) / got.raw.width, (box[3] - box[1]) / got.raw.height

            def moved(b: BBox, sx: float = sx, sy: float = sy, box: BBox = box) -> BBox:
                return (box[0] + b[0] * sx, box[1] + b[1] * sy, box[0] + b[2] * sx, box[1] + b[3] * sy)

            chars = [Char(c.text, *moved((c.x0, c.top, c.x1, c.bottom))) for c in got.raw.chars]
            tables = [[moved(b) for b in t] for t in got.raw.tables]
            pages[k] = raw = RawPage(
                raw.number, raw.width, raw.height, raw.chars + chars, raw.tables + tables
            )
            seen = read.setdefault(raw.number, ocr.OcrPage(raw, partial=True))
            seen.raw = raw
            seen.cell_conf.update({ocr.round_box(moved(b)): v for b, v in got.cell_conf.items()})
            seen.confidences.extend(got.confidences)
    return read


def _check_pages(n_pages: int, lim: limits.Limits) -> None:
    if n_pages > lim.max_pages:
        raise limits.LimitExceeded(f"PDF of {n_pages:,} pages, past the limit of {lim.max_pages:,}")


def _read_without_pdfium(data: bytes, refused: CorruptDocument, lim: limits.Limits) -> Document:
    """Read with pdfminer a file PDFium cannot open; PDFium's reason if pdfminer fails too."""
    try:
        pages = _plumber_pages(data)
    except CorruptDocument as exc:
        raise CorruptDocument(f"{refused}; pdfminer: {str(exc).removeprefix('unreadable PDF: ')}") from exc
    if not pages:
        raise EmptyDocument("PDF without pages")
    _check_pages(len(pages), lim)
    return _document(pages, len(pages), {})


def _document(
    pages: list[RawPage], n_pages: int, meta: dict[str, str], ocr_pages: dict | None = None
) -> Document:
    blocks = layout(pages)
    if ocr_pages:
        from nianbao.extract.readers import ocr

        if not blocks:
            raise ocr.no_text(n_pages)
        blocks = ocr.apply_confidence(blocks, ocr_pages)
        meta = {**meta, **ocr.ocr_meta(ocr_pages)}
    if not blocks:
        raise ScannedDocument(f"scanned PDF: no text layer on {n_pages} pages")
    return Document(format="pdf", blocks=tuple(blocks), pages=n_pages, meta=meta)


def _pages_to_ocr(
    pdf: pdfium.PdfDocument, n_pages: int, kinds: list[tuple[bool, float, float]] | None = None
) -> dict[int, float]:
    """Page index -> rendering dpi of the pages OCR must read under the mode in force.

    ``never`` reads none (and a file without any text layer fails as a scan); ``auto``
    reads the pages without a usable text layer; ``always`` every page.  OCR not
    installed: a file of scans fails saying so, the text pages of a mixed one are read.
    """
    from nianbao.extract.readers import ocr

    mode = ocr.current_mode()
    if mode == "never":
        if kinds is None:
            _check_text_layer(pdf, n_pages)
        elif not any(kind[0] for kind in kinds):
            raise ScannedDocument(f"scanned PDF: no text layer on {n_pages} pages")
        return {}
    if kinds is None:
        kinds = []
        for i in range(n_pages):
            page = pdf[i]
            try:
                kinds.append(_page_kind(page))
            finally:
                page.close()
    todo: dict[int, float] = {}
    for i, (usable, dpi, _cover) in enumerate(kinds):
        if mode == "always" or not usable:
            todo[i] = dpi
    if todo and not ocr.available():
        if len(todo) == n_pages and mode == "auto":
            raise ocr.OcrUnavailable(
                f"scanned PDF: no text layer on {n_pages} pages, and OCR is not installed "
                "(pip install rapidocr-onnxruntime)"
            )
        return {}
    return todo


_MIN_TEXT = 50  # characters: fewer over a full-page picture is a stamp or a page number


def _page_kind(page: pdfium.PdfPage, chars: list | None = None) -> tuple[bool, float, float]:
    """(whether the text layer is usable, the dpi to render the page at for OCR, the share
    of the page its largest picture covers); the page's characters when read already."""
    if chars is None:
        tp = page.get_textpage()
        try:
            n = tp.count_chars()
            text = tp.get_text_range() if n else ""
        finally:
            tp.close()
        n_text = len("".join(text.split()))
    else:
        n_text = sum(1 for ch in chars if ch.text.strip())
    width, height = page.get_size()
    cover, native = 0.0, 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        w_pt, h_pt = max(right - left, 1e-6), max(top - bottom, 1e-6)
        cover = max(cover, (w_pt * h_pt) / max(width * height, 1e-6))
        try:
            px_w, _px_h = obj.get_px_size()
            native = max(native, px_w / w_pt * 72)
        except (pdfium.PdfiumError, AttributeError):
            pass
    usable = n_text > 0 and not (cover > 0.5 and n_text < _MIN_TEXT)
    dpi = 200.0 if native >= 190 else 150.0
    return usable, dpi, cover


def _ocr(pdf: pdfium.PdfDocument, pages: list[RawPage], todo: dict[int, float]) -> dict:
    """Replace the pages in ``todo`` by what OCR reads from their pictures."""
    if not todo:
        return {}
    import numpy as np

    from nianbao.extract.readers import ocr

    read = {}
    by_number = {p.number: k for k, p in enumerate(pages)}
    for i, dpi in sorted(todo.items()):
        page = pdf[i]
        try:
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            gray = np.asarray(bitmap.to_pil().convert("L"))
        finally:
            page.close()
        got = ocr.read_page(gray, i + 1, dpi)
        read[i + 1] = got
        if i + 1 in by_number:
            pages[by_number[i + 1]] = got.raw
        else:
            pages.append(got.raw)
    pages.sort(key=lambda p: p.number)
    return read


def _plumber_pages(data: bytes) -> list[RawPage]:
    from nianbao.extract.readers._pdf_plumber import raw_pages

    try:
        return raw_pages(data)
    except limits.LimitExceeded:
        raise
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
    except (pdfium.PdfiumError, UnicodeDecodeError):  # a damaged information dictionary
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
