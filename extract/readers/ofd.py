"""Read a report published as OFD (GB/T 33190-2016, the national fixed-layout format).

An OFD file is a zip package of XML parts:

* ``OFD.xml``, the entry: ``DocBody/DocInfo`` (``Title`` ...) and ``DocBody/DocRoot``,
  the path of the document's ``Document.xml`` (``Doc_0/Document.xml``);
* ``Document.xml``: ``CommonData/PageArea/PhysicalBox`` (the default page box),
  ``CommonData/TemplatePage`` (template pages, drawn with each page that names one in
  its ``Template@TemplateID``: running headers, page numbers), and ``Pages/Page@BaseLoc``
  in reading order, paths relative to the folder of ``Document.xml``;
* each page's ``Content.xml``: ``Content/Layer`` holding graphic units, possibly nested
  in ``PageBlock``s.  A ``TextObject`` is placed by ``Boundary`` (x y w h on the page)
  and an optional ``CTM`` (a b c d e f, applied in object space before the boundary's
  offset); each ``TextCode`` gives the first glyph's origin (on the baseline) in object
  space, ``X``/``Y`` (left out: the previous ``TextCode``'s), and ``DeltaX``/``DeltaY``
  the advances between consecutive glyphs, where ``g N v`` stands for N times v and a
  list shorter than the text repeats its last value (as ofdrw reads it).  A
  ``PathObject``'s ``AbbreviatedData`` (``M``/``S`` move, ``L`` line, ``Q``/``B``/``A``
  curves, ``C`` close) in the same object space draws the table rulings, stroked lines
  or thin filled rectangles.

Units are millimetres, origin at the page box's top-left corner, y downwards.  Glyph
boxes and ruling segments are converted to PDF points (72 / 25.4 a millimetre) and go
down the text-PDF path unchanged: ruled tables from
:func:`nianbao.extract.readers._pdf_tables.find_tables`, then lines, paragraphs, cells with
spans and tables continued across pages from :func:`nianbao.extract.readers._pdf_layout.layout`.
Provenance is therefore the PDF's: ``page`` (1-based) and ``bbox`` in points from the
page's top-left corner.

A glyph box: OFD states each glyph's origin and advance but not the font's ascent, so a
box spans 0.88 of the font size above the baseline and 0.12 below (an ideographic em
box), and is as wide as the advance to the next glyph (the last glyph of a code: an em
for a wide character, half an em for a narrow one).  White space is not a glyph of its
own but still advances; a ``TextCode`` whose text holds a line break is an XML writer's
indentation around the text and is stripped first.

Limits (:mod:`nianbao.extract.limits`): the package is opened and each part inflated through
:func:`nianbao.extract.readers.archive.open_zip` and :func:`~nianbao.extract.readers.archive.inflate`
(members, inflated size, ratio, password-protected members); a document of more than
``max_pages`` pages, or of more than :data:`MAX_GLYPHS` glyphs, is refused.  XML is
parsed with entities left unresolved and no network.  An encrypted package (GM/T 0099:
an ``Encryptions`` entry) is refused as encrypted.  A page without text that is one
picture (a scan saved as OFD) is read by OCR, as a scanned PDF page is
(:mod:`nianbao.extract.readers._ofd_scan`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from posixpath import dirname, join, normpath

from lxml import etree

from nianbao.extract import limits
from nianbao.extract.errors import CorruptDocument, EmptyDocument, EncryptedDocument, ScannedDocument
from nianbao.extract.model import Document
from nianbao.extract.readers._ofd_scan import page_picture, read_pictures
from nianbao.extract.readers._pdf_layout import Char, RawPage, layout
from nianbao.extract.readers._pdf_pdfium import _add_edge
from nianbao.extract.readers._pdf_tables import find_tables
from nianbao.extract.readers.archive import inflate, open_zip

__all__ = ["MAX_GLYPHS", "read"]

MAX_GLYPHS = 2_000_000  # glyphs of one document; a report has some 10,000
PT_PER_MM = 72 / 25.4
ASCENT, DESCENT = 0.88, 0.12  # of the font size, above and below the baseline
A4_MM = (0.0, 0.0, 210.0, 297.0)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, load_dtd=False)
_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def read(data: bytes, name: str = "") -> Document:
    """Read an OFD package into a :class:`Document`."""
    if not data:
        raise EmptyDocument("empty OFD file")
    pkg = _Package(data)
    entry = pkg.xml("OFD.xml")
    body = _first(entry, "DocBody")
    root_loc = _text(_first(body, "DocRoot")) if body is not None else ""
    if not root_loc:
        raise CorruptDocument("corrupt OFD: OFD.xml names no DocRoot")
    if _first(entry, "Encryptions") is not None or pkg.has("Encryptions.xml"):
        raise EncryptedDocument("encrypted OFD: the package is encrypted (GM/T 0099)")
    doc_part = pkg.resolve("", root_loc)
    doc = pkg.xml(doc_part)
    base = dirname(doc_part)
    default_box = _box(_text(_path(doc, "CommonData", "PageArea", "PhysicalBox"))) or A4_MM
    templates = {
        t.get("ID", ""): pkg.resolve(base, t.get("BaseLoc", ""))
        for t in _children(_first(doc, "CommonData"), "TemplatePage")
    }
    page_locs = [p.get("BaseLoc", "") for p in _children(_first(doc, "Pages"), "Page")]
    if not page_locs:
        raise EmptyDocument("OFD without pages")
    lim = limits.current()
    if len(page_locs) > lim.max_pages:
        raise limits.LimitExceeded(f"OFD of {len(page_locs):,} pages, past the limit of {lim.max_pages:,}")
    budget = _Budget(MAX_GLYPHS)
    pages: list[RawPage] = []
    pictures: dict[int, tuple[str, float]] = {}  # pages that are one picture: scans
    for number, loc in enumerate(page_locs, 1):
        part = pkg.resolve(base, loc)
        page = pkg.xml(part)
        parts = [page]
        for t in _children(page, "Template"):
            tpl = templates.get(t.get("TemplateID", ""))
            if tpl is not None and pkg.has(tpl):
                parts.insert(0, pkg.xml(tpl))
        box = _box(_text(_path(page, "Area", "PhysicalBox"))) or default_box
        raw = _raw_page(number, box, parts, budget)
        pages.append(raw)
        picture = None if raw.chars else page_picture(parts, box)
        if picture is not None:
            pictures[number] = picture
    read_pages = read_pictures(pkg, doc, base, pictures, pages) if pictures else {}
    blocks = layout(pages)
    meta: dict[str, str] = {}
    if read_pages:
        from nianbao.extract.readers import ocr

        blocks = ocr.apply_confidence(blocks, read_pages)
        meta.update(ocr.ocr_meta(read_pages))
    if not blocks:
        if pictures:
            raise _scanned(len(pages), len(pictures), bool(read_pages))
        raise EmptyDocument(f"OFD without text on its {len(pages)} pages")
    title = _text(_path(body, "DocInfo", "Title")).strip()
    if title:
        meta["title"] = title
    return Document(format="ofd", blocks=tuple(blocks), pages=len(pages), meta=meta)


def _scanned(n_pages: int, n_pictures: int, read: bool) -> ScannedDocument:
    """Why an OFD of pictures gave no text: OCR off, not installed, or nothing found."""
    from nianbao.extract.readers import ocr

    what = f"scanned OFD: no text on its {n_pages} pages, {n_pictures} of them one picture each"
    if ocr.current_mode() == "never":
        return ScannedDocument(f"{what} (OCR is off)")
    if not ocr.available():
        return ocr.OcrUnavailable(f"{what}, and OCR is not installed (pip install rapidocr-onnxruntime)")
    return ScannedDocument(f"{what}: {'OCR found no text' if read else 'no picture could be decoded'}")


class _Package:
    """The zip container: parts by name, inflated under the limits, parsed safely."""

    def __init__(self, data: bytes) -> None:
        self.zip = open_zip(data, "OFD package")
        self.infos = {i.filename.lstrip("/"): i for i in self.zip.infolist()}

    def has(self, part: str) -> bool:
        return part in self.infos

    def resolve(self, base: str, loc: str) -> str:
        """A part name from a location: absolute (``/Doc_0/...``) or relative to ``base``."""
        loc = loc.strip().replace("\\", "/")
        if loc.startswith("/"):
            return normpath(loc).lstrip("/")
        full = normpath(join(base, loc)) if base else normpath(loc)
        if full not in self.infos and loc in self.infos:  # some writers give paths from the root
            return loc
        return full

    def raw(self, part: str) -> bytes:
        info = self.infos.get(part)
        if info is None:
            raise CorruptDocument(f"corrupt OFD: no part {part!r}")
        try:
            return inflate(self.zip, info, part)
        except EncryptedDocument as exc:
            raise EncryptedDocument(f"encrypted OFD: {exc}") from exc

    def xml(self, part: str) -> etree._Element:
        raw = self.raw(part)
        try:
            return etree.fromstring(raw, _PARSER)
        except etree.XMLSyntaxError as exc:
            raise CorruptDocument(f"corrupt OFD: broken XML in {part} ({exc})") from exc


@dataclass
class _Budget:
    left: int

    def take(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise limits.LimitExceeded(f"OFD of more than {MAX_GLYPHS:,} glyphs")


# --- the XML, by local names (writers differ in prefixes and namespace URIs) ---------


def _children(el: etree._Element | None, name: str) -> Iterator[etree._Element]:
    """Children by local name, in any namespace or none (``{*}``)."""
    if el is None:
        return iter(())
    return el.iterchildren("{*}" + name)


def _first(el: etree._Element | None, name: str) -> etree._Element | None:
    return next(_children(el, name), None)


def _path(el: etree._Element | None, *names: str) -> etree._Element | None:
    for name in names:
        el = _first(el, name)
    return el


def _text(el: etree._Element | None) -> str:
    return "".join(el.itertext()) if el is not None else ""


def _numbers(s: str | None) -> list[float]:
    """The numbers of an ``ST_Array`` attribute; none if any item is not a finite number."""
    try:
        out = [float(tok) for tok in (s or "").split()]
    except ValueError:
        return []
    return out if all(map(math.isfinite, out)) else []


def _number(s: str | None, default: float) -> float:
    """One number of an attribute (``default`` when absent or not a finite number)."""
    if s is None:
        return default
    try:
        v = float(s)
    except ValueError:
        return default
    return v if math.isfinite(v) else default


def _box(s: str | None) -> tuple[float, float, float, float] | None:
    """A page box (x y w h) of positive size."""
    v = _numbers(s)
    return (v[0], v[1], v[2], v[3]) if len(v) == 4 and v[2] > 0 and v[3] > 0 else None


def _origin(s: str | None) -> tuple[float, float]:
    """Where an object's ``Boundary`` puts its object space (a ruling's box may be flat)."""
    v = _numbers(s)
    return (v[0], v[1]) if len(v) == 4 else (0.0, 0.0)


def _matrix(s: str | None) -> Matrix:
    v = _numbers(s)
    return (v[0], v[1], v[2], v[3], v[4], v[5]) if len(v) == 6 else _IDENTITY


def deltas(s: str | None, n: int) -> list[float]:
    """The ``n`` advances a ``DeltaX``/``DeltaY`` list gives (``g N v``: N times v; a short
    list repeats its last value, none means no advance)."""
    out: list[float] = []
    toks = (s or "").split()
    i = 0
    while i < len(toks) and len(out) < n:
        if toks[i] == "g" and i + 2 < len(toks):
            count, value = toks[i + 1], toks[i + 2]
            if not count.isdigit() or not _NUMBER.match(value):
                break
            out.extend([float(value)] * min(int(count), n - len(out)))
            i += 3
        elif _NUMBER.match(toks[i]):
            out.append(float(toks[i]))
            i += 1
        else:
            break
    fill = out[-1] if out else 0.0
    return out + [fill] * (n - len(out))


# --- one page ------------------------------------------------------------------------


def _raw_page(number: int, box: tuple[float, float, float, float], parts: list, budget: _Budget) -> RawPage:
    ox, oy = box[0], box[1]
    chars: list[Char] = []
    segments: dict[tuple[tuple[float, float], tuple[float, float]], None] = {}  # drawn twice: one
    for root in parts:
        for el in _units(_first(root, "Content")):
            if el.get("Visible", "true") == "false":
                continue
            bx, by = _origin(el.get("Boundary"))
            ctm = el.get("CTM")
            m = _matrix(ctm) if ctm else _IDENTITY
            place = (m[0], m[1], m[2], m[3], m[4] + bx - ox, m[5] + by - oy)
            if el.tag.endswith("TextObject"):
                _text_chars(el, place, chars, budget)
            else:
                if el.get("Stroke", "true") == "false" and el.get("Fill", "false") != "true":
                    continue
                _path_segments(_text(_first(el, "AbbreviatedData")), place, segments)
    edges: list[dict] = []
    for p0, p1 in segments:
        _add_edge(edges, p0, p1)
    return RawPage(number, box[2] * PT_PER_MM, box[3] * PT_PER_MM, chars, find_tables(edges))


_UNIT_TAGS = ("{*}TextObject", "{*}PathObject", "{*}Layer", "{*}PageBlock")


def _units(parent: etree._Element | None, depth: int = 0) -> Iterator[etree._Element]:
    """The text and path objects of a page's content in drawing order, page blocks entered
    (not pattern cells or clip paths: their coordinates are not the page's)."""
    if parent is None:
        return
    for el in parent.iterchildren(*_UNIT_TAGS):
        tag = el.tag
        if tag.endswith(("}TextObject", "}PathObject")) or tag in ("TextObject", "PathObject"):
            yield el
        elif depth < 64:
            yield from _units(el, depth + 1)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _glyph(ch: str, m: Matrix, x0: float, y0: float, x1: float, y1: float) -> Char:
    """The glyph box (x0, y0)-(x1, y1) in object space, as a :class:`Char` in page points."""
    a, b, c, d, e, f = m
    if b == 0 and c == 0:  # no rotation: the corners map to corners
        xa, xb = sorted((a * x0 + e, a * x1 + e))
        ya, yb = sorted((d * y0 + f, d * y1 + f))
    else:
        corners = [_apply(m, cx, cy) for cx in (x0, x1) for cy in (y0, y1)]
        xa, xb = min(p[0] for p in corners), max(p[0] for p in corners)
        ya, yb = min(p[1] for p in corners), max(p[1] for p in corners)
    return Char(ch, xa * PT_PER_MM, ya * PT_PER_MM, xb * PT_PER_MM, yb * PT_PER_MM)


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _text_chars(obj: etree._Element, m: Matrix, out: list[Char], budget: _Budget) -> None:
    size = _number(obj.get("Size"), 0.0)
    if size <= 0:
        return
    x = y = 0.0
    for code in _children(obj, "TextCode"):
        text = code.text or ""
        if "\n" in text:
            text = text.strip()
        if not text:
            continue
        budget.take(len(text))
        x = _number(code.get("X"), x)
        y = _number(code.get("Y"), y)
        dx = deltas(code.get("DeltaX"), len(text) - 1)
        dy = deltas(code.get("DeltaY"), len(text) - 1)
        advance = size
        for i, ch in enumerate(text):
            advance = dx[i] if i < len(dx) and dx[i] > 0 else size * (1.0 if _wide(ch) else 0.5)
            if not ch.isspace():
                out.append(_glyph(ch, m, x, y - ASCENT * size, x + advance, y + DESCENT * size))
            if i < len(dx):
                x += dx[i]
                y += dy[i]
        x += advance  # where a following TextCode without X goes on


_ARGS = {"M": 2, "S": 2, "L": 2, "Q": 4, "B": 6, "A": 7, "C": 0}


def _path_segments(data: str, m: Matrix, out: dict) -> None:
    """The straight segments of an ``AbbreviatedData`` path, in page points rounded to a
    thousandth (so that the same ruling drawn twice, by two cells, is one key)."""
    toks = data.split()
    a, b, c, d, e, f = (v * PT_PER_MM for v in m)
    i, n_toks = 0, len(toks)
    cur = start = None
    while i < n_toks:
        cmd = toks[i]
        n = _ARGS.get(cmd)
        if n is None or i + n >= n_toks:
            return  # not a path command, or cut short: the rest cannot be read reliably
        try:
            args = [float(t) for t in toks[i + 1 : i + 1 + n]]
        except ValueError:
            return
        i += 1 + n
        if cmd == "C":
            if cur is not None and start is not None and cur != start:
                out[(cur, start) if cur < start else (start, cur)] = None
            cur = start
            continue
        x, y = args[-2], args[-1]
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        p = (round(a * x + c * y + e, 3), round(b * x + d * y + f, 3))
        if cmd in ("M", "S"):
            cur = start = p
        elif cmd == "L":
            if cur is not None and cur != p:
                out[(cur, p) if cur < p else (p, cur)] = None
            cur = p
        else:  # a curve: it moves the pen, it draws no ruling
            cur = p
            if start is None:
                start = cur
