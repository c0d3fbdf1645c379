"""The PDF reader on the real Huaian report and on PDFs built here with reportlab."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from nianbao.extract.errors import CorruptDocument, EncryptedDocument, ScannedDocument
from nianbao.extract.model import Document, Table
from nianbao.extract.readers import pdf

FIXTURE = Path(__file__).parent / "fixtures" / "real" / "2024_huaian_szf.pdf"
BACKENDS = ["pdfium", "pdfplumber"]
FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
H = 842.0  # A4 height in points


@pytest.fixture(scope="module", params=BACKENDS)
def huaian(request: pytest.FixtureRequest) -> Document:
    return pdf.read_with(FIXTURE.read_bytes(), FIXTURE.name, request.param)


def _table_with(doc: Document, prefix: str) -> Table:
    for t in doc.tables:
        if any(c.text.startswith(prefix) for c in t.cells):
            return t
    raise AssertionError(f"no table with {prefix!r}")


def _cell(t: Table, text: str):
    return next(c for c in t.cells if c.text == text)


# ---------------------------------------------------------------- real fixture


def test_huaian_document(huaian: Document) -> None:
    assert huaian.format == "pdf"
    assert huaian.pages == 6
    assert huaian.meta == {"title": "政府信息公开工作年度报告", "pdf_created": "2025-02-25"}
    assert len(huaian.tables) == 3  # 二 (pages 3-4), 三 (pages 4-5), 四
    texts = [p.text for p in huaian.paragraphs]
    for head in [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "六、其他需要报告的事项",
    ]:
        assert head in texts
    # The framed introduction on page 1 is narrative, not a one-column table.
    assert any(
        t.startswith("本报告由淮安市人民政府办公室根据") and t.endswith("hazwgkc@163.com）。") for t in texts
    )
    # Page numbers never reach the text.
    everything = texts + [c.text for t in huaian.tables for c in t.cells]
    assert not any(s.strip(" -").isdigit() for s in everything if s.startswith("-"))
    assert not any("-4-" in s.replace(" ", "") or "-3-" in s.replace(" ", "") for s in everything)


def test_huaian_table3_is_one_table_across_pages(huaian: Document) -> None:
    t = _table_with(huaian, "三、本年度办理结果")
    assert (t.n_rows, t.n_cols) == (28, 10)
    assert t.prov is not None and t.prov.page == 4
    group = _cell(t, "三、本年度办理结果")
    assert (group.row, group.col, group.row_span) == (5, 0, 22)
    unable = _cell(t, "（四）无法提供")
    assert (unable.col, unable.row_span) == (1, 3)
    grid = t.grid()
    assert grid[3][0] == "一、本年新收政府信息公开申请数量"
    assert grid[3][3:] == ["3001", "53", "0", "0", "61", "4", "3119"]
    assert grid[27][0] == "四、结转下年度继续办理"
    assert grid[27][3:] == ["103", "0", "0", "0", "0", "0", "103"]
    labels = [row[2] for row in grid if row[2]]
    assert "2.没有现成信息需要另行制作" in labels
    assert grid[2][4:9] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert "（三）不予公开" in [c.text for c in t.cells]
    assert all("\n" not in c.text for c in t.cells)
    # every slot covered by exactly one anchor
    assert all(a is not None for row in t.anchors() for a in row)
    # provenance: page and top-left-origin bbox
    p = _cell(t, "3119").prov
    assert p is not None and p.page == 4 and p.bbox is not None
    x0, top, x1, bottom = p.bbox
    assert 0 < x0 < x1 < 595 and 0 < top < bottom < 842
    p5 = _cell(t, "2.没有现成信息需要另行制作").prov
    assert p5 is not None and p5.page == 5


def test_huaian_table2_joined_over_pages_3_and_4(huaian: Document) -> None:
    t = _table_with(huaian, "第二十条第（一）项")
    grid = t.grid()
    firsts = [row[0] for row in grid]
    assert firsts[0] == "第二十条第（一）项"
    assert "行政许可" in firsts and "行政处罚" in firsts and "行政事业性收费" in firsts
    fee = next(row for row in grid if row[0] == "行政事业性收费")
    assert fee[1] == "96171.6"
    assert next(row for row in grid if row[0] == "行政许可")[1] == "447228"


def test_huaian_table4(huaian: Document) -> None:
    t = _table_with(huaian, "行政复议")
    assert (t.n_rows, t.n_cols) == (4, 15)
    assert t.grid()[3] == [
        "72",
        "64",
        "178",
        "37",
        "351",
        "13",
        "4",
        "8",
        "1",
        "26",
        "12",
        "1",
        "1",
        "6",
        "20",
    ]
    assert t.grid()[1][0] == "结果维持"


# ---------------------------------------------------------------- generated PDFs


def _text(cv: canvas.Canvas, x: float, top: float, s: str, size: float = 11) -> None:
    cv.setFont(FONT, size)
    cv.drawString(x, H - top - size, s)


def _box(cv: canvas.Canvas, x0: float, top: float, x1: float, bottom: float) -> None:
    cv.rect(x0, H - bottom, x1 - x0, bottom - top, stroke=1, fill=0)


def _split_table_pdf(title: str = "测试年报") -> bytes:
    """Two pages: a ruled table breaks at the end of page 1 and continues on page 2."""
    buf = io.BytesIO()
    cv = canvas.Canvas(buf, pagesize=(595, H))
    cv.setTitle(title)
    xs = [72, 100, 300, 380, 460, 523]
    rh = 24.0
    rows1 = [f"{i}.第{i}类申请事项" for i in range(1, 21)]
    rows2 = [f"{i}.第{i}类申请事项" for i in range(21, 25)]

    # page 1
    _text(cv, 150, 60, "某某局2024年政府信息公开工作年度报告", 14)
    _text(cv, 72, 100, "一、总体情况")
    _text(cv, 96, 124, "本年度，本局认真贯彻落实《条例》，全面推进政务公开工作，取得了")
    _text(cv, 72, 142, "较好成效。")
    _text(cv, 72, 166, "三、收到和处理政府信息公开申请情况")
    top = 190.0
    _box(cv, xs[0], top, xs[2], top + rh)
    _text(cv, xs[0] + 4, top + 6, "项目")
    for k, head in enumerate(["自然人", "法人", "总计"], 2):
        _box(cv, xs[k], top, xs[k + 1], top + rh)
        _text(cv, xs[k] + 4, top + 6, head)
    body_top = top + rh
    bottom1 = body_top + rh * len(rows1)
    _box(cv, xs[0], body_top, xs[1], bottom1)  # group cell, cut by the page end
    label = "三、本年度办理结果"
    for i, ch in enumerate(label):
        # (a one-character CID string written by reportlab extracts as nothing; the
        # trailing space, which readers skip, avoids that)
        _text(cv, xs[0] + 8, body_top + 40 + 14 * i, ch + " ", 11)
    for r, lab in enumerate(rows1):
        y = body_top + r * rh
        _box(cv, xs[1], y, xs[2], y + rh)
        _text(cv, xs[1] + 4, y + 6, lab)
        for k in range(2, 5):
            _box(cv, xs[k], y, xs[k + 1], y + rh)
            _text(cv, xs[k] + 4, y + 6, str(r * (k - 1)))
    _text(cv, 280, 800, "- 1 -", 10)
    cv.showPage()

    # page 2: continuation without the header, then a last row and narrative
    top = 72.0
    bottom2 = top + rh * len(rows2)
    _box(cv, xs[0], top, xs[1], bottom2)
    for r, lab in enumerate(rows2):
        y = top + r * rh
        _box(cv, xs[1], y, xs[2], y + rh)
        _text(cv, xs[1] + 4, y + 6, lab)
        for k in range(2, 5):
            _box(cv, xs[k], y, xs[k + 1], y + rh)
            _text(cv, xs[k] + 4, y + 6, str(100 + r))
    y = bottom2
    _box(cv, xs[0], y, xs[2], y + rh)
    _text(cv, xs[0] + 4, y + 6, "四、结转下年度继续办理")
    for k in range(2, 5):
        _box(cv, xs[k], y, xs[k + 1], y + rh)
        _text(cv, xs[k] + 4, y + 6, "7")
    _text(cv, 72, y + 50, "五、存在的主要问题及改进情况")
    _text(cv, 96, y + 74, "一是公开质量有待提高。")
    _text(cv, 280, 800, "- 2 -", 10)
    cv.showPage()
    cv.save()
    return buf.getvalue()


@pytest.mark.parametrize("backend", BACKENDS)
def test_generated_split_table(backend: str) -> None:
    doc = pdf.read_with(_split_table_pdf(), "t.pdf", backend)  # type: ignore[arg-type]
    assert doc.pages == 2
    assert doc.meta["title"] == "测试年报"
    assert len(doc.tables) == 1
    t = doc.tables[0]
    assert (t.n_rows, t.n_cols) == (1 + 20 + 4 + 1, 5)
    group = _cell(t, "三、本年度办理结果")
    assert (group.row, group.col, group.row_span, group.col_span) == (1, 0, 24, 1)
    grid = t.grid()
    assert grid[0] == ["项目", None, "自然人", "法人", "总计"]
    assert grid[21][1:] == ["21.第21类申请事项", "100", "100", "100"]
    assert grid[25] == ["四、结转下年度继续办理", None, "7", "7", "7"]
    texts = [p.text for p in doc.paragraphs]
    assert texts == [
        "某某局2024年政府信息公开工作年度报告",
        "一、总体情况",
        "本年度，本局认真贯彻落实《条例》，全面推进政务公开工作，取得了较好成效。",
        "三、收到和处理政府信息公开申请情况",
        "五、存在的主要问题及改进情况",
        "一是公开质量有待提高。",
    ]


def _grid_pdf(parts: list[tuple[float, list[list[str]]]], xs: list[float], rh: float = 20.0) -> bytes:
    """One page per part (top, rows): every cell its own ruled box, text at its left."""
    buf = io.BytesIO()
    cv = canvas.Canvas(buf, pagesize=(595, H))
    for n, (top, rows) in enumerate(parts, 1):
        for r, row in enumerate(rows):
            y = top + r * rh
            for k, text in enumerate(row):
                _box(cv, xs[k], y, xs[k + 1], y + rh)
                if text:
                    _text(cv, xs[k] + 3, y + 5, text, 9)
        _text(cv, 290, 800, f"- {n} -", 10)
        cv.showPage()
    cv.save()
    return buf.getvalue()


def _single_glyph_pdf() -> bytes:
    """A table whose cells hold CJK glyphs drawn one per text object (no trailing space):
    a full-width digit alone, a vertical label drawn character by character, a number
    wrapped after its second digit, and a one-character paragraph line."""
    buf = io.BytesIO()
    cv = canvas.Canvas(buf, pagesize=(595, H))
    xs = [72, 110, 300, 400, 500]
    top, rh = 120.0, 40.0
    _text(cv, 72, 80, "表")
    for r in range(3):
        y = top + r * rh
        for k in range(1, 4):
            _box(cv, xs[k], y, xs[k + 1], y + rh)
    _box(cv, xs[0], top, xs[1], top + 3 * rh)
    for i, ch in enumerate("办理结果"):
        _text(cv, xs[0] + 12, top + 10 + 22 * i, ch, 11)
    _text(cv, xs[1] + 4, top + 12, "（一）予以公开")
    _text(cv, xs[2] + 4, top + 12, "３")
    _text(cv, xs[3] + 4, top + 12, "１２")
    _text(cv, xs[1] + 4, top + rh + 12, "（二）部分公开")
    _text(cv, xs[2] + 4, top + rh + 4, "２１")
    _text(cv, xs[2] + 4, top + rh + 20, "８")
    _text(cv, xs[3] + 4, top + rh + 12, "人")
    _text(cv, xs[1] + 4, top + 2 * rh + 12, "（三）不予公开")
    _text(cv, xs[2] + 4, top + 2 * rh + 12, "0")
    _text(cv, xs[3] + 4, top + 2 * rh + 12, "无")
    cv.showPage()
    cv.save()
    return buf.getvalue()


@pytest.mark.parametrize("backend", BACKENDS)
def test_single_glyph_text_objects(backend: str) -> None:
    """PDFium's text page drops a text object with an empty glyph box (one CJK glyph of a
    font neither embedded nor installed); the reader recovers it from the content stream."""
    doc = pdf.read_with(_single_glyph_pdf(), "g.pdf", backend)  # type: ignore[arg-type]
    assert [p.text for p in doc.paragraphs] == ["表"]
    (t,) = doc.tables
    assert t.grid() == [
        ["办理结果", "（一）予以公开", "３", "１２"],
        [None, "（二）部分公开", "２１８", "人"],
        [None, "（三）不予公开", "0", "无"],
    ]


def test_unpaired_content_falls_back_to_pdfminer(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the content stream's text operators do not pair with PDFium's text objects, the
    page's characters come from pdfminer: same cells, nothing lost."""
    from nianbao.extract.readers import _pdf_content

    monkeypatch.setattr(_pdf_content.ContentReader, "shows", lambda self, index: [])
    data = _single_glyph_pdf()
    assert _cells(pdf.read_with(data, "g.pdf", "pdfium")) == _cells(
        pdf.read_with(data, "g.pdf", "pdfplumber")
    )


