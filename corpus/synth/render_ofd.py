"""OFD (GB/T 33190-2016) written with zipfile, laid out as the PDF renderer lays out pages.

The page layout (margins, wrapping, ruled tables continued across pages, page numbers)
is :mod:`render_pdf`'s, drawn on :class:`OfdCanvas`, which takes the few canvas calls
that layout makes and records them as OFD graphic units in millimetres, origin top-left.

The package has the parts real OFD files have: ``OFD.xml`` (``DocInfo`` with ``DocID``,
``Title``, ``CreationDate``, ``Creator``; ``DocRoot``), ``Doc_0/Document.xml``
(``CommonData`` with ``MaxUnitID``, the A4 ``PhysicalBox``, ``PublicRes``; ``Pages``),
``Doc_0/PublicRes.xml`` (the font), and ``Doc_0/Pages/Page_N/Content.xml``.  Each
document draws one of the shapes writers produce:

* text: one ``TextObject`` a drawn string with its ``DeltaX`` list (a word processor's
  export), the same with runs of equal advances written ``g N v``, one object per glyph
  (some converters), or a printer driver's objects sized in points under a
  ``CTM`` of 0.3528 (points to millimetres);
* rulings: one stroked ``PathObject`` a segment, a thin filled rectangle a segment, or
  every segment of a page in one path of ``M``/``L`` pairs;
* XML indented or written on one line.
"""

from __future__ import annotations

import hashlib
import io
import random
import zipfile
from xml.sax.saxutils import escape

from .render_pdf import PAGE_H, _cw, _font, lay_out
from .report import Report

MM = 25.4 / 72  # millimetres a point
NS = "http://www.ofdspec.org/2016"
FONT_ID = 2
TEXT_STYLES = ("runs", "g", "glyphs", "ctm")
RULE_STYLES = ("stroke", "rect", "poly")


def _n(v: float) -> str:
    """A number as OFD writers print it: at most 3 decimals, no trailing zeros."""
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _deltas(values: list[float], compress: bool) -> str:
    """A ``DeltaX`` list; ``compress`` writes a run of equal values as ``g N v``."""
    if not compress:
        return " ".join(_n(v) for v in values)
    out: list[str] = []
    i = 0
    while i < len(values):
        j = i
        while j < len(values) and _n(values[j]) == _n(values[i]):
            j += 1
        out.append(f"g {j - i} {_n(values[i])}" if j - i > 1 else _n(values[i]))
        i = j
    return " ".join(out)


class OfdCanvas:
    """The canvas calls :mod:`render_pdf`'s layout makes, recorded as OFD page content."""

    def __init__(self, rng: random.Random) -> None:
        self.text_style = rng.choices(TEXT_STYLES, (45, 25, 15, 15))[0]
        self.rule_style = rng.choices(RULE_STYLES, (50, 25, 25))[0]
        self.pages: list[list[str]] = []
        self.units: list[str] = []
        self.rules: list[tuple[float, float, float, float]] = []
        self.size = 12.0
        self.line_width = 0.6
        self.next_id = 10

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    # --- what render_pdf calls ----------------------------------------------------

    def setFont(self, name: str, size: float) -> None:
        self.size = size

    def setLineWidth(self, width: float) -> None:
        self.line_width = width

    def drawString(self, x: float, y: float, text: str) -> None:
        self._text(x, y, text)

    def drawCentredString(self, x: float, y: float, text: str) -> None:
        self._text(x - self._width(text) / 2, y, text)

    def drawRightString(self, x: float, y: float, text: str) -> None:
        self._text(x - self._width(text), y, text)

    def lines(self, segments: list[tuple[float, float, float, float]]) -> None:
        self.rules.extend(segments)

    def showPage(self) -> None:
        self._flush_rules()
        self.pages.append(self.units)
        self.units = []

    # --- OFD units ----------------------------------------------------------------

    def _width(self, text: str) -> float:
        return sum(_cw(ch, self.size) for ch in text)

    def _text(self, x_pt: float, base_pt: float, text: str) -> None:
        if not text.strip():
            return
        size = self.size
        if self.text_style == "glyphs":
            for ch in text:
                w = _cw(ch, size)
                if ch.strip():
                    self._object(x_pt, base_pt, ch, [], size)
                x_pt += w
            return
        advances = [_cw(ch, size) for ch in text[:-1]]
        self._object(x_pt, base_pt, text, advances, size)

    def _object(self, x_pt: float, base_pt: float, text: str, advances: list[float], size: float) -> None:
        width = sum(advances) + _cw(text[-1], size)
        left, top = x_pt * MM, (PAGE_H - base_pt - size) * MM
        attrs = f'ID="{self._id()}" Font="{FONT_ID}"'
        if self.text_style == "ctm":  # object space in points, scaled to millimetres
            box = f"{_n(left)} {_n(top)} {_n(width * MM)} {_n(size * 1.2 * MM)}"
            code = f'X="0" Y="{_n(size)}"'
            deltas = _deltas(advances, compress=True)
            attrs += f' Boundary="{box}" Size="{_n(size)}" CTM="{_n(MM)} 0 0 {_n(MM)} 0 0"'
        else:
            box = f"{_n(left)} {_n(top)} {_n(width * MM)} {_n(size * 1.2 * MM)}"
            code = f'X="0" Y="{_n(size * MM)}"'
            deltas = _deltas([a * MM for a in advances], compress=self.text_style == "g")
            attrs += f' Boundary="{box}" Size="{_n(size * MM)}"'
        if deltas:
            code += f' DeltaX="{deltas}"'
        self.units.append(
            f'<ofd:TextObject {attrs}><ofd:FillColor Value="0 0 0"/>'
            f"<ofd:TextCode {code}>{escape(text)}</ofd:TextCode></ofd:TextObject>"
        )

    def _flush_rules(self) -> None:
        if not self.rules:
            return
        lw = self.line_width * MM
        segs = [(x0 * MM, (PAGE_H - y0) * MM, x1 * MM, (PAGE_H - y1) * MM) for x0, y0, x1, y1 in self.rules]
        self.rules = []
        if self.rule_style == "poly":
            path = " ".join(f"M {_n(a)} {_n(b)} L {_n(c)} {_n(d)}" for a, b, c, d in segs)
            self.units.append(
                f'<ofd:PathObject ID="{self._id()}" Boundary="0 0 210 297" LineWidth="{_n(lw)}">'
                f'<ofd:StrokeColor Value="0 0 0"/><ofd:AbbreviatedData>{path}</ofd:AbbreviatedData></ofd:PathObject>'
            )
            return
        for a, b, c, d in segs:
            x0, y0, x1, y1 = min(a, c), min(b, d), max(a, c), max(b, d)
            horizontal = y1 - y0 < x1 - x0
            if self.rule_style == "rect":  # a filled rectangle one line width thick
                if horizontal:
                    box, path = (x0, y0 - lw / 2, x1 - x0, lw), (x1 - x0, lw)
                else:
                    box, path = (x0 - lw / 2, y0, lw, y1 - y0), (lw, y1 - y0)
                w, h = path
                self.units.append(
                    f'<ofd:PathObject ID="{self._id()}" Boundary="{" ".join(map(_n, box))}" Stroke="false" '
                    f'Fill="true"><ofd:FillColor Value="0 0 0"/><ofd:AbbreviatedData>M 0 0 L {_n(w)} 0 '
                    f"L {_n(w)} {_n(h)} L 0 {_n(h)} C</ofd:AbbreviatedData></ofd:PathObject>"
                )
                continue
            if horizontal:
                box, path = (x0, y0 - lw / 2, x1 - x0, lw), f"M 0 {_n(lw / 2)} L {_n(x1 - x0)} {_n(lw / 2)}"
            else:
                box, path = (x0 - lw / 2, y0, lw, y1 - y0), f"M {_n(lw / 2)} 0 L {_n(lw / 2)} {_n(y1 - y0)}"
            self.units.append(
                f'<ofd:PathObject ID="{self._id()}" Boundary="{" ".join(map(_n, box))}" LineWidth="{_n(lw)}">'
                f'<ofd:StrokeColor Value="0 0 0"/><ofd:AbbreviatedData>{path}</ofd:AbbreviatedData></ofd:PathObject>'
            )


