"""OFD (GB/T 33190): generated reports read exactly, the shapes real writers produce, bad input."""

from __future__ import annotations

import io
import random
import zipfile

import pytest

from nianbao.corpus.synth import render_ofd, report
from nianbao.extract import limits
from nianbao.extract.detect import Format, detect
from nianbao.extract.errors import CorruptDocument, EmptyDocument, EncryptedDocument
from nianbao.extract.model import Paragraph, Table
from nianbao.extract.readers import ofd
from nianbao.normalize.pipeline import process
from tests.conftest import cells_off

NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def package(
    pages: list[str],
    *,
    templates: dict[str, str] | None = None,
    extra: dict | None = None,
    title: str = "某县2023年政府信息公开工作年度报告",
) -> bytes:
    """An OFD package with one Content.xml per page (``pages``: the inner XML of a Layer)."""
    tpl_refs = "".join(
        f'<ofd:TemplatePage ID="{tid}" BaseLoc="Tpls/Tpl_{tid}/Content.xml"/>' for tid in (templates or {})
    )
    page_refs = "".join(
        f'<ofd:Page ID="{100 + i}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages))
    )
    parts = {
        "OFD.xml": f'<ofd:OFD {NS} Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
        f"<ofd:DocID>0123</ofd:DocID><ofd:Title>{title}</ofd:Title></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        "Doc_0/Document.xml": f"<ofd:Document {NS}><ofd:CommonData><ofd:MaxUnitID>999</ofd:MaxUnitID>"
        "<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
        f"{tpl_refs}</ofd:CommonData><ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>",
    }
    for i, layer in enumerate(pages):
        parts[f"Doc_0/Pages/Page_{i}/Content.xml"] = (
            layer
            if layer.startswith(("<?xml", "<ofd:Page>", "<ofd:Page "))
            else (
                f'<ofd:Page {NS}><ofd:Template TemplateID="1"/><ofd:Content><ofd:Layer ID="2">{layer}'
                "</ofd:Layer></ofd:Content></ofd:Page>"
            )
        )
    for tid, layer in (templates or {}).items():
        parts[f"Doc_0/Tpls/Tpl_{tid}/Content.xml"] = (
            f'<ofd:Page {NS}><ofd:Content><ofd:Layer ID="3">{layer}</ofd:Layer></ofd:Content></ofd:Page>'
        )
    parts.update(extra or {})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text if isinstance(text, bytes) else text.encode("utf-8"))
    return buf.getvalue()


def text(x: float, y: float, s: str, size: float = 4.0, **attrs: str) -> str:
    """A TextObject at (x, y) mm with the advances of an ideographic font (one em each)."""
    more = "".join(f' {k}="{v}"' for k, v in attrs.items())
    deltas = " ".join([str(size)] * (len(s) - 1))
    return (
        f'<ofd:TextObject ID="9" Boundary="{x} {y} {size * len(s)} {size * 1.2}" Font="2" Size="{size}"{more}>'
        f'<ofd:TextCode X="0" Y="{size}" DeltaX="{deltas}">{s}</ofd:TextCode></ofd:TextObject>'
    )


def rule(x0: float, y0: float, x1: float, y1: float) -> str:
    """A stroked ruling from (x0, y0) to (x1, y1) mm, its path relative to its boundary."""
    return (
        f'<ofd:PathObject ID="8" Boundary="{min(x0, x1)} {min(y0, y1)} {abs(x1 - x0)} {abs(y1 - y0)}" LineWidth="0.25">'
        f"<ofd:AbbreviatedData>M 0 0 L {abs(x1 - x0)} {abs(y1 - y0)}</ofd:AbbreviatedData></ofd:PathObject>"
    )


# --- generated reports -------------------------------------------------------------


