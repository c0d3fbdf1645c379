"""Read a picture of a page: text lines, ruled tables and the confidence of every read.

A scanned report is a grey picture of the same page a text PDF would draw.  This module
turns the picture back into what a PDF backend delivers (:class:`RawPage`: characters
with boxes, and the cell boxes of each ruled table), so that
:mod:`nianbao.extract.readers._pdf_layout` builds cells, spans, paragraphs and tables continued
across pages exactly as it does for text PDFs.

The steps, on a grey image of ``dpi`` dots per inch:

1. **Deskew**: a scan is rarely straight.  The angle (within ±2°) is the one whose
   horizontal projection of the ink is sharpest (text lines and rulings then fall on few
   rows); the page is turned back by it.
2. **Rulings**: morphological opening with a long thin kernel keeps only horizontal
   (then vertical) strokes longer than any character stroke: the table rules.  Each
   connected group of rules is a table; the white regions it encloses are its cells
   (a merged cell is simply a larger region).  Cell edges are snapped to the rule they
   touch, so that neighbouring cells share one coordinate, as in a PDF.
3. **Cells first**: the rules are erased, each cell's ink is cut into text lines by its
   row profile and every line is *recognised* without detection (one batch per page).
   Digits are short, so this is cheap, and a value can never run into its neighbour.
4. **Narrative**: the rest of the page (tables whitened) goes through detection and
   recognition once.
5. Each recognised line becomes characters spread over the line's ink, widths by kind
   (CJK full, Latin half), in PDF points with the origin at the top-left corner.

Every table cell's confidence (the lowest of its lines; RapidOCR's score in [0, 1]) is
kept by its box, and :func:`apply_confidence` puts it into the cells' provenance.

The engine is RapidOCR on ONNX Runtime with the PP-OCR models shipped inside the
``rapidocr-onnxruntime`` wheel: nothing is downloaded, ever.  One engine per process,
made on first use.

``mode`` says when a PDF page is read this way: ``auto`` (default: pages without a
usable text layer), ``always`` (every page), ``never`` (a scan fails as before).
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import numpy as np

from nianbao.extract.errors import ScannedDocument
from nianbao.extract.model import Cell, Paragraph, Table
from nianbao.extract.readers._pdf_layout import BBox, Char, RawPage

Mode = Literal["auto", "always", "never"]
MODES: tuple[str, ...] = ("auto", "always", "never")

_mode: str = "auto"
_lock = threading.Lock()


def current_mode() -> str:
    return _mode


@contextmanager
def using_mode(mode: str) -> Iterator[None]:
    """Run the enclosed reads with OCR ``mode`` (auto | always | never)."""
    global _mode
    if mode not in MODES:
        raise ValueError(f"OCR mode must be one of {', '.join(MODES)}, got {mode!r}")
    before, _mode = _mode, mode
    try:
        yield
    finally:
        _mode = before


class OcrUnavailable(ScannedDocument):
    """A page needs OCR but the engine is not installed."""


def available() -> bool:
    try:
        import cv2  # noqa: F401
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


@cache
def engine():  # -> rapidocr_onnxruntime.RapidOCR
    """The one OCR engine of this process (models from the installed wheel, one thread)."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        raise OcrUnavailable(
            "scanned pages need OCR, which is not installed (pip install rapidocr-onnxruntime)"
        ) from exc
    threads = int(os.environ.get("NIANBAO_OCR_THREADS", "1"))
    eng = RapidOCR(
        print_verbose=False,
        intra_op_num_threads=threads,
        inter_op_num_threads=1,
        det_limit_side_len=1280,
        det_limit_type="max",
    )
    # Recognition pads every line to at least this width: the default 320 makes a cell
    # holding one digit cost as much as a line of twenty characters; much narrower and a
    # lone 0 is read as o or nothing (measured on generated scans: 96 misreads, 160 none).
    eng.text_rec.rec_image_shape = [3, 48, 160]
    eng.text_rec.rec_batch_num = 4
    return eng


# ---------------------------------------------------------------- page model


