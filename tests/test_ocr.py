"""Scanned reports: image-only PDFs, pictures of pages, OCR offline with its confidence.

The material is made here: a generated report's PDF rendered to grey JPEG pages and
wrapped back into a PDF with no text layer (``tests/scans.py``), with its truth, and
a table drawn alone as a picture pasted into a DOCX or a web page.  Each test OCRs one
to three pages, the whole module about two minutes.
"""

from __future__ import annotations

import io
import math
import re
import socket

import pytest

from nianbao.extract.detect import Format, detect
from nianbao.extract.errors import ScannedDocument
from nianbao.extract.readers import ocr

pytestmark = pytest.mark.skipif(
    not ocr.available(),
    reason="OCR not installed: rapidocr-onnxruntime and opencv-python-headless (pip install -e .)",
)


def _values(report) -> dict:
    return {
        (c.table, c.row, c.col): (None if c.value is None or math.isnan(c.value) else c.value, c.prov)
        for c in report.cells
    }


def _wrong(report, truth: dict) -> list:
    got = _values(report)
    bad = []
    for c in truth["cells"]:
        k = (c["table"], c["row"], c["col"])
        if k not in got or got[k][0] != c["value"]:
            bad.append((k, c["value"], got.get(k)))
    return bad


@pytest.fixture(scope="module")
def scanned():
    """A generated report scanned at 150 dpi and turned by half a degree, read once."""
    from nianbao.normalize.pipeline import process
    from tests.scans import scanned_pdf, synth_report

    _rep, data, truth = synth_report(3)
    scan = scanned_pdf(data, 150, angle=0.5)
    return scan, truth, process(scan, "scan.pdf")


def test_the_models_ship_inside_the_package():
    from pathlib import Path

    import rapidocr_onnxruntime

    models = Path(rapidocr_onnxruntime.__file__).parent / "models"
    names = {p.name for p in models.glob("*.onnx")}
    assert any("det" in n for n in names) and any("rec" in n for n in names), names


