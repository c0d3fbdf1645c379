"""Hostile inputs to the readers: each is refused with its limit named, quickly and in
bounded memory, or read in full where an older reader lost content or failed."""

from __future__ import annotations

import base64
import binascii
import random
import time
import tracemalloc
import zlib

import pytest

from nianbao.extract import limits
from nianbao.extract.errors import CorruptDocument
from nianbao.extract.limits import MB, LimitExceeded, Limits
from nianbao.extract.readers import docx, html, pdf
from nianbao.extract.readers._pdf_streams import decoded_size
from tests import hostile as H


def _bounded(fn, *, seconds: float, megabytes: int):
    """Run ``fn``; assert it took less than ``seconds`` and allocated less than ``megabytes``
    at its peak (Python and zlib buffers; tracemalloc sees both); return what it raised."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        fn()
    except Exception as exc:
        raised = exc
    else:
        raised = None
    finally:
        elapsed = time.perf_counter() - started
        _now, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < seconds, f"{elapsed:.1f} s"
    assert peak < megabytes * MB, f"{peak / MB:.0f} MB"
    return raised


# ---------------------------------------------------------------- DOCX


def test_docx_bomb_of_6_gb_is_refused_before_inflating():
    bomb = H.docx_bomb(6 << 30)  # about 6 MB of deflate for 6 GB of spaces
    exc = _bounded(lambda: docx.read(bomb, "bomb.docx"), seconds=2, megabytes=64)
    assert isinstance(exc, LimitExceeded)
    assert "word/document.xml inflates past 256 MB" in str(exc)


def test_docx_member_past_the_ratio_is_refused():
    data = H.zip_with({}, {"word/document.xml": (H.deflate_run(4 * MB), 4 * MB)})
    with pytest.raises(LimitExceeded, match=r"inflates [0-9,]+-fold, past the limit of 200-fold"):
        docx.read(data, "x.docx")


def test_docx_member_that_claims_less_than_it_holds_stops_at_its_claim():
    # 64 MB of data declared as 1 MB: inflating stops at 1 MB and the CRC check fails.
    data = H.zip_with({}, {"word/document.xml": (H.deflate_run(64 * MB), MB)})
    exc = _bounded(lambda: docx.read(data, "x.docx"), seconds=2, megabytes=32)
    assert isinstance(exc, CorruptDocument) and "corrupt DOCX" in str(exc)


def test_docx_with_too_many_members_is_refused_before_listing_them():
    data = H.zip_with({f"m{k}": b"" for k in range(10_001)})
    with pytest.raises(LimitExceeded, match="10,001 members, past the limit of 10,000"):
        docx.read(data, "x.docx")


# ---------------------------------------------------------------- PDF


def test_pdf_stream_of_4_gb_is_refused_before_pdfium_sees_it():
    bomb = H.pdf_bomb(4 << 30)
    exc = _bounded(lambda: pdf.read(bomb, "bomb.pdf"), seconds=5, megabytes=32)
    assert isinstance(exc, LimitExceeded)
    assert str(exc).startswith("PDF stream inflates past 256 MB")


def test_many_small_pdf_streams_are_summed():
    # Each stream alone could not pass the limit, twelve of them together do.
    data = H.pdf_many_streams(12, 3 * MB)
    with limits.use(Limits(max_inflated=4 * MB)), pytest.raises(LimitExceeded, match="16 MB together"):
        pdf.read(data, "x.pdf")


def test_pdf_lzw_bomb_is_refused_before_pdfium_sees_it():
    # 126 KB of LZW codes for 300 MB of spaces; the scan used to count Flate streams only.
    # 0.2 s; tracemalloc makes the counting loop some 20 times slower.
    bomb = H.pdf_with_stream(H.lzw_run(300 * MB), b"/LZWDecode")
    exc = _bounded(lambda: pdf.read(bomb, "bomb.pdf"), seconds=20, megabytes=32)
    assert isinstance(exc, LimitExceeded)
    assert str(exc).startswith("PDF stream inflates past 256 MB")


@pytest.mark.parametrize(
    ("filters", "encode"),
    [
        (b"[/ASCII85Decode /FlateDecode]", lambda raw: base64.a85encode(raw, wrapcol=72) + b"~>"),
        (b"[/AHx /Fl]", lambda raw: binascii.hexlify(raw) + b">"),
    ],
)
def test_a_flate_bomb_behind_an_ascii_filter_is_refused(filters: bytes, encode):
    # ReportLab writes [/ASCII85Decode /FlateDecode]: the data opens with no zlib header.
    raw = H.deflate_run(1 << 30, zlib_header=True)
    bomb = H.pdf_with_stream(encode(raw), filters)
    exc = _bounded(lambda: pdf.read(bomb, "bomb.pdf"), seconds=10, megabytes=64)
    assert isinstance(exc, LimitExceeded)
    assert str(exc).startswith("PDF stream inflates past 256 MB")


def test_a_run_length_bomb_is_refused():
    bomb = H.pdf_with_stream(b"\x81 " * 40_000 + b"\x80", b"/RunLengthDecode")  # 80 KB for 5 MB
    with limits.use(Limits(max_inflated=4 * MB)), pytest.raises(LimitExceeded, match="past 4 MB"):
        pdf.read(bomb, "x.pdf")


def test_the_lzw_counter_agrees_with_pdfminer():
    from pdfminer.lzw import lzwdecode

    rng = random.Random(7)
    words = [bytes(rng.choice(b"abcdefgh ") for _ in range(rng.randint(1, 9))) for _ in range(300)]
    for n in (1, 1000, 60_000):  # the last clears its table several times
        text = b" ".join(rng.choice(words) for _ in range(n))
        data = H.lzw_encode(text)
        assert lzwdecode(data) == text
        assert decoded_size(data, ["lzw"], 1 << 40) == len(text)
    run = H.lzw_run(5 * MB)  # past a full table
    assert decoded_size(run, ["lzw"], 1 << 40) == len(lzwdecode(run)) >= 5 * MB


def test_a_pdf_with_lzw_and_ascii_streams_passes_the_scan_and_is_read():
    content = b"BT /F1 12 Tf 72 760 Td (Annual report 2024) Tj ET"
    for filters, data in (
        (b"/LZWDecode", H.lzw_encode(content)),
        (b"[/A85 /Fl]", base64.a85encode(zlib.compress(content)) + b"~>"),
    ):
        doc = pdf.read(H.pdf_with_stream(data, filters), "x.pdf")
        assert "report2024" in doc.text().replace(" ", ""), filters


def test_pdf_past_the_page_limit_is_refused():
    data = H.cjk_pdf(["一、总体情况"], pages=3)
    with (
        limits.use(Limits(max_pages=2)),
        pytest.raises(LimitExceeded, match="PDF of 3 pages, past the limit of 2"),
    ):
        pdf.read(data, "x.pdf")


def test_ordinary_pdf_streams_pass_the_scan(real_dir):
    doc = pdf.read((real_dir / "2024_huaian_szf.pdf").read_bytes(), "x.pdf")
    assert doc.pages and doc.tables


@pytest.mark.parametrize("backend", ["pdfium", "pdfplumber"])
def test_a_prev_loop_is_read_by_the_library_that_can(backend):
    # pdfminer recurses forever on the loop; PDFium ignores it.  Before: "maximum recursion depth".
    for data in (H.prev_loop_pdf("Annual report 2024"), H.cjk_pdf(["一、总体情况", "３"], prev_loop=True)):
        doc = pdf.read_with(data, "x.pdf", backend)
        assert doc.text().strip()


@pytest.mark.parametrize("backend", ["pdfium", "pdfplumber"])
def test_a_pdf_without_xref_table_is_read(backend):
    doc = pdf.read_with(H.text_pdf("Annual report 2024", xref=False), "x.pdf", backend)
    assert "report2024" in doc.text().replace(" ", "")


def test_a_pdf_neither_library_reads_names_both_reasons():
    data = H.text_pdf("x", xref=False)
    data = data[: data.index(b"trailer")] + b"startxref\n0\n%%EOF\n"  # no trailer, no xref
    with pytest.raises(CorruptDocument, match=r"unreadable PDF: .*; pdfminer: .*Root"):
        pdf.read(data, "x.pdf")


# ---------------------------------------------------------------- HTML


def _page(n_paragraphs: int) -> bytes:
    para = "<p>本机关2024年主动公开政府信息" + "内容" * 20 + "</p>\n"
    return ("<html><body><div>" + para * n_paragraphs + "</div></body></html>").encode()


def test_html_time_grows_linearly_with_the_page():
    # Before, every paragraph's path was recomputed by counting its siblings: 1 MB took
    # 1 s and 4 MB 27 s.  Now four times the page costs about four times the time.
    small, big = _page(3_000), _page(12_000)
    t_small = min(_timed(lambda: html.read(small)) for _ in range(2))
    t_big = _timed(lambda: html.read(big))
    assert t_big < 8 * t_small, (t_small, t_big)
    doc = html.read(big)
    assert doc.blocks[5].prov.path == "/html/body/div/p[6]"


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def test_html_nested_100k_deep_keeps_all_its_text():
    # An unclosed <font> repeated 100,000 times: libxml2 stops at 256 levels, and the
    # page beyond was dropped ("HTML page without text" or a report cut short).
    runs = "".join(f"<font color=red>第{i}段内容" for i in range(100_000))
    doc = html.read(f"<html><body><p>一、总体情况</p>{runs}</body></html>".encode())
    text = doc.text()
    assert "第99999段内容" in text and "第300段内容" in text


def test_html_text_nodes_past_10_mb_are_read():
    # libxml2 drops a text node past 10 MB without huge_tree: the page read as empty.
    page = "<html><body><p>" + "年" * 4_000_000 + "</p><p>" + "月" * 4_000_000 + "</p></body></html>"
    text = html.read(page.encode()).text()
    assert text.count("年") == 4_000_000 and text.count("月") == 4_000_000


def test_html_nested_deeper_than_the_limit_is_refused():
    page = ("<html><body>" + "<div>层" * 3000 + "</body></html>").encode()
    with pytest.raises(LimitExceeded, match="HTML nested deeper than 256 levels"):
        html.read(page)


def test_a_document_past_the_text_limit_is_refused_before_it_is_normalised():
    from nianbao.extract import limits
    from nianbao.normalize.pipeline import process

    text = ("二、主动公开政府信息情况\n" + "本年度无。" * 2000).encode()
    with limits.use(limits.DEFAULT.with_(max_text=5_000)):
        report = process(text, "big.txt")
    assert report.status == "failed" and "past the limit (--max-text)" in report.error
    assert process(text, "big.txt").status != "failed"  # under the default it is read


def test_a_web_page_past_the_page_limit_is_refused_before_it_is_parsed():
    from nianbao.extract import limits
    from nianbao.normalize.pipeline import process

    page = ("<html><body>" + "<p>本年度无政府信息公开申请。</p>" * 3000 + "</body></html>").encode()
    with limits.use(limits.DEFAULT.with_(max_page_bytes=20_000)):
        report = process(page, "big.html")
    assert report.status == "failed" and "web page of" in report.error and "past the limit of" in report.error
    assert "past the limit" not in (process(page, "big.html").error or "")  # under the default: read