@dataclass
class OcrPage:
    """One page read from its picture."""

    raw: RawPage
    cell_conf: dict[BBox, float] = field(default_factory=dict)  # cell box (points) -> confidence
    confidences: list[float] = field(default_factory=list)  # every recognised line
    angle: float = 0.0  # degrees the picture was turned back by
    partial: bool = False  # a text page with a picture of a table: only its cells were OCR'd


def read_page(gray: np.ndarray, number: int, dpi: float, narrative: bool = True) -> OcrPage:
    """OCR one grey page image (uint8, ``dpi`` dots per inch) into an :class:`OcrPage`.

    ``narrative=False`` reads the ruled tables only (a picture of a table pasted into a
    document whose own text holds the narrative): the detection pass is skipped."""
    import cv2

    with _lock:  # the engine's sessions are not used from two threads at once
        eng = engine()
        gray, angle = deskew(gray)
        h_img, w_img = gray.shape
        pt = 72.0 / dpi
        bw = _binary(gray)
        tables, lines = _tables(_rulings(bw, dpi), dpi)
        clean = gray.copy()
        clean[cv2.dilate(lines, np.ones((3, 3), np.uint8)) > 0] = 255
        clean_bw = _binary_at(clean, _otsu(gray))

        chars: list[Char] = []
        cell_conf: dict[BBox, float] = {}
        confidences: list[float] = []
        table_boxes: list[list[BBox]] = []
        crops: list[np.ndarray] = []
        owners: list[tuple[int, int, tuple[int, int, int, int], bool]] = []  # table, cell, line px, alone
        margin = max(2, round(dpi / 60))
        per_cell: dict[tuple[int, int], list[float]] = {}
        for ti, cells in enumerate(tables):
            table_boxes.append([_to_points(b, pt) for b in cells])
            for ci, (x0, y0, x1, y1) in enumerate(cells):
                found = _text_lines(clean_bw, (x0 + margin, y0 + margin, x1 - margin, y1 - margin))
                for lb in found:
                    flat = _flat_mark(lb, dpi)
                    if flat is None:
                        crops.append(_crop(clean, lb, dpi))
                        owners.append((ti, ci, lb, len(found) == 1))
                    elif flat and len(found) == 1:
                        chars.extend(_spread(flat, lb, pt))
                        per_cell[(ti, ci)] = [1.0]
        results = _recognise(eng, crops)
        for (ti, ci, lb, alone), (text, score) in zip(owners, results, strict=True):
            text = _clean_text(text)
            if not text:
                continue
            if alone and text in _STEMS and _slant(clean_bw, lb) < -0.2:
                text, score = "/", min(score, SHAPE_CONF)
            chars.extend(_spread(text, lb, pt))
            per_cell.setdefault((ti, ci), []).append(score)
            confidences.append(score)
        for (ti, ci), scores in per_cell.items():
            cell_conf[_round(table_boxes[ti][ci])] = round(min(scores), 4)

        rest = clean.copy()
        for cells in tables:
            x0 = min(b[0] for b in cells)
            y0 = min(b[1] for b in cells)
            x1 = max(b[2] for b in cells)
            y1 = max(b[3] for b in cells)
            rest[max(0, y0 - margin) : y1 + margin, max(0, x0 - margin) : x1 + margin] = 255
        for text, box, score in _detect_and_recognise(eng, rest) if narrative else ():
            text = _page_number(_clean_text(text))
            if text:
                chars.extend(_spread(text, box, pt))
                confidences.append(score)
    raw = RawPage(number, w_img * pt, h_img * pt, chars, table_boxes)
    return OcrPage(raw, cell_conf, confidences, angle)


def has_table(gray: np.ndarray, dpi: float, min_cells: int = 4) -> bool:
    """Whether the picture holds a ruled table of at least ``min_cells`` cells.

    Cheap (morphology only, no recognition): the test that decides whether a picture
    pasted into a text document is worth reading.  A framed photo or a seal is no table."""
    tables, _ = _tables(_rulings(_binary(gray), dpi), dpi)
    return any(len(cells) >= min_cells for cells in tables)


