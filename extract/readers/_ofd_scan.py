"""Scans saved as OFD: pages that are one picture, read by OCR as a scanned PDF page is.

A scanner's or a copier's OFD has no text objects: each page holds an ``ImageObject``
whose ``ResourceID`` names a ``MultiMedia`` of the document's resources
(``CommonData/PublicRes`` and ``DocumentRes`` parts: ``Res@BaseLoc`` plus
``MultiMedia/MediaFile``), usually a JPEG or PNG.  A page without text whose largest
picture covers at least half of it is decoded with Pillow (under the picture limits of
:mod:`nianbao.extract.readers.image`) and read by :func:`nianbao.extract.readers.ocr.read_page` at the
density the page shows it at (pixels over the picture's width on the page), under the
OCR mode in force (``never`` reads none).  JBIG2 pictures (``.jb2``), which Pillow does
not decode, are left unread and the page stays empty.

Provenance of an OCR'd page is the OCR's: ``bbox`` in points from the picture's top-left
corner (the page's, for a picture that fills the page as scans do), with ``conf``.
"""

from __future__ import annotations

from posixpath import dirname, join
from typing import TYPE_CHECKING, Protocol

from nianbao.extract.errors import ExtractError
from nianbao.extract.readers._pdf_layout import RawPage

if TYPE_CHECKING:
    from lxml import etree

    from nianbao.extract.readers.ocr import OcrPage

MIN_COVER = 0.5  # of the page's area


class Package(Protocol):
    def has(self, part: str) -> bool: ...
    def resolve(self, base: str, loc: str) -> str: ...
    def xml(self, part: str) -> etree._Element: ...
    def raw(self, part: str) -> bytes: ...


def page_picture(
    parts: list[etree._Element], box: tuple[float, float, float, float]
) -> tuple[str, float] | None:
    """(resource id, width on the page in mm) of the largest picture of a page, when it
    covers at least :data:`MIN_COVER` of the page."""
    best: tuple[float, str, float] | None = None
    for root in parts:
        for el in root.iter("{*}ImageObject"):
            try:
                _x, _y, w, h = (float(v) for v in (el.get("Boundary") or "").split())
            except ValueError:
                continue
            if w > 0 and h > 0 and (best is None or w * h > best[0]):
                best = (w * h, el.get("ResourceID", ""), w)
    if best is None or best[0] < MIN_COVER * box[2] * box[3]:
        return None
    return best[1], best[2]


def media(pkg: Package, doc: etree._Element, base: str) -> dict[str, str]:
    """Resource id -> part name of every ``MultiMedia`` in the document's resources."""
    out: dict[str, str] = {}
    common = next(doc.iterchildren("{*}CommonData"), None)
    if common is None:
        return out
    for ref in common.iterchildren("{*}PublicRes", "{*}DocumentRes"):
        part = pkg.resolve(base, ref.text or "")
        if not pkg.has(part):
            continue
        res = pkg.xml(part)
        folder = join(dirname(part), res.get("BaseLoc", ""))
        for mm in res.iter("{*}MultiMedia"):
            file = next(mm.iterchildren("{*}MediaFile"), None)
            if file is not None and file.text:
                out[mm.get("ID", "")] = pkg.resolve(folder, file.text)
    return out


def read_pictures(
    pkg: Package, doc: etree._Element, base: str, pictures: dict[int, tuple[str, float]], pages: list[RawPage]
) -> dict[int, OcrPage]:
    """OCR the pictures of the pages in ``pictures`` (page number -> picture), replacing
    those pages in ``pages``; the pages read, by number."""
    from nianbao.extract.readers import image, ocr

    if ocr.current_mode() == "never" or not ocr.available():
        return {}
    parts = media(pkg, doc, base)
    out: dict[int, OcrPage] = {}
    for number, (res_id, width_mm) in pictures.items():
        part = parts.get(res_id)
        if part is None or not pkg.has(part):
            continue
        try:
            frames = image.open_frames(pkg.raw(part), 1)
        except ExtractError:  # JBIG2, damaged, or past the picture limits
            continue
        if not frames:
            continue
        gray, own_dpi = frames[0]
        shown = gray.shape[1] / (width_mm / 25.4)
        dpi = shown if 72 <= shown <= 600 else (own_dpi or image.DEFAULT_DPI)
        got = ocr.read_page(gray, number, dpi)
        pages[number - 1] = got.raw
        out[number] = got
    return out