def test_generated_ofd_reports_read_exactly():
    for seed in range(6):
        rng = random.Random(seed)
        rep = report.build("ofd", "mixed", rng, with_error=False)
        data, n_pages = render_ofd.render(rep, rng)
        assert detect(data, "r.ofd") == Format.OFD
        r = process(data, "r.ofd")
        assert r.status == "ok", r.error
        assert r.format == "ofd" and r.pages == n_pages
        got = {(c.table, c.row, c.col): c.value for c in r.cells}
        assert all(got.get(k, "absent") == v for k, v in rep.values.items()), seed
        assert r.meta.agency == rep.agency.name and r.meta.year == rep.year
        assert [s.number for s in r.sections] == [1, 2, 3, 4, 5, 6]
        for c in r.cells:  # provenance as for a PDF: page and a box inside the A4 page, in points
            assert c.prov.startswith("p") and "bbox=" in c.prov, c.prov
            x0, top, x1, bottom = map(float, c.prov.split("bbox=")[1].split()[0].split(","))
            assert 0 <= x0 < x1 <= 595.3 and 0 <= top < bottom <= 841.9


def test_generator_draws_every_writer_shape():
    """The shapes of render_ofd's module doc all occur, and the package holds what the
    standard puts in it: entry, document root, pages that exist, IDs used once."""
    seen: set[tuple[str, str]] = set()
    for seed in range(40):
        rng = random.Random(seed)
        rep = report.build("ofd", "2021", rng, with_error=False)
        data, _ = render_ofd.render(rep, rng)
        z = zipfile.ZipFile(io.BytesIO(data))
        names = z.namelist()
        assert names[0] == "OFD.xml" and "Doc_0/Document.xml" in names
        doc = z.read("Doc_0/Document.xml").decode()
        for loc in doc.split('BaseLoc="')[1:]:
            assert "Doc_0/" + loc.split('"')[0] in names
        page = z.read("Doc_0/Pages/Page_0/Content.xml").decode()
        ids = [
            chunk.split('"')[0]
            for part in names
            if part.endswith(".xml")
            for chunk in z.read(part).decode().split(' ID="')[1:]
        ]
        assert len(ids) == len(set(ids))
        texts = (
            "ctm"
            if "CTM=" in page
            else "g"
            if 'DeltaX="g ' in page
            else "runs"
            if "DeltaX" in page
            else "glyphs"
        )
        rules = "rect" if 'Fill="true"' in page else "poly" if 'Boundary="0 0 210 297"' in page else "stroke"
        seen.add((texts, rules))
    assert {t for t, _ in seen} == set(render_ofd.TEXT_STYLES)
    assert {r for _, r in seen} == set(render_ofd.RULE_STYLES)


# --- the shapes of real files ------------------------------------------------------