def apply_confidence(blocks: list[Paragraph | Table], pages: dict[int, OcrPage]) -> list[Paragraph | Table]:
    """Put each OCR'd table cell's confidence into its provenance (``conf``)."""
    if not pages:
        return blocks
    out: list[Paragraph | Table] = []
    for b in blocks:
        if not isinstance(b, Table):
            out.append(b)
            continue
        cells = []
        for c in b.cells:
            p = c.prov
            page = pages.get(p.page) if p is not None and p.page is not None else None
            if page is not None and p is not None and p.bbox is not None:
                conf = page.cell_conf.get(_round(p.bbox))
                if conf is None and page.partial:  # a cell of the page's own text layer
                    cells.append(c)
                    continue
                c = Cell(
                    c.row,
                    c.col,
                    c.text,
                    c.row_span,
                    c.col_span,
                    p._replace(conf=(conf or 1.0) if c.text else None),
                )
            cells.append(c)
        out.append(Table(tuple(cells), b.n_rows, b.n_cols, b.prov, b.structured))
    return out


def ocr_meta(pages: dict[int, OcrPage]) -> dict[str, str]:
    """``ocr_pages`` (1,2,5) and ``ocr_confidence`` (mean over every recognised line)."""
    if not pages:
        return {}
    scores = [s for p in pages.values() for s in p.confidences]
    meta = {"ocr_pages": ",".join(str(n) for n in sorted(pages))}
    if scores:
        meta["ocr_confidence"] = f"{sum(scores) / len(scores):.4f}"
    return meta


# ---------------------------------------------------------------- image steps


def _otsu(gray: np.ndarray) -> float:
    import cv2

    t, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return min(float(t), 200.0)


def _binary_at(gray: np.ndarray, t: float) -> np.ndarray:
    return np.where(gray < t, 255, 0).astype(np.uint8)


def _binary(gray: np.ndarray) -> np.ndarray:
    """Ink as 255 on 0 (Otsu's threshold, capped so a near-blank page stays blank)."""
    return _binary_at(gray, _otsu(gray))


def deskew(gray: np.ndarray, limit: float = 2.0) -> tuple[np.ndarray, float]:
    """The page turned straight, and the angle (degrees) it was turned by."""
    import cv2

    bw = _binary(gray)
    if not bw.any():
        return gray, 0.0
    scale = 0.25
    small = cv2.resize(bw, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = small.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        r = cv2.warpAffine(small, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
        rows = r.sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-limit, limit + 1e-9, 0.25), key=sharpness)
    fine = max(np.arange(best - 0.25, best + 0.25 + 1e-9, 0.05), key=sharpness)
    angle = round(float(fine), 2)
    if abs(angle) < 0.05:
        return gray, 0.0
    H, W = gray.shape
    m = cv2.getRotationMatrix2D((W / 2, H / 2), angle, 1.0)
    turned = cv2.warpAffine(gray, m, (W, H), flags=cv2.INTER_LINEAR, borderValue=255)
    return turned, angle


def _rulings(bw: np.ndarray, dpi: float) -> np.ndarray:
    """The table rules: strokes longer than any character's, horizontal or vertical."""
    import cv2

    px = dpi / 72.0
    h_len = max(15, round(20 * px))  # 20 pt: longer than a dash, shorter than a cell
    v_len = max(12, round(13 * px))  # 13 pt: taller than a character, shorter than a row
    horiz = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (h_len, 1)))
    vert = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, v_len)))
    # Close the small gaps a light scan leaves in a rule, along its own direction.
    horiz = cv2.dilate(horiz, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 1)))
    vert = cv2.dilate(vert, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 5)))
    return cv2.bitwise_or(horiz, vert)


