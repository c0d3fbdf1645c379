"""Scanned reports: image-only PDFs, pictures of pages, OCR offline with its confidence.

The material is made here: a generated report's PDF rendered to grey JPEG pages and
wrapped back into a PDF with no text layer (``tests/scans.py``), with its truth.  Each
test OCRs one to three pages, so the whole module stays within a minute.
"""

from __future__ import annotations

import io
import math
import socket

import pytest

from extract.detect import Format, detect
from extract.errors import ScannedDocument
from extract.readers import ocr

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
    from normalize.pipeline import process
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
    from corpus.run import report_rows

    doc = report_rows(report)["documents"][0]
    assert doc["ocr_pages"] == list(range(1, truth["pages"] + 1))
    assert 0.8 < doc["ocr_confidence"] <= 1.0


def test_never_fails_a_scan_with_todays_reason(scanned):
    from extract.readers.pdf import read

    scan, _truth, _report = scanned
    with ocr.using_mode("never"), pytest.raises(ScannedDocument, match="scanned PDF: no text layer"):
        read(scan, "scan.pdf")


def test_a_low_confidence_read_is_kept_and_flagged():
    from normalize.records import StdCell
    from normalize.validate import check_ocr

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

    from normalize.pipeline import process
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

    from extract.readers.pdf import read

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