def test_real_writer_shapes():
    """One object per glyph with CGTransform (ofdrw's samples), a TextCode indented by an XML
    writer, DeltaX shorter than the text and in ``g N v`` form, a CTM in points, a page block,
    a TextCode without X continuing the previous one, a template page's running text."""
    glyphs = "".join(
        f'<ofd:TextObject ID="{20 + i}" Boundary="{30 + 5 * i} 20 7 5.5" Font="14" Size="5">'
        f'<ofd:CGTransform CodePosition="0" CodeCount="1" GlyphCount="1"><ofd:Glyphs>{13 + i}</ofd:Glyphs>'
        f'</ofd:CGTransform><ofd:TextCode X="0.844" Y="4.8">{ch}</ofd:TextCode></ofd:TextObject>'
        for i, ch in enumerate("一、总体情况")
    )
    indented = (
        '<ofd:TextObject ID="40" Boundary="30 40 150 6" Font="3" Size="4">\n'
        '  <ofd:TextCode X="0" Y="4" DeltaX="4 4 4 4 4 2 2 2">\n'
        "      本年度共收到申请2024件\n"
        "  </ofd:TextCode>\n</ofd:TextObject>"
    )
    compressed = (
        '<ofd:PageBlock ID="50"><ofd:TextObject ID="51" Boundary="30 50 150 6" Font="3" Size="4">'
        '<ofd:TextCode X="0" Y="4" DeltaX="g 3 4">二、主动</ofd:TextCode>'
        '<ofd:TextCode Y="4">公开</ofd:TextCode></ofd:TextObject></ofd:PageBlock>'
    )
    ctm = (  # a printer driver: object space in points, CTM scales to millimetres
        '<ofd:TextObject ID="60" Boundary="30 60 150 8" Font="3" Size="11.34" CTM="0.3528 0 0 0.3528 0 0">'
        '<ofd:TextCode X="0" Y="11.34" DeltaX="g 3 11.34">三、收到</ofd:TextCode></ofd:TextObject>'
    )
    data = package(
        [glyphs + indented + compressed + ctm],
        templates={"1": text(90, 285, "第1页", 3.5) + text(20, 8, "某县人民政府", 3.5)},
    )
    doc = ofd.read(data, "r.ofd")
    paras = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert "一、总体情况" in paras
    assert "本年度共收到申请2024件" in paras
    assert "二、主动公开" in paras
    assert "三、收到" in paras
    assert doc.meta["title"] == "某县2023年政府信息公开工作年度报告"
    assert "第1页" not in paras  # a page number, as in a PDF
    p = next(b for b in doc.blocks if isinstance(b, Paragraph) and b.text.startswith("本年度"))
    assert abs(p.prov.bbox[0] - 30 * 72 / 25.4) < 0.5  # the indentation is no glyph and no advance
    p = next(b for b in doc.blocks if isinstance(b, Paragraph) and b.text == "三、收到")
    assert p.prov.page == 1
    x0, _top, x1, bottom = p.prov.bbox
    assert abs(x0 - 30 * 72 / 25.4) < 0.5 and abs(x1 - (30 + 4 * 4) * 72 / 25.4) < 0.5
    assert abs(bottom - (60 + 4 * 1.12) * 72 / 25.4) < 0.5


def test_ruled_table_with_a_merged_cell_across_two_pages():
    """Rulings as stroked paths (one per segment) and as one filled rectangle per cell border;
    a label spanning two rows; the table goes on on page 2 under the same columns."""
    xs, ys = [20, 60, 100, 140], [50, 60, 70, 80]

    def grid(rows: list[list[str]], merged: bool) -> str:
        out = [rule(xs[0], y, xs[-1], y) for y in ys if not (merged and y == ys[2])]
        if merged:  # the first column's cell spans rows 2-3: the rule between them skips it
            out.append(rule(xs[1], ys[2], xs[-1], ys[2]))
        out += [rule(x, ys[0], x, ys[-1]) for x in xs]
        for r, row in enumerate(rows):
            for k, s in enumerate(row):
                if s:
                    out.append(text(xs[k] + 2, ys[r] + 2, s))
        return "".join(out)

    page1 = grid([["项目", "本年新收", "上年结转"], ["申请", "12", "3"], ["", "5", "—"]], merged=True)
    filled = (
        "".join(  # page 2: the borders as filled rectangles 0.3 mm thick
            f'<ofd:PathObject ID="7" Boundary="{xs[0]} {y - 0.15} {xs[-1] - xs[0]} 0.3" Stroke="false" Fill="true">'
            f"<ofd:AbbreviatedData>M 0 0 L {xs[-1] - xs[0]} 0 L {xs[-1] - xs[0]} 0.3 L 0 0.3 C</ofd:AbbreviatedData>"
            "</ofd:PathObject>"
            for y in (50, 60)
        )
        + "".join(
            f'<ofd:PathObject ID="6" Boundary="{x - 0.15} 50 0.3 10" Stroke="false" Fill="true">'
            "<ofd:AbbreviatedData>M 0 0 L 0.3 0 L 0.3 10 L 0 10 C</ofd:AbbreviatedData></ofd:PathObject>"
            for x in xs
        )
        + text(22, 52, "合计")
        + text(62, 52, "17")
        + text(102, 52, "3")
    )
    invisible = '<ofd:PathObject ID="5" Boundary="0 0 210 297" Stroke="false"><ofd:AbbreviatedData>M 10 10 L 10 200 L 200 200 L 200 10 C</ofd:AbbreviatedData></ofd:PathObject>'
    doc = ofd.read(package([page1, invisible + filled]), "r.ofd")
    (table,) = doc.tables
    assert isinstance(table, Table)
    assert table.grid() == [
        ["项目", "本年新收", "上年结转"],
        ["申请", "12", "3"],
        [None, "5", "—"],
        ["合计", "17", "3"],
    ]
    label = next(c for c in table.cells if c.text == "申请")
    assert label.row_span == 2
    cell = next(c for c in table.cells if c.text == "17")
    assert cell.prov.page == 2