def _tables(lines: np.ndarray, dpi: float) -> tuple[list[list[tuple[int, int, int, int]]], np.ndarray]:
    """Cell boxes (pixels, x0 y0 x1 y1, snapped to the rules) of each ruled table, and
    the mask of the rules that frame them (the strokes to erase before reading)."""
    import cv2

    px = dpi / 72.0
    n, labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    out = []
    kept = np.zeros_like(lines)
    for i in range(1, n):
        x, y, w, h, _area = stats[i]
        if w < 60 * px or h < 10 * px:
            continue
        frame = (labels[y : y + h, x : x + w] == i).astype(np.uint8) * 255
        cells = _cells(frame, x, y, px)
        xs = {c[0] for c in cells} | {c[2] for c in cells}
        if len(cells) >= 1 and len(xs) >= 2:
            out.append(cells)
            kept[y : y + h, x : x + w][frame > 0] = 255
    out.sort(key=lambda cells: (min(c[1] for c in cells), min(c[0] for c in cells)))
    return out, kept


def _cells(frame: np.ndarray, ox: int, oy: int, px: float) -> list[tuple[int, int, int, int]]:
    import cv2

    inside = cv2.bitwise_not(frame)
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(inside, connectivity=4)
    H, W = frame.shape
    boxes = []
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        if x == 0 or y == 0 or x + w >= W or y + h >= H:  # outside the frame
            continue
        if w < 3 * px or h < 3 * px or area < 0.5 * w * h:
            continue
        boxes.append((x - 1, y - 1, x + w, y + h))  # out to the middle of the rules around it
    if not boxes:
        return []
    tol = max(4, round(3 * px))
    xs = _snap([b[0] for b in boxes] + [b[2] for b in boxes], tol)
    ys = _snap([b[1] for b in boxes] + [b[3] for b in boxes], tol)
    return [(xs[b[0]] + ox, ys[b[1]] + oy, xs[b[2]] + ox, ys[b[3]] + oy) for b in boxes]


def _snap(values: list[int], tol: int) -> dict[int, int]:
    """Each value mapped to the middle of its cluster (values within ``tol`` of the previous)."""
    out: dict[int, int] = {}
    group: list[int] = []
    for v in sorted(set(values)):
        if group and v - group[-1] > tol:
            mid = round(sum(group) / len(group))
            out.update(dict.fromkeys(group, mid))
            group = []
        group.append(v)
    if group:
        mid = round(sum(group) / len(group))
        out.update(dict.fromkeys(group, mid))
    return out


def _text_lines(bw: np.ndarray, box: tuple[int, int, int, int]) -> list[tuple[int, int, int, int]]:
    """Boxes (pixels) of the text lines of the ink inside ``box``, top to bottom."""
    x0, y0, x1, y1 = box
    x0, y0 = max(0, x0), max(0, y0)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return []
    ink = bw[y0:y1, x0:x1] > 0
    if ink.sum() < 6:
        return []
    rows = ink.sum(axis=1)
    runs: list[list[int]] = []
    for r, v in enumerate(rows):
        if v:
            if runs and r - runs[-1][1] <= 2:
                runs[-1][1] = r
            else:
                runs.append([r, r])
    out = []
    for a, b in runs:
        cols = np.flatnonzero(ink[a : b + 1].any(axis=0))
        if cols.size == 0 or ink[a : b + 1].sum() < 6:
            continue
        out.append((x0 + int(cols[0]), y0 + a, x0 + int(cols[-1]) + 1, y0 + b + 1))
    return out


_STEMS = frozenset("1lI|")  # what the recogniser makes of a lone slash
SHAPE_CONF = 0.85  # the confidence given to a read the glyph's shape overrode: below the flag


