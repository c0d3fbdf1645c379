"""The corners of a .docx that live outside the plain body: alternate content, embedded
chunks and notes.  Used by :mod:`nianbao.extract.readers.docx`.

``mc:AlternateContent`` (Markup Compatibility, ECMA-376 part 3) offers the same content
several ways: ``mc:Choice`` elements, each with ``Requires`` naming the namespace
prefixes a consumer must understand to use it, then an ``mc:Fallback``.  A consumer
takes the first Choice whose every required namespace it understands, else the
Fallback; Word 2010+ understands the DrawingML text-box namespaces and so reads the
Choice (``wps:txbx``), Word 2007 the Fallback (VML ``v:textbox``).  Both hold the same
``w:txbxContent``.  Here the understood namespaces are those whose content is read as
text (text boxes, groups, canvases, Word 2010+ markup); a Choice requiring anything else
(equations, charts, ink) yields to its Fallback.  python-docx does not resolve
AlternateContent at all (its paragraph text skips it); lxml gives the raw elements.

``w:altChunk`` (at body level) imports a whole part in its place: an HTML page, an
MHTML archive, an RTF file, plain text or another .docx, through a relationship of
``word/document.xml``.  Word converts it when it opens the file; here the part goes
through the reader of its format and its blocks are placed where the chunk stands, with
their provenance under the chunk's path (``body/altChunk[1]/…``).  A part in a format
nianbao does not read (RTF, for now) is left out.

Pictures: a DrawingML picture (``w:drawing`` … ``a:blip r:embed``) or a VML one
(``w:pict`` … ``v:imagedata r:id``) names its image part (``word/media/image1.png``)
through a relationship; ``wp:extent`` (EMU, 914,400 an inch) or the VML shape's style
gives the width it is shown at.  :func:`picture` turns one into an
:class:`~nianbao.extract.readers.image.EmbeddedPicture`, which the image reader reads by OCR
when it holds a table (see :func:`nianbao.extract.readers.image.read_embedded`).

Footnotes and endnotes live in ``word/footnotes.xml`` / ``word/endnotes.xml``; the body
holds only their reference marks, which print no text of their own (a custom mark,
``customMarkFollows``, is the run's next ``w:t``, and is not read either).  The notes'
text is read after the body as paragraphs (``footnotes/footnote[id=2]/p[1]``), never
into a table cell.
"""

from __future__ import annotations

import dataclasses
import email
import re
import zipfile
import zlib
from posixpath import dirname, join, normpath

from lxml import etree

from nianbao.extract.errors import ExtractError
from nianbao.extract.limits import current
from nianbao.extract.model import Block, Paragraph, Provenance
from nianbao.extract.readers.image import EmbeddedPicture

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True)

_WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
IMAGEDATA = "{urn:schemas-microsoft-com:vml}imagedata"
_EMU_PER_INCH = 914_400
_VML_WIDTH = re.compile(r"(?:^|;)\s*width\s*:\s*([\d.]+)\s*(pt|in|px|cm|mm)?", re.I)
_UNIT_INCHES = {"pt": 1 / 72, "in": 1.0, "px": 1 / 96, "cm": 1 / 2.54, "mm": 1 / 25.4, "": 1 / 72}
AC = _MC + "AlternateContent"
ALT_CHUNK = _W + "altChunk"
FOOTNOTE_REF = _W + "footnoteReference"
ENDNOTE_REF = _W + "endnoteReference"
_CHOICE, _FALLBACK = _MC + "Choice", _MC + "Fallback"

UNDERSTOOD = frozenset(
    {
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",  # wps
        "http://schemas.microsoft.com/office/word/2010/wordprocessingGroup",  # wpg
        "http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas",  # wpc
        "http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing",  # wp14
        "http://schemas.microsoft.com/office/word/2010/wordml",  # w14
        "http://schemas.microsoft.com/office/word/2012/wordml",  # w15
        "http://schemas.microsoft.com/office/word/2015/wordml/symex",  # w16se
        "http://schemas.microsoft.com/office/drawing/2010/main",  # a14
        "urn:schemas-microsoft-com:vml",  # v
        "urn:schemas-microsoft-com:office:office",  # o
    }
)


def branch(ac: etree._Element) -> etree._Element | None:
    """The branch of an ``mc:AlternateContent`` a consumer reads (see the module doc)."""
    for choice in ac.iterchildren(_CHOICE):
        required = choice.get("Requires", "").split()
        nsmap = choice.nsmap
        if required and all(nsmap.get(p) in UNDERSTOOD for p in required):
            return choice
    return next(ac.iterchildren(_FALLBACK), None)


def custom_mark(ref: etree._Element) -> bool:
    """Whether a note reference's printed mark is the run's next ``w:t``."""
    return ref.get(_W + "customMarkFollows") in ("1", "true", "on")