def test_ocr_reads_without_any_network(monkeypatch):
    """No socket is opened, nor a connection tried, from making the engine to a read."""
    import numpy as np

    from tests.scans import page_images, synth_report

    _rep, data, _truth = synth_report(3)
    top = np.asarray(page_images(data, 150)[0])[:400]  # the title and the first lines

    def refuse(*args, **kwargs):
        raise AssertionError("OCR tried to use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    ocr.engine.cache_clear()  # the engine is made under the block: its models come from the wheel
    try:
        page = ocr.read_page(top, 1, 150)
    finally:
        ocr.engine.cache_clear()
    text = "".join(c.text for c in page.raw.chars)
    assert "年度" in text and "工作" in text, text


def test_an_image_only_pdf_reads_with_every_cell_right(scanned):
    scan, truth, report = scanned
    assert detect(scan, "x.pdf") == Format.PDF
    assert report.status == "ok", report.error
    assert _wrong(report, truth) == []
    assert sorted(s.number for s in report.sections) == [1, 2, 3, 4, 5, 6]
    assert report.meta.agency == truth["agency"]


def test_every_ocr_cell_keeps_page_bbox_and_confidence(scanned):
    _scan, _truth, report = scanned
    printed = [p for v, p in _values(report).values() if v is not None]
    assert printed and all(" ocr=" in p and p.startswith("p") and "bbox=" in p for p in printed)


def test_documents_say_which_pages_were_ocred(scanned):
    _scan, truth, report = scanned
    from nianbao.corpus.run import report_rows

    doc = report_rows(report)["documents"][0]
    assert doc["ocr_pages"] == list(range(1, truth["pages"] + 1))
    assert 0.8 < doc["ocr_confidence"] <= 1.0


def test_never_fails_a_scan_with_todays_reason(scanned):
    from nianbao.extract.readers.pdf import read

    scan, _truth, _report = scanned
    with ocr.using_mode("never"), pytest.raises(ScannedDocument, match="scanned PDF: no text layer"):
        read(scan, "scan.pdf")


def test_a_low_confidence_read_is_kept_and_flagged():
    from nianbao.normalize.records import StdCell
    from nianbao.normalize.validate import check_ocr

    cells = [
        StdCell("t3", "new_received", "total", 17.0, "17", "p2 bbox=1,2,3,4 ocr=0.412"),
        StdCell("t3", "new_received", "natural", 13.0, "13", "p2 bbox=1,2,3,4 ocr=0.998"),
        StdCell("t3", "new_received", "other_org", 1.0, "1", "p2 bbox=1,2,3,4"),
    ]
    found = check_ocr(cells)
    assert [(f.rule, f.severity, f.row, f.col, f.actual) for f in found] == [
        ("ocr.low_confidence", "warning", "new_received", "total", "17")
    ]


def test_a_png_of_table_four_reads(scanned):
    """A picture file: the page of 表四 cut out of the scan, saved as PNG."""
    from PIL import Image

    from nianbao.normalize.pipeline import process
    from tests.scans import page_images, synth_report

    _rep, data, truth = synth_report(3)
    last = page_images(data, 200, quality=90)[-1]
    buf = io.BytesIO()
    last.save(buf, "PNG", dpi=(200, 200))
    assert detect(buf.getvalue(), "t4.png") == Format.IMAGE
    report = process(buf.getvalue(), "t4.png")
    got = _values(report)
    t4 = [c for c in truth["cells"] if c["table"] == "t4"]
    assert t4 and all(got.get((c["table"], c["row"], c["col"]), (object(),))[0] == c["value"] for c in t4)
    assert Image.open(buf).format == "PNG"


def test_a_blank_page_fails_with_a_clear_reason():
    from PIL import Image

    from nianbao.extract.readers.pdf import read

    buf = io.BytesIO()
    Image.new("L", (1240, 1754), 255).save(buf, "PDF", resolution=150.0)
    with pytest.raises(ScannedDocument, match="OCR found no text"):
        read(buf.getvalue(), "blank.pdf")


@pytest.mark.parametrize(
    "head",
    [
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff\xe0",
        b"II*\x00",
        b"MM\x00*",
        b"BM" + b"\x00" * 12 + b"\x28\x00\x00\x00",
    ],
)
def test_image_signatures(head):
    assert detect(head + b"\x00" * 64, "a.bin") == Format.IMAGE


def test_text_starting_with_bm_stays_text():
    assert detect("BM 公司 2024年度政府信息公开工作年度报告".encode(), "a.txt") == Format.TXT


# ---------------------------------------------------------------- pictures in documents


@pytest.fixture(scope="module")
def docx_picture():
    """A generated DOCX whose 表三 is a PNG pasted 6 inches wide (python-docx), read once."""
    from nianbao.normalize.pipeline import process
    from tests.scans import docx_with_table_picture

    _rep, data, truth = docx_with_table_picture(3)
    return data, truth, process(data, "picture.docx")


def test_a_docx_whose_table_three_is_a_picture_reads(docx_picture):
    data, truth, report = docx_picture
    assert detect(data, "x.docx") == Format.DOCX
    assert report.status == "ok", report.error
    assert _wrong(report, truth) == []
    t3 = [c for c in report.cells if c.table == "t3"]
    assert t3 and all(" ocr=" in c.prov or not c.raw for c in t3)
    # the picture's place in the body, its part, the cell's box in it
    assert all(re.search(r"bbox=\S+ body/p\[\d+\]/image\[1\]:word/media/image1\.png", c.prov) for c in t3)
    assert not any(":word/media/" in c.prov for c in report.cells if c.table != "t3")
    assert report.ocr_pages == [1] and 0.8 < report.ocr_confidence <= 1.0


def test_a_table_cut_over_two_pictures_is_one_table():
    """Pictures one after the other are laid out as pages: the table continues."""
    from nianbao.normalize.pipeline import process
    from tests.scans import docx_with_table_picture

    _rep, data, truth = docx_with_table_picture(5, cut=True)
    report = process(data, "two.docx")
    assert report.status == "ok", report.error
    assert _wrong(report, truth) == []
    assert report.ocr_pages == [1, 2]
    parts = {re.search(r"word/media/image\d\.png", c.prov).group() for c in report.cells if c.table == "t3"}
    assert parts == {"word/media/image1.png", "word/media/image2.png"}


def test_a_docx_picture_is_not_read_under_never(docx_picture):
    from nianbao.normalize.pipeline import process

    data, _truth, _report = docx_picture
    with ocr.using_mode("never"):
        report = process(data, "picture.docx")
    assert report.status == "partial" and "t3" in (report.error or "")
    assert {c.table for c in report.cells} == {"t2", "t4"} and report.ocr_pages == []


def test_a_web_page_with_a_data_uri_picture_of_table_three_reads():
    from nianbao.normalize.pipeline import process
    from tests.scans import html_with_table_picture

    _rep, page, _png, truth = html_with_table_picture(3)
    assert b"data:image/png;base64," in page
    report = process(page, "page.html")
    assert report.status == "ok", report.error
    assert _wrong(report, truth) == []
    t3 = [c for c in report.cells if c.table == "t3" and c.raw]
    assert t3 and all(re.search(r"/img:data:image/png ocr=", c.prov) for c in t3)


def test_a_picture_next_to_a_web_page_reads_and_none_outside_its_folder(tmp_path):
    from nianbao.normalize.pipeline import process
    from tests.scans import html_with_table_picture

    _rep, page, png, truth = html_with_table_picture(4, "t4", src="img/t4%20table.png")
    (tmp_path / "site" / "img").mkdir(parents=True)
    (tmp_path / "site" / "img" / "t4 table.png").write_bytes(png)
    (tmp_path / "site" / "page.html").write_bytes(page)
    report = process(page, str(tmp_path / "site" / "page.html"))
    assert report.status == "ok", report.error
    assert _wrong(report, truth) == []
    assert all("/img:img/t4%20table.png" in c.prov for c in report.cells if c.table == "t4")

    # The same picture one folder up is not the page's to read; nor is a page not on disk.
    _rep, page, png, _truth = html_with_table_picture(4, "t4", src="../t4.png")
    (tmp_path / "t4.png").write_bytes(png)
    (tmp_path / "site" / "up.html").write_bytes(page)
    for source in (str(tmp_path / "site" / "up.html"), "not/on/disk.html"):
        report = process(page, source)
        assert report.status == "partial" and "t4" in (report.error or "")
        assert report.ocr_pages == []


def test_a_picture_without_a_table_is_not_read(monkeypatch):
    """A seal or a photo in a document with text of its own costs no recognition."""
    import numpy as np
    from PIL import Image

    from nianbao.extract.model import Paragraph
    from nianbao.extract.readers.image import EmbeddedPicture, read_embedded

    rng = np.random.default_rng(0)
    photo = Image.fromarray((rng.random((300, 400)) * 255).astype(np.uint8))
    seal = Image.new("L", (300, 300), 255)
    from PIL import ImageDraw

    ImageDraw.Draw(seal).ellipse((20, 20, 280, 280), outline=0, width=8)
    pics = []
    for img in (photo, seal):
        buf = io.BytesIO()
        img.save(buf, "PNG")
        pics.append(EmbeddedPicture(buf.getvalue(), "body/p[2]/image[1]", "word/media/image1.png"))

    def no_ocr(*args, **kwargs):
        raise AssertionError("a picture without a table was recognised")

    monkeypatch.setattr(ocr, "read_page", no_ocr)
    text = Paragraph("本机关" * 100)
    blocks, meta = read_embedded([text, *pics])
    assert blocks == [text] and meta == {}


def test_a_picture_past_the_pixel_limit_is_refused_before_decoding():
    from PIL import Image

    from nianbao.extract import limits
    from nianbao.extract.readers import image

    buf = io.BytesIO()
    Image.new("1", (10_000, 5_000), 1).save(buf, "PNG")  # 50 M pixels in a few kB
    assert len(buf.getvalue()) < 100_000
    with pytest.raises(limits.LimitExceeded, match="10,000 x 5,000 pixels, past the limit"):
        image.open_frames(buf.getvalue(), 1)
    from nianbao.normalize.pipeline import process

    report = process(buf.getvalue(), "bomb.png")
    assert report.status == "failed" and "past the limit" in report.error


def test_a_transparent_picture_reads_as_ink_on_white():
    from PIL import Image

    from nianbao.extract.readers import image

    rgba = Image.new("RGBA", (80, 60), (0, 0, 0, 0))  # transparent black: white when shown
    rgba.paste((0, 0, 0, 255), (10, 10, 30, 20))
    buf = io.BytesIO()
    rgba.save(buf, "PNG")
    ((gray, _dpi),) = image.open_frames(buf.getvalue(), 1)
    assert gray[0, 0] == 255 and gray[15, 20] == 0


def test_synth_writes_scans_with_the_truth_of_the_pdf(tmp_path):
    """``nianbao synth --formats scan``: image-only PDFs, the same reports as ``pdf``."""
    import json

    import pypdfium2 as pdfium

    from nianbao.corpus.synth import generate

    generate(2, tmp_path / "scan", formats=["scan"], seed=7)
    generate(2, tmp_path / "pdf", formats=["pdf"], seed=7)
    scans = [json.loads(line) for line in (tmp_path / "scan" / "truth.jsonl").read_text("utf-8").splitlines()]
    pdfs = [json.loads(line) for line in (tmp_path / "pdf" / "truth.jsonl").read_text("utf-8").splitlines()]
    for scan, pdf in zip(scans, pdfs, strict=True):
        assert scan["format"] == "scan" and scan["file"].endswith(".pdf")
        assert scan["cells"] == pdf["cells"] and scan["pages"] == pdf["pages"]
        data = (tmp_path / "scan" / scan["file"]).read_bytes()
        assert detect(data, scan["file"]) == Format.PDF
        doc = pdfium.PdfDocument(data)
        try:
            assert len(doc) == scan["pages"]
            assert all(doc[i].get_textpage().count_chars() == 0 for i in range(len(doc)))
        finally:
            doc.close()


@pytest.mark.parametrize("dpi", [150, 200])
def test_slash_dash_and_one_are_told_apart_by_their_shape(dpi):
    """The marks the recogniser confuses (a lone / read as 1, a - read as ·), printed in the
    form's font and rendered as a scan is: their ink boxes and slant decide."""
    import numpy as np
    import pypdfium2 as pdfium
    from reportlab.pdfgen.canvas import Canvas

    from nianbao.corpus.synth import render_pdf

    render_pdf._font()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(200, 40))
    c.setFont(render_pdf.FONT, 10)
    for x, text in ((20, "/"), (70, "1"), (120, "-"), (160, "—")):
        c.drawString(x, 15, text)
    c.save()
    pdf = pdfium.PdfDocument(buf.getvalue())
    gray = np.asarray(pdf[0].render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
    pdf.close()
    bw = ocr._binary(gray)
    px = dpi / 72
    boxes = {}
    for text, x in (("/", 20), ("1", 70), ("-", 120), ("—", 160)):
        a, b = round((x - 5) * px), round((x + 30) * px)
        found = ocr._text_lines(bw, (a, 0, b, gray.shape[0]))
        assert len(found) == 1, (text, found)
        boxes[text] = found[0]
    assert ocr._slant(bw, boxes["/"]) < -0.2 < ocr._slant(bw, boxes["1"])
    assert ocr._flat_mark(boxes["-"], dpi) == "-" and ocr._flat_mark(boxes["—"], dpi) == "—"
    assert ocr._flat_mark(boxes["/"], dpi) is None and ocr._flat_mark(boxes["1"], dpi) is None


def test_a_web_page_of_pictures_alone_reads_whole():
    """A "图片版" page: every page of the report an <img>, no text of its own."""
    import base64

    from nianbao.normalize.pipeline import process
    from tests.scans import page_images, synth_report

    _rep, data, truth = synth_report(3)
    imgs = []
    for im in page_images(data, 150, quality=80):
        buf = io.BytesIO()
        im.save(buf, "PNG", dpi=(150, 150))
        imgs.append(f'<p><img src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}"></p>')
    page = f"<html><head><meta charset='utf-8'><title>年报</title></head><body><div>{''.join(imgs)}</div></body></html>"
    report = process(page.encode("utf-8"), "pictures.html")
    assert report.status == "ok", report.error
    assert _wrong(report, truth) == []
    assert sorted(s.number for s in report.sections) == [1, 2, 3, 4, 5, 6]
    assert report.meta.agency == truth["agency"]
    assert report.ocr_pages == list(range(1, len(imgs) + 1))


@pytest.mark.parametrize(
    "read, kept",
    [("—2一", "— 2 —"), ("一 12 一", "— 12 —"), ("-3-", "— 3 —"), ("一二", "一二"), ("2024年", "2024年")],
)
def test_a_page_number_read_with_a_dash_as_yi_is_a_page_number(read, kept):
    """'— 2 —' read as '—2一' stood between a table and its continuation (表四 lost)."""
    assert ocr._page_number(read) == kept


def test_a_vml_picture_of_word_2003_reads_too(docx_picture):
    """The same picture written the old way: ``w:pict`` / ``v:shape`` / ``v:imagedata``."""
    import zipfile

    from lxml import etree

    from nianbao.normalize.pipeline import process

    data, truth, _report = docx_picture
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    src = zipfile.ZipFile(io.BytesIO(data))
    root = etree.fromstring(src.read("word/document.xml"))
    drawing = next(root.iter(f"{{{w}}}drawing"))
    rid = next(drawing.iter(f"{{{a}}}blip")).get(f"{{{r}}}embed")
    pict = etree.fromstring(
        f'<w:pict xmlns:w="{w}" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:r="{r}">'
        f'<v:shape style="width:432pt;height:300pt"><v:imagedata r:id="{rid}"/></v:shape></w:pict>'
    )
    drawing.getparent().replace(drawing, pict)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = etree.tostring(root) if info.filename == "word/document.xml" else src.read(info)
            z.writestr(info, body)
    report = process(out.getvalue(), "vml.docx")
    assert report.status == "ok", report.error
    assert _wrong(report, truth) == []
    assert any(":word/media/image1.png ocr=" in c.prov for c in report.cells if c.table == "t3")


def test_a_text_pdf_whose_table_three_is_a_picture_reads():
    """The page has a text layer (title, headings) and 表三 as a picture: the picture's
    table is OCR'd where it stands; the text layer is read as text."""
    from nianbao.normalize.pipeline import process
    from tests.scans import pdf_with_table_picture

    rep, data, truth = pdf_with_table_picture(4)
    report = process(data, "picture.pdf")
    t3_truth = {**truth, "cells": [c for c in truth["cells"] if c["table"] == "t3"]}
    assert _wrong(report, t3_truth) == []
    t3 = [c for c in report.cells if c.table == "t3" and c.raw]
    assert t3 and all(" ocr=" in c.prov for c in t3)
    assert report.meta.agency == rep.agency.name and report.ocr_pages == [1]
    with ocr.using_mode("never"):
        assert not [c for c in process(data, "picture.pdf").cells if c.table == "t3"]