def _slant(bw: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """How far the ink's middle moves right per pixel down, over the glyph's middle rows.

    A slash leans left going down (about -0.33 in the fonts of the form), the stem of a 1
    stands upright (-0.05 to 0.15): a cell holding ``/`` (blank) that the recogniser read as
    ``1`` is told apart by its shape."""
    x0, y0, x1, y1 = box
    ys, xs = np.nonzero(bw[y0:y1, x0:x1])
    h = y1 - y0
    mid = (ys > 0.2 * h) & (ys < 0.8 * h)
    if mid.sum() < 4 or np.ptp(ys[mid]) < 3:
        return 0.0
    return float(np.polyfit(ys[mid], xs[mid], 1)[0])


def _flat_mark(box: tuple[int, int, int, int], dpi: float) -> str | None:
    """What a line of ink no taller than a rule's thickness is: a dash, a speck, or text.

    A cell printed ``-`` or ``—`` holds a stroke two or three pixels high, which the
    recogniser, padding it to a line of text, reads as ``·`` or nothing (and a page
    turned by a degree makes it one pixel higher): ``"-"`` for a short flat stroke,
    ``"—"`` for a long one, ``""`` for a speck (dust, JPEG noise), None for text."""
    x0, y0, x1, y1 = box
    px = dpi / 72.0
    h, w = y1 - y0, x1 - x0
    if h > max(3, 2.2 * px):
        return None
    if w >= 1.5 * h and w >= 1.8 * px:
        return "—" if w >= 7 * px else "-"
    return ""


def _crop(gray: np.ndarray, box: tuple[int, int, int, int], dpi: float) -> np.ndarray:
    import cv2

    x0, y0, x1, y1 = box
    pad = max(3, round(dpi / 40))
    piece = gray[y0:y1, x0:x1]
    piece = cv2.copyMakeBorder(piece, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
    return cv2.cvtColor(piece, cv2.COLOR_GRAY2BGR)


def _recognise(eng, crops: list[np.ndarray]) -> list[tuple[str, float]]:
    if not crops:
        return []
    res, _ = eng.text_rec(crops)
    return [(str(t), float(s)) for t, s, *_ in res]


def _detect_and_recognise(eng, gray: np.ndarray) -> list[tuple[str, tuple[int, int, int, int], float]]:
    import cv2

    if not (gray < 128).any():
        return []
    res, _ = eng(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), use_cls=False)
    out = []
    for poly, text, score in res or []:
        xs = [p[0] for p in poly]
        ys = [p[1] for p in poly]
        out.append((str(text), (int(min(xs)), int(min(ys)), int(max(xs)), int(max(ys))), float(score)))
    return out


def _clean_text(text: str) -> str:
    return " ".join(text.split())


_DASHED_NUMBER = re.compile(r"^[-—一]\s*(\d{1,4})\s*[-—一]$")


def _page_number(text: str) -> str:
    """A page number between dashes as printed (``— 2 —``): the recogniser often takes
    one dash for 一, and the line would then not be known as a page number, nor the
    table cut by the page break be joined again."""
    m = _DASHED_NUMBER.match(text)
    return f"— {m.group(1)} —" if m else text


def _width(ch: str) -> float:
    return 1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5


def _spread(text: str, box: tuple[int, int, int, int], pt: float) -> list[Char]:
    """Characters of a recognised line spread over its ink box (points, top-left origin).

    A space is kept as a gap only between two Latin letters; elsewhere it is dropped
    (a letter-spaced ``1 3`` is the number 13)."""
    kept = []
    for i, ch in enumerate(text):
        if ch == " ":
            before, after = text[i - 1 : i], text[i + 1 : i + 2]
            if before.isascii() and after.isascii() and before.isalpha() and after.isalpha():
                kept.append(ch)
            continue
        kept.append(ch)
    total = sum(_width(c) for c in kept) or 1.0
    x0, y0, x1, y1 = (v * pt for v in box)
    unit = (x1 - x0) / total
    out = []
    x = x0
    for ch in kept:
        w = _width(ch) * unit
        if ch != " ":
            out.append(Char(ch, x, y0, x + w, y1))
        x += w
    return out


def _to_points(b: tuple[int, int, int, int], pt: float) -> BBox:
    return (b[0] * pt, b[1] * pt, b[2] * pt, b[3] * pt)


def round_box(b: BBox) -> BBox:
    """A box as cell confidences are keyed (rounded as cell provenance is)."""
    return _round(b)


def _round(b: BBox) -> BBox:
    return (round(b[0], 2), round(b[1], 2), round(b[2], 2), round(b[3], 2))


def no_text(n_pages: int) -> ScannedDocument:
    return ScannedDocument(f"scanned PDF: no text layer on {n_pages} pages, and OCR found no text on them")
