"""Read pictures: a report published as PNG, JPEG, TIFF (every frame a page) or BMP, and
the pictures of tables pasted into a DOCX or a web page.

Each picture is read by OCR (:mod:`nianbao.extract.readers.ocr`) into the same characters and
ruled-table cells a text PDF gives, then laid out by :mod:`nianbao.extract.readers._pdf_layout`,
so tables continued over several frames of a TIFF, or over several pictures pasted one
after the other, are joined as in a PDF.

A picture is opened with Pillow, whose header read gives the size before any pixel is
decoded: a picture of more than :data:`MAX_PIXELS` pixels (a decompression bomb, or a
photo no report needs at that size) is refused before it costs memory.  Colour is
flattened onto white (a transparent PNG would otherwise turn black) and made grey.

Provenance of a picture file: ``page`` is the frame (1-based); ``bbox`` is in points at
the picture's own resolution (its dpi field, 150 dpi when it has none), origin top-left;
``conf`` is the OCR confidence of the cell.  A picture inside a document keeps ``bbox``
and ``conf`` and has, instead of a page, the path of the picture in its document and
the picture's own name: ``body/p[14]/image[1]:word/media/image2.png``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nianbao.extract import limits
from nianbao.extract.errors import CorruptDocument, EmptyDocument, ExtractError, ScannedDocument
from nianbao.extract.model import Block, Document, Paragraph, Provenance, Table

if TYPE_CHECKING:  # the OCR stack (numpy, OpenCV) is imported when a picture is read
    import numpy as np

    from nianbao.extract.readers.ocr import OcrPage

__all__ = ["EmbeddedPicture", "read", "read_embedded"]

DEFAULT_DPI = 150.0
MAX_PIXELS = 40_000_000  # one frame: e.g. 6,300 x 6,300; an A4 page at 300 dpi is 8.7 M
MIN_SIDE = 40  # pixels: smaller pictures are icons, bullets, spacers
HOST_TEXT = 200  # a document with less text of its own is a document of pictures


def read(data: bytes, name: str = "") -> Document:
    """OCR every frame of a picture into a :class:`Document` (format ``image``)."""
    from nianbao.extract.readers import ocr
    from nianbao.extract.readers._pdf_layout import layout

    if not data:
        raise EmptyDocument("empty image file")
    if ocr.current_mode() == "never":
        raise ScannedDocument("picture of a page: no text layer (OCR is off)")
    if not ocr.available():
        raise ocr.OcrUnavailable("picture of a page: OCR is not installed (pip install rapidocr-onnxruntime)")
    frames = open_frames(data, limits.current().max_pages)
    read_pages = {}
    for k, (gray, dpi) in enumerate(frames, start=1):
        read_pages[k] = ocr.read_page(gray, k, dpi or DEFAULT_DPI)
    blocks = layout([p.raw for p in read_pages.values()])
    if not blocks:
        raise ScannedDocument(f"picture of {len(frames)} page(s): OCR found no text")
    blocks = ocr.apply_confidence(blocks, read_pages)
    return Document(format="image", blocks=tuple(blocks), pages=len(frames), meta=ocr.ocr_meta(read_pages))


def open_frames(data: bytes, max_frames: int) -> list[tuple[np.ndarray, float | None]]:
    """Grey pixels (uint8) and dpi field (None when absent or implausible) of each frame.

    Raises :class:`CorruptDocument` for bytes Pillow cannot decode and
    :class:`limits.LimitExceeded` for a frame past :data:`MAX_PIXELS` or more frames
    than ``max_frames``."""
    import numpy as np
    from PIL import Image, ImageSequence, UnidentifiedImageError

    frames = []
    try:
        img = Image.open(io.BytesIO(data))
        for k, frame in enumerate(ImageSequence.Iterator(img)):
            if k >= max_frames:
                raise limits.LimitExceeded(f"picture of more than {max_frames:,} frames")
            w, h = frame.size
            if w * h > MAX_PIXELS:
                raise limits.LimitExceeded(
                    f"picture of {w:,} x {h:,} pixels, past the limit of {MAX_PIXELS:,} pixels"
                )
            frames.append((np.asarray(_grey(frame)), _dpi(frame.info.get("dpi"))))
    except Image.DecompressionBombError as exc:
        raise limits.LimitExceeded(f"picture past the limit of {MAX_PIXELS:,} pixels ({exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise CorruptDocument(f"unreadable image: {exc}") from exc
    return frames


def _grey(frame):  # PIL.Image.Image -> PIL.Image.Image
    """The frame in grey, anything transparent painted white first."""
    from PIL import Image

    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("L")
    return frame.convert("L")


def _dpi(value: object) -> float | None:
    try:
        x = float(value[0])  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        return None
    return x if 96 <= x <= 600 else None


# ---------------------------------------------------------------- pictures in documents


@dataclass(frozen=True, slots=True)
class EmbeddedPicture:
    """A picture as its document places it, before it is read.

    ``where`` is the provenance path of the picture in its document; ``name`` the
    picture's own name (a package part, a file, ``data:image/png``); ``width_in`` the
    width the document shows it at, in inches (None when it does not say): pixels over
    inches shown is the picture's density, which sizes what OCR takes for a rule, a
    character or a cell."""

    data: bytes
    where: str
    name: str
    width_in: float | None = None


def read_embedded(
    items: list[Block | EmbeddedPicture],
) -> tuple[list[Block], dict[str, str]]:
    """The blocks of a document with its pictures replaced by what OCR reads from them.

    Under the OCR mode ``auto`` a picture is read when it holds a ruled table (its
    tables then stand where the picture stands; text around them is the document's
    own), or, every picture with all its text, when the document has fewer than
    :data:`HOST_TEXT` characters of its own (a page of pictures).  ``always`` reads
    every picture with its text; ``never`` none.  Pictures that follow one another with
    nothing between them are laid out as consecutive pages, so a table cut over two
    pictures is one table.  A picture that cannot be decoded, is too small to hold text,
    or is past the limits is left out: the document's own text still reads.

    Also returns ``ocr_pages`` (the ordinals, 1-based, of the pictures read among the
    document's pictures) and ``ocr_confidence`` for :attr:`Document.meta`."""
    from nianbao.extract.readers import ocr

    pictures = [b for b in items if isinstance(b, EmbeddedPicture)]
    mode = ocr.current_mode()
    if not pictures or mode == "never" or not ocr.available():
        return [b for b in items if not isinstance(b, EmbeddedPicture)], {}
    own = sum(_text_len(b) for b in items if not isinstance(b, EmbeddedPicture))
    with_text = own < HOST_TEXT or mode == "always"
    most = limits.current().max_pages
    out: list[Block] = []
    read_pages: dict[int, OcrPage] = {}
    run: list[tuple[int, EmbeddedPicture, OcrPage]] = []
    ordinal = 0
    for item in items:
        if not isinstance(item, EmbeddedPicture):
            out.extend(_laid_out(run, with_text))
            run = []
            out.append(item)
            continue
        ordinal += 1
        if len(read_pages) >= most:
            continue
        page = _read_one(item, ordinal, with_text, mode)
        if page is not None:
            read_pages[ordinal] = page
            run.append((ordinal, item, page))
    out.extend(_laid_out(run, with_text))
    return out, ocr.ocr_meta(read_pages)


def _read_one(pic: EmbeddedPicture, ordinal: int, with_text: bool, mode: str) -> OcrPage | None:
    from nianbao.extract.readers import ocr

    try:
        frames = open_frames(pic.data, 1)
    except ExtractError:
        return None
    if not frames:
        return None
    gray, own_dpi = frames[0]
    if min(gray.shape) < MIN_SIDE:
        return None
    shown = gray.shape[1] / pic.width_in if pic.width_in else None
    dpi = _plausible(shown) or own_dpi or DEFAULT_DPI
    if mode == "auto" and not with_text and not ocr.has_table(gray, dpi):
        return None
    return ocr.read_page(gray, ordinal, dpi, narrative=with_text)


def _plausible(dpi: float | None) -> float | None:
    """A density from the displayed size, kept within what a legible table is printed at."""
    return None if dpi is None else min(300.0, max(100.0, dpi))


def _laid_out(run: list[tuple[int, EmbeddedPicture, OcrPage]], with_text: bool) -> list[Block]:
    """The blocks of consecutive pictures, provenance moved from page to picture path."""
    if not run:
        return []
    from nianbao.extract.readers import ocr
    from nianbao.extract.readers._pdf_layout import layout

    # layout joins tables over consecutive page numbers: number the run 1, 2, 3 ...
    pages = {}
    where: dict[int, EmbeddedPicture] = {}
    for k, (_ordinal, pic, page) in enumerate(run, start=1):
        page.raw.number = k
        pages[k] = page
        where[k] = pic
    blocks = ocr.apply_confidence(layout([p.raw for p in pages.values()]), pages)
    for ordinal, _pic, page in run:
        page.raw.number = ordinal
    out: list[Block] = []
    for b in blocks:
        if isinstance(b, Table):
            cells = tuple(c._replace(prov=_moved(c.prov, where)) for c in b.cells)
            out.append(Table(cells, b.n_rows, b.n_cols, _moved(b.prov, where), b.structured))
        elif with_text:
            out.append(Paragraph(b.text, _moved(b.prov, where)))
    return out


def _moved(p: Provenance | None, where: dict[int, EmbeddedPicture]) -> Provenance | None:
    if p is None or p.page not in where:
        return p
    pic = where[p.page]
    return Provenance(bbox=p.bbox, path=f"{pic.where}:{pic.name}", conf=p.conf)


def _text_len(b: Block) -> int:
    if isinstance(b, Paragraph):
        return len(b.text)
    return sum(len(c.text) for c in b.cells)