def test_deltas():
    assert ofd.deltas("g 3 2 1", 5) == [2, 2, 2, 1, 1]
    assert ofd.deltas("4 5", 4) == [4, 5, 5, 5]
    assert ofd.deltas(None, 2) == [0, 0]
    assert ofd.deltas("g 999999999999 5", 3) == [5, 5, 5]  # a count is bounded by the text


# --- bad input ---------------------------------------------------------------------


def _one_page() -> bytes:
    return package([text(30, 30, "一、总体情况") + text(30, 40, "本机关2023年主动公开信息。")])


def test_wrong_extension_and_truncation():
    data = _one_page()
    assert detect(data, "report.pdf") == Format.OFD
    r = process(data, "report.pdf")
    assert r.status != "failed" and r.format == "ofd"
    cut = data[: len(data) // 2]
    assert detect(cut, "report.ofd") == Format.OFD
    r = process(cut, "report.ofd")
    assert r.status == "failed" and "corrupt" in r.error
    with pytest.raises(EmptyDocument):
        ofd.read(b"", "r.ofd")


def test_encrypted_packages():
    data = package([text(30, 30, "正文")], extra={"Encryptions.xml": f"<ofd:Encryptions {NS}/>"})
    with pytest.raises(EncryptedDocument):
        ofd.read(data, "r.ofd")
    # a member stored with a zip password: flag bit 0 in its local header and directory entry
    plain = _one_page()
    name = b"Doc_0/Pages/Page_0/Content.xml"
    info = zipfile.ZipFile(io.BytesIO(plain)).getinfo(name.decode())
    raw = bytearray(plain)
    raw[info.header_offset + 6] |= 1
    entry = next(
        i for i in range(len(plain)) if plain.startswith(b"PK\x01\x02", i) and plain.startswith(name, i + 46)
    )
    raw[entry + 8] |= 1
    r = process(bytes(raw), "r.ofd")
    assert r.status == "failed" and "password" in r.error


def test_broken_and_missing_parts():
    broken = package(["<ofd:Page><ofd:Content><ofd:Layer>"])
    with pytest.raises(CorruptDocument, match="broken XML"):
        ofd.read(broken, "r.ofd")
    no_root = package([text(1, 1, "x")], extra={"OFD.xml": f"<ofd:OFD {NS}><ofd:DocBody/></ofd:OFD>"})
    with pytest.raises(CorruptDocument, match="DocRoot"):
        ofd.read(no_root, "r.ofd")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "OFD.xml",
            f"<ofd:OFD {NS}><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        )
    with pytest.raises(CorruptDocument, match="no part"):
        ofd.read(buf.getvalue(), "r.ofd")
    with pytest.raises(EmptyDocument):
        ofd.read(package([rule(10, 10, 100, 10)]), "r.ofd")
    scan = '<ofd:ImageObject ID="4" CTM="210 0 0 297 0 0" Boundary="0 0 210 297" ResourceID="9"/>'
    r = process(package([scan, scan]), "r.ofd")
    assert r.status == "failed" and r.error.startswith("scanned OFD") and "2 of them one picture" in r.error


def test_limits():
    many = package([text(30, 30, "页")] * 5)
    with limits.use(limits.current().with_(max_pages=4)), pytest.raises(limits.LimitExceeded, match="pages"):
        ofd.read(many, "r.ofd")
    bomb = package(
        [
            f'<ofd:TextObject ID="1" Boundary="0 0 1 1" Size="1"><ofd:TextCode X="0" Y="1" DeltaX="g 99999999999 0.001">{"字" * 3000}</ofd:TextCode></ofd:TextObject>'
        ]
        * 3
    )
    old, ofd.MAX_GLYPHS = ofd.MAX_GLYPHS, 5000
    try:
        with pytest.raises(limits.LimitExceeded, match="glyphs"):
            ofd.read(bomb, "r.ofd")
    finally:
        ofd.MAX_GLYPHS = old
    zeros = package([text(30, 30, "正文")], extra={"Doc_0/Res/big.xml": bytes(8 << 20)})
    assert ofd.read(zeros, "r.ofd").blocks  # a member never read is never inflated
    huge_page = package([text(30, 30, "正文") + "<!--" + " " * (8 << 20) + "-->"])
    with pytest.raises(limits.LimitExceeded, match="zip bomb"):
        ofd.read(huge_page, "r.ofd")


def test_entities_are_not_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("机密内容", encoding="utf-8")
    page = (
        f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY e SYSTEM "file://{secret}">]>'
        f'<ofd:Page {NS}><ofd:Content><ofd:Layer ID="2">{text(30, 30, "正文&e;")}</ofd:Layer></ofd:Content></ofd:Page>'
    )
    doc = ofd.read(package([page]), "r.ofd")
    assert "机密" not in doc.text()