def render(report: Report, rng: random.Random) -> tuple[bytes, int]:
    """The OFD bytes and the number of pages."""
    _font()  # the PDF renderer's font metrics give the advances
    c = OfdCanvas(rng)
    lay_out(report, rng, c)  # type: ignore[arg-type]  # the PDF renderer's page layout, on this canvas
    pretty = rng.random() < 0.5
    title = "".join(b.text for b in report.blocks if b.kind == "title")
    creator = rng.choice(("WPS Office", "数科OFD版式办公套件", "福昕OFD版式办公套件", "OFD Virtual Printer"))
    doc_id = hashlib.md5(f"{report.agency.name}{report.year}{rng.random()}".encode()).hexdigest()
    sep = "\n" if pretty else ""
    parts: dict[str, str] = {
        "OFD.xml": (
            f'<ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD">{sep}<ofd:DocBody>{sep}<ofd:DocInfo>'
            f"<ofd:DocID>{doc_id}</ofd:DocID><ofd:Title>{escape(title)}</ofd:Title>"
            f"<ofd:CreationDate>{report.published.isoformat()}</ofd:CreationDate>"
            f"<ofd:Creator>{creator}</ofd:Creator></ofd:DocInfo>{sep}"
            f"<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>{sep}</ofd:DocBody>{sep}</ofd:OFD>"
        ),
        "Doc_0/PublicRes.xml": (
            f'<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>'
            f'<ofd:Font ID="{FONT_ID}" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
        ),
    }
    pages = []
    for i, units in enumerate(c.pages):
        layer = sep.join(units)
        parts[f"Doc_0/Pages/Page_{i}/Content.xml"] = (
            f'<ofd:Page xmlns:ofd="{NS}">{sep}<ofd:Content>{sep}<ofd:Layer ID="{c._id()}" Type="Body">{sep}'
            f"{layer}{sep}</ofd:Layer>{sep}</ofd:Content>{sep}</ofd:Page>"
        )
        pages.append(f'<ofd:Page ID="{c._id()}" BaseLoc="Pages/Page_{i}/Content.xml"/>')
    parts["Doc_0/Document.xml"] = (
        f'<ofd:Document xmlns:ofd="{NS}">{sep}<ofd:CommonData><ofd:MaxUnitID>{c.next_id}</ofd:MaxUnitID>'
        "<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
        f"<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>{sep}"
        f"<ofd:Pages>{sep}{sep.join(pages)}{sep}</ofd:Pages>{sep}</ofd:Document>"
    )
    when = (report.published.year, report.published.month, report.published.day, 9, 0, 0)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        order = ["OFD.xml", "Doc_0/Document.xml", "Doc_0/PublicRes.xml"]
        order += [k for k in parts if k.startswith("Doc_0/Pages/")]
        for name in order:
            xml = '<?xml version="1.0" encoding="UTF-8"?>' + sep + parts[name]
            z.writestr(zipfile.ZipInfo(name, when), xml.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue(), len(c.pages)


__all__ = ["OfdCanvas", "render"]
