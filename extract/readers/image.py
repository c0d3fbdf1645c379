"""Read a report published as pictures: PNG, JPEG, TIFF (every frame a page) or BMP.

Each frame is read by OCR (:mod:`extract.readers.ocr`) into the same characters and
ruled-table cells a text PDF gives, then laid out by :mod:`extract.readers._pdf_layout`,
so tables continued over several frames of a TIFF are joined as in a PDF.

Provenance: ``page`` is the frame (1-based); ``bbox`` is in points at the picture's own
resolution (its dpi field, 150 dpi when it has none), origin top-left; ``conf`` is the
OCR confidence of the cell.
"""

from __future__ import annotations

import io

from extract import limits
from extract.errors import CorruptDocument, EmptyDocument, ScannedDocument
from extract.model import Document
from extract.readers import ocr
from extract.readers._pdf_layout import layout

__all__ = ["read"]

DEFAULT_DPI = 150.0


def read(data: bytes, name: str = "") -> Document:
    """OCR every frame of a picture into a :class:`Document` (format ``image``)."""
    if not data:
        raise EmptyDocument("empty image file")
    if ocr.current_mode() == "never":
        raise ScannedDocument("picture of a page: no text layer (OCR is off)")
    if not ocr.available():
        raise ocr.OcrUnavailable("picture of a page: OCR is not installed (pip install rapidocr-onnxruntime)")
    import numpy as np
    from PIL import Image, ImageSequence, UnidentifiedImageError

    lim = limits.current()
    try:
        img = Image.open(io.BytesIO(data))
        frames = []
        for k, frame in enumerate(ImageSequence.Iterator(img)):
            if k >= lim.max_pages:
                raise limits.LimitExceeded(f"picture of more than {lim.max_pages:,} frames")
            dpi = _dpi(frame.info.get("dpi"))
            frames.append((np.asarray(frame.convert("L")), dpi))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise CorruptDocument(f"unreadable image: {exc}") from exc
    read_pages = {}
    for k, (gray, dpi) in enumerate(frames, start=1):
        read_pages[k] = ocr.read_page(gray, k, dpi)
    blocks = layout([p.raw for p in read_pages.values()])
    if not blocks:
        raise ScannedDocument(f"picture of {len(frames)} page(s): OCR found no text")
    blocks = ocr.apply_confidence(blocks, read_pages)
    return Document(format="image", blocks=tuple(blocks), pages=len(frames), meta=ocr.ocr_meta(read_pages))


def _dpi(value: object) -> float:
    try:
        x = float(value[0])  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        return DEFAULT_DPI
    return x if 96 <= x <= 600 else DEFAULT_DPI