def test_content_stream_operations() -> None:
    """The content scanner: escapes, nested parentheses, hex strings, TJ arrays, the
    quote operators, comments and inline images; empty Tj strings show nothing."""
    from nianbao.extract.readers._pdf_content import operations

    data = (
        rb"BT /F1 12 Tf (a\\b\(c\)\101) Tj % (not a string) Tj" + b"\n"
        rb"(x(y)z) Tj <4EBA 0020> Tj [(p) -120 <71> 5 (r)] TJ () Tj /F2 9.5 Tf (q) ' 1 2 (w) " + b'" ET\n'
        b"BI /W 2 /H 1 /BPC 8 /CS /G ID (Tj EI Q BT /F3 1 Tf (end)Tj ET"
    )
    ops = operations(data)
    assert [(op, font, size, strings) for op, font, size, strings in ops] == [
        ("Tj", "F1", 12.0, [rb"a\b(c)A"]),
        ("Tj", "F1", 12.0, [b"x(y)z"]),
        ("Tj", "F1", 12.0, [b"\x4e\xba\x00\x20"]),
        ("TJ", "F1", 12.0, [b"p", b"q", b"r"]),
        ("'", "F2", 9.5, [b"q"]),
        ('"', "F2", 9.5, [b"w"]),
        ("Tj", "F3", 1.0, [b"end"]),
    ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_stacked_tables_keep_their_borders(backend: str) -> None:
    """Small tables of slightly different widths stacked above a big one (table 二 as four
    small tables, then 三): their borders 2 pt apart chain into one snapping cluster over
    the page, which moved the big table's left border 3 pt off its rules and lost its first
    column.  Rulings are snapped per table."""
    small = [["规章", "5"], ["规范性文件", "6"]]
    big = [["三、", "（一）予以公开", "7", "7"], ["", "（二）部分公开", "8", "8"]]
    specs = [(90.0 + 60 * i, [x, 230.0, 600 - x], small) for i, x in enumerate((74.0, 76.0, 78.0))]
    specs.append((300.0, [80.5, 105.0, 265.0, 400.0, 514.5], big))
    buf = io.BytesIO()
    cv = canvas.Canvas(buf, pagesize=(595, H))
    for top, xs, rows in specs:
        for r, row in enumerate(rows):
            y = top + 20 * r
            for k, text in enumerate(row):
                _box(cv, xs[k], y, xs[k + 1], y + 20)
                _text(cv, xs[k] + 3, y + 5, text, 9)
    cv.showPage()
    cv.save()
    doc = pdf.read_with(buf.getvalue(), "s.pdf", backend)  # type: ignore[arg-type]
    assert [t.grid() for t in doc.tables] == [small, small, small, big]


@pytest.mark.parametrize("backend", BACKENDS)
def test_table_over_three_pages(backend: str) -> None:
    xs = [72, 250, 350, 450]
    rows = [[f"{i}.第{i}项", str(i), str(10 * i)] for i in range(1, 10)]
    data = _grid_pdf([(700.0, rows[:3]), (72.0, rows[3:6]), (72.0, rows[6:])], xs)
    doc = pdf.read_with(data, "3.pdf", backend)  # type: ignore[arg-type]
    assert [t.grid() for t in doc.tables] == [rows]


@pytest.mark.parametrize("backend", BACKENDS)
def test_blank_markers_at_a_page_break_stay_apart(backend: str) -> None:
    """'-' (or '/', '无') under '-' across a page break is a value, not a label cut in two."""
    xs = [72, 250, 320, 390, 460, 530]
    p1 = [["1.信访举报投诉类申请", "-", "/", "无", "-"], ["2.重复申请", "-", "/", "无", "-"]]
    p2 = [["3.要求提供公开出版物", "-", "/", "无", "-"]]
    doc = pdf.read_with(_grid_pdf([(700.0, p1), (72.0, p2)], xs), "m.pdf", backend)  # type: ignore[arg-type]
    assert [t.grid() for t in doc.tables] == [p1 + p2]


@pytest.mark.parametrize("backend", BACKENDS)
def test_header_above_a_continued_data_row_keeps_the_blanks(backend: str) -> None:
    """Table 四's header ends a page and its data row (blanks included) starts the next:
    the empty data cells are blanks of their own, not the rest of the header cells."""
    xs = [72 + 45 * k for k in range(6)]
    head = [["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]]
    data = [["无", "", "", "0", ""]]
    doc = pdf.read_with(_grid_pdf([(760.0, head), (72.0, data)], xs), "h.pdf", backend)  # type: ignore[arg-type]
    assert [t.grid() for t in doc.tables] == [head + data]


def _cells(doc: Document) -> list[list[tuple]]:
    return [
        sorted(
            (c.row, c.col, c.row_span, c.col_span, c.text, c.prov.page if c.prov else None) for c in t.cells
        )
        for t in doc.tables
    ]


def _boxes(doc: Document) -> list[tuple[float, ...]]:
    return [
        c.prov.bbox
        for t in doc.tables
        for c in sorted(t.cells, key=lambda c: (c.row, c.col))
        if c.prov is not None and c.prov.bbox is not None
    ]


def _all_pdfs() -> list[tuple[str, bytes]]:
    found = [(FIXTURE.name, FIXTURE.read_bytes())]
    shared = Path(os.environ.get("NIANBAO_CORPUS", "/work/shared/corpus"))
    if shared.is_dir():
        found += [(p.name, p.read_bytes()) for p in sorted(shared.rglob("*.pdf")) if p.name != FIXTURE.name]
    found.append(("generated_split_table.pdf", _split_table_pdf()))
    found.append(("generated_single_glyphs.pdf", _single_glyph_pdf()))
    return found


@pytest.mark.parametrize(("name", "data"), _all_pdfs(), ids=lambda v: v if isinstance(v, str) else "")
def test_fast_path_gives_the_same_cells_as_pdfplumber(name: str, data: bytes) -> None:
    fast = pdf.read_with(data, name, "pdfium")
    ref = pdf.read_with(data, name, "pdfplumber")
    assert _cells(fast) == _cells(ref)
    # PDFium computes in single precision: boxes agree to a hundredth of a point.
    fb, rb = _boxes(fast), _boxes(ref)
    assert len(fb) == len(rb)
    assert all(
        abs(a - b) <= 0.011 for fa, ra in zip(fb, rb, strict=True) for a, b in zip(fa, ra, strict=True)
    )
    assert [p.text for p in fast.paragraphs] == [p.text for p in ref.paragraphs]


# ---------------------------------------------------------------- unusable PDFs


def test_encrypted_pdf() -> None:
    buf = io.BytesIO()
    cv = canvas.Canvas(buf, encrypt="secret")
    _text(cv, 72, 72, "保密内容")
    cv.showPage()
    cv.save()
    with pytest.raises(EncryptedDocument):
        pdf.read(buf.getvalue(), "e.pdf")


def test_scanned_pdf() -> None:
    from reportlab.lib.utils import ImageReader

    png = io.BytesIO()
    # A tiny grey bitmap drawn full page: an image-only PDF, as a scanner makes.
    import zlib

    raw = b"".join(b"\x00" + b"\x80" * 8 for _ in range(8))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")

    png.write(b"\x89PNG\r\n\x1a\n")
    png.write(chunk(b"IHDR", (8).to_bytes(4, "big") * 2 + b"\x08\x00\x00\x00\x00"))
    png.write(chunk(b"IDAT", zlib.compress(raw)))
    png.write(chunk(b"IEND", b""))
    png.seek(0)
    buf = io.BytesIO()
    cv = canvas.Canvas(buf)
    for _ in range(2):
        cv.drawImage(ImageReader(png), 0, 0, 595, 842)
        cv.showPage()
    cv.save()
    with pytest.raises(ScannedDocument, match="no text layer on 2 pages"):
        pdf.read(buf.getvalue(), "s.pdf")


def test_random_bytes_are_corrupt() -> None:
    rnd = bytes((i * 7919 + 13) % 251 for i in range(4096))
    with pytest.raises(CorruptDocument):
        pdf.read(b"%PDF-1.7\n" + rnd, "r.pdf")
    with pytest.raises(CorruptDocument):
        pdf.read(rnd, "r.pdf")


def test_truncated_pdf_is_corrupt_or_readable() -> None:
    data = FIXTURE.read_bytes()[:5000]
    with pytest.raises(CorruptDocument):
        pdf.read(data, "t.pdf")


def test_huaian_golden_cells() -> None:
    """Every hand-checked cell of tables 二/三/四 comes out of the whole pipeline right."""
    import json

    from nianbao.normalize import pipeline

    truth = json.loads((FIXTURE.parent / "truth" / "2024_huaian_szf.json").read_text("utf-8"))
    report = pipeline.process(FIXTURE.read_bytes(), FIXTURE.name)
    got = {(c.table, c.row, c.col): c.value for c in report.cells}
    wrong = [t for t in truth["cells"] if got.get((t["table"], t["row"], t["col"]), "missing") != t["value"]]
    assert wrong == []