class Package:
    """What the corners need of the package: its parts, read within the limits."""

    def __init__(self, package: zipfile.ZipFile, main: str) -> None:
        self.zip = package
        self.main = main
        self._rels: dict[str, str] | None = None

    def read(self, name: str) -> bytes | None:
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            return None
        lim = current()
        if info.file_size > lim.max_inflated or (
            info.file_size > 1 << 20 and info.file_size > lim.max_ratio * max(info.compress_size, 1)
        ):
            return None
        try:
            return self.zip.read(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError):
            return None

    def rels(self) -> dict[str, str]:
        """Relationship id (and ``type:<last segment>``) -> part name, for the main part."""
        if self._rels is None:
            self._rels = {}
            raw = self.read(join(dirname(self.main), "_rels", self.main.rsplit("/", 1)[-1] + ".rels"))
            if raw:
                try:
                    root = etree.fromstring(raw, _PARSER)
                except etree.XMLSyntaxError:
                    root = None
                for rel in root.iter(_REL) if root is not None else ():
                    if rel.get("TargetMode") == "External":
                        continue
                    target = rel.get("Target", "")
                    full = (
                        target.lstrip("/")
                        if target.startswith("/")
                        else normpath(join(dirname(self.main), target))
                    )
                    self._rels[rel.get("Id", "")] = full
                    self._rels.setdefault("type:" + rel.get("Type", "").rsplit("/", 1)[-1], full)
        return self._rels


def alt_chunk(pkg: Package, el: etree._Element, here: str) -> list[Block]:
    """The blocks of the part a ``w:altChunk`` imports, or none if it cannot be read."""
    name = pkg.rels().get(el.get(_R + "id", ""))
    data = pkg.read(name) if name else None
    if not data:
        return []
    if data.lstrip()[:13].lower().startswith(b"mime-version:"):  # MHTML: its HTML part
        data = _mhtml_html(data) or b""
    from nianbao.extract.detect import detect
    from nianbao.extract.readers import reader_for

    reader = reader_for(detect(data, name or ""))
    if reader is None:
        return []
    try:
        doc = reader(data, name or "")
    except ExtractError:
        return []
    return [_under(b, here) for b in doc.blocks]


def _mhtml_html(data: bytes) -> bytes | None:
    msg = email.message_from_bytes(data)
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                charset = part.get_content_charset()
                if charset and b"charset" not in payload[:2048].lower():
                    payload = f'<meta charset="{charset}">'.encode() + payload
                return payload
    return None


def _under(block: Block, here: str) -> Block:
    def moved(p: Provenance | None) -> Provenance:
        if p is None:
            return Provenance(path=here)
        return p._replace(path=f"{here}/{p.path}" if p.path else here)

    if isinstance(block, Paragraph):
        return Paragraph(block.text, moved(block.prov))
    cells = tuple(c._replace(prov=moved(c.prov)) for c in block.cells)
    return dataclasses.replace(block, cells=cells, prov=moved(block.prov))


def picture(pkg: Package, el: etree._Element, here: str) -> EmbeddedPicture | None:
    """The image part an ``a:blip`` / ``v:imagedata`` shows, or None (linked, missing, too big)."""
    rid = el.get(_R + "embed") if el.tag == BLIP else el.get(_R + "id")
    name = pkg.rels().get(rid or "")
    data = pkg.read(name) if name else None
    if not data or not name:
        return None
    return EmbeddedPicture(data, here, name, _shown_width(el))


def _shown_width(el: etree._Element) -> float | None:
    """Inches the picture is shown wide: its drawing's ``wp:extent``, or its VML style."""
    if el.tag == BLIP:
        for holder in el.iterancestors(_WP + "inline", _WP + "anchor"):
            extent = holder.find(_WP + "extent")
            try:
                cx = int(extent.get("cx", "")) if extent is not None else 0
            except ValueError:
                cx = 0
            return cx / _EMU_PER_INCH if cx > 0 else None
        return None
    shape = el.getparent()
    m = _VML_WIDTH.search(shape.get("style", "")) if shape is not None else None
    if not m:
        return None
    width = float(m.group(1)) * _UNIT_INCHES[(m.group(2) or "").lower()]
    return width if width > 0 else None


def notes(pkg: Package) -> list[Paragraph]:
    """The text of the footnotes and endnotes, one paragraph per note paragraph."""
    out: list[Paragraph] = []
    for kind in ("footnotes", "endnotes"):
        name = pkg.rels().get("type:" + kind) or f"word/{kind}.xml"
        raw = pkg.read(name)
        if not raw:
            continue
        try:
            root = etree.fromstring(raw, _PARSER)
        except etree.XMLSyntaxError:
            continue
        note_tag = _W + kind[:-1]
        for note in root.iterchildren(note_tag):
            if note.get(_W + "type") not in (None, "normal"):
                continue  # separators and continuation notices
            for k, p in enumerate(note.iter(_W + "p"), 1):
                text = "".join(t.text or "" for t in p.iter(_W + "t")).strip()
                if text:
                    path = f"{kind}/{kind[:-1]}[id={note.get(_W + 'id')}]/p[{k}]"
                    out.append(Paragraph(text, Provenance(path=path)))
    return out
