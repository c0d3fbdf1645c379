"""DOCX with the national form's merged cells, written as WordprocessingML.

A horizontal merge is one ``w:tc`` with ``w:gridSpan``; a vertical merge is a ``w:tc`` with
``<w:vMerge w:val="restart"/>`` in the top row and an empty ``w:tc`` with ``<w:vMerge/>``
(continue) in each row below, exactly as Word saves the blank 2021 form.  Tables are built
as XML (python-docx's cell API is quadratic in the number of cells) and appended to a
python-docx document; core-property and zip timestamps are fixed so output is reproducible.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from xml.sax.saxutils import escape

import docx
from docx.oxml import parse_xml

from .layout import Grid
from .report import Report

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
BODY_FONTS = ("仿宋_GB2312", "仿宋", "宋体")
HEAD_FONTS = ("黑体", "方正黑体_GBK", "宋体")


def _run(text: str, font: str, size: int, bold: bool = False) -> str:
    rpr = f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}"/>' + ("<w:b/>" if bold else "")
    rpr += f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
    return f'<w:r><w:rPr>{rpr}</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _para(text: str, font: str, size: int, jc: str = "both", indent: bool = False, bold: bool = False) -> str:
    ppr = ('<w:ind w:firstLine="640"/>' if indent else "") + f'<w:jc w:val="{jc}"/>'
    runs = _run(text, font, size, bold) if text else ""
    return f"<w:p {W}><w:pPr>{ppr}</w:pPr>{runs}</w:p>"


def _cell_paras(text: str, font: str, size: int, rng: random.Random) -> str:
    if not text:
        return '<w:p><w:pPr><w:jc w:val="center"/></w:pPr></w:p>'
    parts = text.split("\n")
    if len(parts) > 1 and rng.random() < 0.5:  # a soft line break instead of a new paragraph
        runs = "<w:r><w:br/></w:r>".join(_run(p, font, size) for p in parts)
        return f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr>{runs}</w:p>'
    return "".join(f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr>{_run(p, font, size)}</w:p>' for p in parts)


def _table(grid: Grid, rng: random.Random) -> str:
    font = rng.choice(BODY_FONTS)
    size = rng.choice((18, 20, 21, 24))
    total = 8800
    wsum = sum(grid.col_weights) or 1
    widths = [int(total * w / wsum) for w in grid.col_weights]
    borders = "".join(
        f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
        for s in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    out = [
        f'<w:tbl {W}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="{total}" w:type="dxa"/>'
        f'<w:jc w:val="center"/><w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr>',
        "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) + "</w:tblGrid>",
    ]
    own = grid.owner()
    for r in range(grid.n_rows):
        out.append("<w:tr>")
        c = 0
        while c < grid.n_cols:
            cell = own[r][c]
            if cell is None:  # a hole: print an empty cell
                out.append(f'<w:tc><w:tcPr><w:tcW w:w="{widths[c]}" w:type="dxa"/></w:tcPr><w:p/></w:tc>')
                c += 1
                continue
            width = sum(widths[cell.c : cell.c + cell.cs])
            tcpr = f'<w:tcW w:w="{width}" w:type="dxa"/>'
            if cell.cs > 1:
                tcpr += f'<w:gridSpan w:val="{cell.cs}"/>'
            if cell.r == r:
                if cell.rs > 1:
                    tcpr += '<w:vMerge w:val="restart"/>'
                tcpr += '<w:vAlign w:val="center"/>'
                body = _cell_paras(cell.text, font, size, rng)
            else:
                tcpr += "<w:vMerge/>"
                body = "<w:p/>"
            out.append(f"<w:tc><w:tcPr>{tcpr}</w:tcPr>{body}</w:tc>")
            c = cell.c + cell.cs
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def _fix_zip(data: bytes, when: dt.date) -> bytes:
    """Rewrite the package with fixed member timestamps (python-docx stamps the current time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=5) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=(when.year, when.month, when.day, 9, 30, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return buf.getvalue()


def render(report: Report, rng: random.Random) -> bytes:
    d = docx.Document()
    body = d.element.body
    sect = body.sectPr
    font = rng.choice(BODY_FONTS)
    hfont = rng.choice(HEAD_FONTS)
    size = rng.choice((28, 30, 32))
    xml: list[str] = []
    for b in report.blocks:
        if b.kind == "title":
            xml.append(_para(b.text, rng.choice(("方正小标宋简体", "宋体", "黑体")), 36, "center", bold=True))
        elif b.kind == "heading":
            xml.append(_para(b.text, hfont, size, indent=rng.random() < 0.7))
        elif b.kind == "table" and b.grid is not None:
            xml.append(_table(b.grid, rng))
            if rng.random() < 0.5:
                xml.append(_para("", font, size))
        elif b.kind in ("signature", "date"):
            xml.append(_para(b.text, font, size, "right"))
        else:
            xml.append(_para(b.text, font, size, indent=True))
    for frag in xml:
        el = parse_xml(frag)
        if sect is not None:
            sect.addprevious(el)
        else:
            body.append(el)
    when = dt.datetime(report.published.year, report.published.month, report.published.day, 9, 30, 0)
    cp = d.core_properties
    cp.author = rng.choice(("Administrator", "user", "微软用户", "admin", "lenovo", ""))
    cp.last_modified_by = cp.author
    cp.created = when - dt.timedelta(days=rng.randint(1, 20))
    cp.modified = when
    cp.last_printed = when
    cp.revision = rng.randint(1, 9)
    cp.title = ""
    buf = io.BytesIO()
    d.save(buf)
    return _fix_zip(buf.getvalue(), report.published)