# --- a scan saved as OFD -----------------------------------------------------------


def scanned_ofd(pdf: bytes, title: str, dpi: int = 150) -> bytes:
    """An OFD whose pages are JPEG pictures of ``pdf``'s pages, as a scanner writes it:
    one full-page ImageObject each, the pictures in DocumentRes.xml's MultiMedias."""
    from tests.scans import page_images

    images = page_images(pdf, dpi, angle=0.3, quality=75)
    layers, files, media = [], {}, []
    for i, img in enumerate(images):
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=90)
        files[f"Doc_0/Res/image_{i}.jpg"] = buf.getvalue()
        media.append(
            f'<ofd:MultiMedia ID="{200 + i}" Type="Image"><ofd:MediaFile>image_{i}.jpg</ofd:MediaFile></ofd:MultiMedia>'
        )
        layers.append(
            f'<ofd:ImageObject ID="{300 + i}" CTM="210 0 0 297 0 0" Boundary="0 0 210 297" ResourceID="{200 + i}"/>'
        )
    files["Doc_0/DocumentRes.xml"] = (
        f'<ofd:Res {NS} BaseLoc="Res"><ofd:MultiMedias>{"".join(media)}</ofd:MultiMedias></ofd:Res>'
    )
    data = package(layers, extra=files, title=title)
    z = zipfile.ZipFile(io.BytesIO(data))  # name DocumentRes.xml in Document.xml
    parts = {n: z.read(n) for n in z.namelist()}
    parts["Doc_0/Document.xml"] = parts["Doc_0/Document.xml"].replace(
        b"</ofd:CommonData>", b"<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes></ofd:CommonData>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for n, b in parts.items():
            out.writestr(n, b)
    return buf.getvalue()


def test_a_scan_saved_as_ofd_is_read_by_ocr():
    from nianbao.extract.readers import ocr
    from tests.scans import synth_report

    if not ocr.available():
        pytest.skip("OCR is not installed")
    rep, pdf, truth = synth_report(3)  # the report test_ocr scans as a PDF
    data = scanned_ofd(pdf, "".join(b.text for b in rep.blocks if b.kind == "title"))
    r = process(data, "scan.ofd")
    assert r.status == "ok", r.error
    assert r.meta.agency == truth["agency"] and r.meta.year == truth["year"]
    wrong = cells_off(r, truth)
    assert not wrong, wrong[:5]
    assert r.ocr_pages == list(range(1, truth["pages"] + 1))
    assert all("ocr=" in c.prov for c in r.cells if c.raw)
    with ocr.using_mode("never"):
        r = process(data, "scan.ofd")
    assert r.status == "failed" and "OCR is off" in r.error
