"""The DOCX reader: body order, text, merged cells, provenance, metadata and bad input."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.shared import Pt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nianbao.extract.errors import CorruptDocument, EmptyDocument
from nianbao.extract.model import Cell, Paragraph, Table
from nianbao.extract.readers import docx as reader
from nianbao.extract.readers.docx import read

FIXTURES = Path(__file__).parent / "fixtures"
TEMPLATE = FIXTURES / "template_2021_blank.docx"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NAMESPACES = (
    f'xmlns:w="{W_NS}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)


def package(body: str, *, document: str | None = None) -> bytes:
    """A minimal .docx (content types, package rels, document part) around ``body`` XML."""
    if document is None:
        document = f'<?xml version="1.0" encoding="UTF-8"?><w:document {NAMESPACES}><w:body>{body}</w:body></w:document>'
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("word/document.xml", document)
    return buf.getvalue()


def p(text: str) -> str:
    return f"<w:p><w:r><w:t xml:space='preserve'>{text}</w:t></w:r></w:p>"


def tc(text: str = "", props: str = "") -> str:
    pr = f"<w:tcPr>{props}</w:tcPr>" if props else ""
    return f"<w:tc>{pr}{p(text) if text else '<w:p/>'}</w:tc>"


def tbl(rows: list[str], n_grid: int | None = None) -> str:
    grid = "" if n_grid is None else "<w:tblGrid>" + "<w:gridCol w:w='100'/>" * n_grid + "</w:tblGrid>"
    return f"<w:tbl><w:tblPr/>{grid}{''.join(rows)}</w:tbl>"


def saved(d: docx.document.Document) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def coverage(t: Table) -> list[list[int]]:
    """How many anchors cover each slot (computed from the cells, not from ``anchors()``)."""
    count = [[0] * t.n_cols for _ in range(t.n_rows)]
    for c in t.cells:
        for r in range(c.row, c.row + c.row_span):
            for k in range(c.col, c.col + c.col_span):
                count[r][k] += 1
    return count


def find(t: Table, text: str) -> Cell:
    hits = [c for c in t.cells if c.text == text]
    assert len(hits) == 1, (text, hits)
    return hits[0]


# --- the blank national template -----------------------------------------------------------


@pytest.fixture(scope="module")
def template() -> reader.Document:
    return read(TEMPLATE.read_bytes(), TEMPLATE.name)


def test_template_blocks_in_body_order(template: reader.Document) -> None:
    kinds = [type(b).__name__ for b in template.blocks]
    assert kinds.count("Table") == 3
    texts = [b.text for b in template.paragraphs]
    headings = [t for t in texts if t[:2] in {"一、", "二、", "三、", "四、", "五、", "六、"}]
    assert [h[:2] for h in headings] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    # Each table follows its heading: 二 -> table 1, 三 -> table 2, 四 -> table 3.
    order = [b.text[:2] if isinstance(b, Paragraph) else "T" for b in template.blocks]
    assert order.index("二、") < order.index("T") < order.index("三、")
    assert all(b.text.strip() == b.text and b.text for b in template.paragraphs)


def test_template_table_three_structure(template: reader.Document) -> None:
    t = template.tables[1]
    assert (t.n_rows, t.n_cols) == (28, 10)
    outcome = find(t, "三、本年度办理结果")
    assert (outcome.row, outcome.col, outcome.row_span, outcome.col_span) == (5, 0, 22, 1)
    legal = find(t, "法人或其他组织")
    assert (legal.row, legal.col, legal.row_span, legal.col_span) == (1, 4, 1, 5)
    natural = find(t, "自然人")
    assert (natural.row_span, natural.col_span) == (2, 1)
    assert find(t, "申请人情况").col_span == 7
    corner = t.anchors()[0][0]
    assert corner is not None and (corner.row_span, corner.col_span) == (3, 3)
    # Row 3 holds only the five 法人 subtypes; the others are covered from above.
    subtypes = [c.text.replace("\n", "") for c in t.rows()[2]]
    assert subtypes == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert [c.col for c in t.rows()[2]] == [4, 5, 6, 7, 8]
    assert find(t, "（三）不予公开").row_span == 8
    assert outcome.prov is not None and outcome.prov.path == "body/tbl[2]/tr[6]/tc[1]"
    assert t.prov is not None and t.prov.path == "body/tbl[2]"
    grid = t.grid()
    assert grid[6][0] is None  # covered by 三、本年度办理结果
    assert grid[3][3] == ""  # printed empty


def test_template_every_slot_covered_once(template: reader.Document) -> None:
    for t in template.tables:
        assert all(n == 1 for row in coverage(t) for n in row), t.prov


def test_template_table_four_and_two(template: reader.Document) -> None:
    t2, _, t4 = template.tables
    assert (t4.n_rows, t4.n_cols) == (4, 15)
    assert find(t4, "行政复议").col_span == 5
    assert find(t4, "行政诉讼").col_span == 10
    assert find(t4, "未经复议直接起诉").col_span == 5
    assert find(t4, "结果维持").row_span == 2
    corrected = t4.anchors()[1][1]
    assert corrected is not None and corrected.text == "结果\n纠正"  # two paragraphs in one cell
    assert corrected.row_span == 2
    assert (t2.n_rows, t2.n_cols) == (14, 4)
    assert find(t2, "第二十条第（一）项").col_span == 4


def test_template_meta(template: reader.Document) -> None:
    assert template.format == "docx"
    assert template.pages is None
    assert template.meta["created"] == "2025-12-03"
    assert "author" in template.meta


def test_streamed_and_walked_tables_agree() -> None:
    d = docx.Document(io.BytesIO(TEMPLATE.read_bytes()))
    tables = list(d.element.body.iter(f"{{{W_NS}}}tbl"))
    for i, el in enumerate(tables, 1):
        assert reader._table(el, f"t[{i}]", fast=True) == reader._table(el, f"t[{i}]", fast=False)


# --- documents written by python-docx --------------------------------------------------


def test_python_docx_paragraphs_tables_and_meta() -> None:
    d = docx.Document()
    d.core_properties.title = "  某某局2023年政府信息公开工作年度报告 "
    d.core_properties.author = "办公室"
    d.core_properties.created = dt.datetime(2024, 1, 20, 9, 30)
    d.add_paragraph("一、总体情况")
    d.add_paragraph("")  # empty: skipped
    para = d.add_paragraph("甲")
    run = para.add_run()
    run.add_tab()
    run.add_text("乙")
    run.add_break()
    run.add_text("丙")
    run.font.size = Pt(12)
    t = d.add_table(rows=3, cols=3)
    t.cell(0, 0).merge(t.cell(0, 2)).text = "横向合并"
    t.cell(1, 0).merge(t.cell(2, 0)).text = "纵向合并"
    t.cell(1, 1).merge(t.cell(2, 2)).text = "块"
    t.cell(1, 1).add_paragraph("第二段")
    d.add_paragraph("二、主动公开政府信息情况")
    doc = read(saved(d), "x.docx")

    assert [b.text for b in doc.paragraphs] == ["一、总体情况", "甲\t乙\n丙", "二、主动公开政府信息情况"]
    assert [type(b) for b in doc.blocks] == [Paragraph, Paragraph, Table, Paragraph]
    assert [b.prov.path for b in doc.paragraphs if b.prov] == ["body/p[1]", "body/p[3]", "body/p[4]"]
    (table,) = doc.tables
    assert (table.n_rows, table.n_cols) == (3, 3)
    spans = {c.text: (c.row, c.col, c.row_span, c.col_span) for c in table.cells}
    assert spans == {"横向合并": (0, 0, 1, 3), "纵向合并": (1, 0, 2, 1), "块\n第二段": (1, 1, 2, 2)}
    assert find(table, "块\n第二段").prov.path == "body/tbl[1]/tr[2]/tc[2]"  # type: ignore[union-attr]
    assert table.grid() == [["横向合并", None, None], ["纵向合并", "块\n第二段", None], [None, None, None]]
    assert doc.meta == {
        "title": "某某局2023年政府信息公开工作年度报告",
        "created": "2024-01-20",
        "author": "办公室",
    }


def test_package_without_core_properties_has_no_meta() -> None:
    doc = read(package(p("正文")), "x.docx")
    assert doc.meta == {}
    assert doc.paragraphs[0].text == "正文"


# --- hand-built XML: what python-docx cannot write ---------------------------------------


def test_grid_before_and_after_leave_slots_empty() -> None:
    rows = [
        "<w:tr>" + tc("a") + tc("b") + tc("c") + "</w:tr>",
        "<w:tr><w:trPr><w:gridBefore w:val='1'/></w:trPr>" + tc("d") + tc("e") + "</w:tr>",
        "<w:tr><w:trPr><w:gridAfter w:val='2'/></w:trPr>" + tc("f") + "</w:tr>",
    ]
    (t,) = read(package(tbl(rows, 3)), "x.docx").tables
    assert (t.n_rows, t.n_cols) == (3, 3)
    assert t.grid() == [["a", "b", "c"], [None, "d", "e"], ["f", None, None]]
    assert find(t, "d").prov.path == "body/tbl[1]/tr[2]/tc[1]"  # type: ignore[union-attr]
    assert t.anchors()[1][0] is None


def test_grid_width_from_widest_row_without_tbl_grid() -> None:
    rows = [
        "<w:tr><w:trPr><w:gridBefore w:val='2'/></w:trPr>" + tc("x", "<w:gridSpan w:val='2'/>") + "</w:tr>",
        "<w:tr>" + tc("y") + "</w:tr>",
    ]
    (t,) = read(package(tbl(rows)), "x.docx").tables
    assert t.n_cols == 4
    assert (find(t, "x").col, find(t, "x").col_span) == (2, 2)


def test_legacy_hmerge() -> None:
    rows = [
        "<w:tr>"
        + tc("合并", "<w:hMerge w:val='restart'/>")
        + tc("", "<w:hMerge/>")
        + tc("", "<w:hMerge w:val='continue'/>")
        + tc("d")
        + "</w:tr>",
        "<w:tr>" + tc("1") + tc("2") + tc("3") + tc("4") + "</w:tr>",
    ]
    (t,) = read(package(tbl(rows, 4)), "x.docx").tables
    merged = find(t, "合并")
    assert (merged.col, merged.col_span, merged.prov.path) == (0, 3, "body/tbl[1]/tr[1]/tc[1]")  # type: ignore[union-attr]
    assert find(t, "d").col == 3
    assert t.grid()[0] == ["合并", None, None, "d"]


def test_vmerge_without_anchor_above_stands_alone() -> None:
    rows = [
        "<w:tr>" + tc("a", "<w:vMerge/>") + tc("b", "<w:gridSpan w:val='2'/>") + "</w:tr>",
        "<w:tr>" + tc("c") + tc("d", "<w:vMerge/>") + tc("e", "<w:vMerge/>") + "</w:tr>",
    ]
    (t,) = read(package(tbl(rows, 3)), "x.docx").tables
    # a: first row, nothing above; d/e: the cell above is two columns wide, they are one.
    assert {c.text: (c.row, c.col, c.row_span, c.col_span) for c in t.cells} == {
        "a": (0, 0, 1, 1),
        "b": (0, 1, 1, 2),
        "c": (1, 0, 1, 1),
        "d": (1, 1, 1, 1),
        "e": (1, 2, 1, 1),
    }


def test_text_left_in_vmerge_placeholder_is_kept_on_anchor() -> None:
    rows = [
        "<w:tr>" + tc("上", "<w:vMerge w:val='restart'/>") + "</w:tr>",
        "<w:tr>" + tc("下", "<w:vMerge w:val='continue'/>") + "</w:tr>",
    ]
    (t,) = read(package(tbl(rows, 1)), "x.docx").tables
    assert [(c.text, c.row_span) for c in t.cells] == [("上\n下", 2)]


def test_content_controls_around_blocks_rows_and_cells() -> None:
    def sdt(inner: str) -> str:
        return f"<w:sdt><w:sdtPr/><w:sdtContent>{inner}</w:sdtContent></w:sdt>"

    rows = [
        "<w:tr>" + tc("a") + sdt(tc("b")) + "</w:tr>",
        sdt("<w:tr>" + tc("c") + tc("d") + "</w:tr>"),
    ]
    body = p("前") + sdt(p("控件内") + tbl(rows, 2)) + p("后")
    doc = read(package(body), "x.docx")
    assert [b.text for b in doc.paragraphs] == ["前", "控件内", "后"]
    assert doc.paragraphs[1].prov.path == "body/sdt[1]/sdtContent/p[1]"  # type: ignore[union-attr]
    (t,) = doc.tables
    assert t.grid() == [["a", "b"], ["c", "d"]]
    assert t.prov.path == "body/sdt[1]/sdtContent/tbl[1]"  # type: ignore[union-attr]
    assert find(t, "b").prov.path == "body/sdt[1]/sdtContent/tbl[1]/tr[1]/sdt[1]/sdtContent/tc[1]"  # type: ignore[union-attr]
    assert find(t, "c").prov.path == "body/sdt[1]/sdtContent/tbl[1]/sdt[1]/sdtContent/tr[1]/tc[1]"  # type: ignore[union-attr]
    assert doc.blocks.index(t) == 2


TEXT_BOX = (
    "<w:p><w:r><w:t>宿主段落</w:t></w:r><w:r><mc:AlternateContent>"
    "<mc:Choice Requires='wps'><w:drawing><wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:txbx>"
    "<w:txbxContent>{inner}</w:txbxContent>"
    "</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
    "<mc:Fallback><w:pict><v:rect><v:textbox><w:txbxContent>{inner}</w:txbxContent>"
    "</v:textbox></v:rect></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    "<w:r><w:t>续</w:t></w:r></w:p>"
)


def test_text_box_paragraphs_follow_their_host_once() -> None:
    body = TEXT_BOX.format(inner=p("框内一") + p("框内二")) + p("下一段")
    doc = read(package(body), "x.docx")
    assert [b.text for b in doc.paragraphs] == ["宿主段落续", "框内一", "框内二", "下一段"]
    assert doc.paragraphs[1].prov.path == "body/p[1]/txbxContent[1]/p[1]"  # type: ignore[union-attr]


def test_text_box_in_cell_goes_into_cell_text() -> None:
    cell = "<w:tc>" + TEXT_BOX.format(inner=p("框")) + "</w:tc>"
    (t,) = read(package(tbl([f"<w:tr>{cell}{tc('x')}</w:tr>"], 2)), "x.docx").tables
    assert t.grid() == [["宿主段落续\n框", "x"]]


def test_nested_table_is_flattened_into_cell_text() -> None:
    inner = tbl(["<w:tr>" + tc("内1") + tc("内2") + "</w:tr>", "<w:tr>" + tc("内3") + tc("") + "</w:tr>"])
    rows = ["<w:tr><w:tc>" + p("外") + inner + "<w:p/></w:tc>" + tc("b") + "</w:tr>"]
    doc = read(package(tbl(rows, 2)), "x.docx")
    (t,) = doc.tables  # the nested table is not a block of its own
    assert t.grid() == [["外\n内1\t内2\n内3", "b"]]


def test_deleted_text_field_codes_and_tab_stops_are_not_printed() -> None:
    para = (
        "<w:p><w:pPr><w:tabs><w:tab w:val='left' w:pos='420'/></w:tabs></w:pPr>"
        "<w:r><w:t>保留</w:t></w:r>"
        "<w:del w:id='1' w:author='x'><w:r><w:tab/><w:delText>删掉</w:delText></w:r></w:del>"
        "<w:r><w:instrText> PAGE </w:instrText></w:r>"
        "<w:ins w:id='2' w:author='x'><w:r><w:t>插入</w:t></w:r></w:ins>"
        "<w:hyperlink><w:r><w:t>链接</w:t></w:r></w:hyperlink>"
        "</w:p>"
    )
    doc = read(package(para + tbl([f"<w:tr><w:tc>{para}</w:tc></w:tr>"], 1)), "x.docx")
    assert doc.paragraphs[0].text == "保留插入链接"
    assert doc.tables[0].cells[0].text == "保留插入链接"


def test_tab_stops_in_streamed_table_are_not_printed() -> None:
    para = "<w:p><w:pPr><w:tabs><w:tab w:val='left' w:pos='420'/></w:tabs></w:pPr><w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t><w:br/><w:t>丙</w:t></w:r></w:p>"
    (t,) = read(package(p("x") + tbl([f"<w:tr><w:tc>{para}</w:tc></w:tr>"], 1)), "x.docx").tables
    assert t.cells[0].text == "甲\t乙\n丙"


def test_headers_and_footers_are_not_body_text() -> None:
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "页眉文字"
    d.sections[0].footer.paragraphs[0].text = "第 1 页"
    d.add_paragraph("正文")
    assert [b.text for b in read(saved(d), "x.docx").blocks] == ["正文"]


# --- property: random merge layouts ----------------------------------------------------


@st.composite
def layouts(draw: st.DrawFn) -> tuple[int, int, list[int], list[tuple[int, int, int, int]]]:
    """A grid cut into rectangles, with some rows starting after skipped columns.

    Returns (rows, cols, gridBefore per row, rectangles as (row, col, height, width)).
    """
    n_rows = draw(st.integers(1, 7))
    n_cols = draw(st.integers(1, 7))
    before = [draw(st.integers(0, min(2, n_cols - 1))) for _ in range(n_rows)]
    taken = [[k < before[r] for k in range(n_cols)] for r in range(n_rows)]
    rects = []
    for r in range(n_rows):
        for k in range(n_cols):
            if taken[r][k]:
                continue
            max_w = 1
            while k + max_w < n_cols and not taken[r][k + max_w]:
                max_w += 1
            w = draw(st.integers(1, max_w))
            max_h = 1
            while r + max_h < n_rows and not any(taken[r + max_h][k : k + w]):
                max_h += 1
            h = draw(st.integers(1, max_h))
            for rr in range(r, r + h):
                for kk in range(k, k + w):
                    taken[rr][kk] = True
            rects.append((r, k, h, w))
    return n_rows, n_cols, before, rects


def layout_xml(draw: st.DrawFn, n_rows: int, n_cols: int, before: list[int], rects: list) -> str:
    """The rectangles as WordprocessingML, spelling each merge one of the legal ways."""
    owner = {}
    for r, k, h, w in rects:
        for rr in range(r, r + h):
            owner[(rr, k)] = (r, k, h, w)
    rows = []
    for r in range(n_rows):
        pr = f"<w:trPr><w:gridBefore w:val='{before[r]}'/></w:trPr>" if before[r] else ""
        cells = []
        for k in range(n_cols):
            if (r, k) not in owner:
                continue
            r0, k0, h, w = owner[(r, k)]
            v = ""
            if h > 1:
                v = (
                    "<w:vMerge w:val='restart'/>"
                    if r == r0
                    else draw(st.sampled_from(["<w:vMerge/>", "<w:vMerge w:val='continue'/>"]))
                )
            text = f"{r0}.{k0}" if r == r0 else ""
            if w > 1 and draw(st.booleans()):
                cells.append(tc(text, "<w:hMerge w:val='restart'/>" + v))
                cells += [tc("", "<w:hMerge/>" + v)] * (w - 1)
            else:
                cells.append(tc(text, (f"<w:gridSpan w:val='{w}'/>" if w > 1 else "") + v))
        rows.append(f"<w:tr>{pr}{''.join(cells)}</w:tr>")
    return tbl(rows, n_cols)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout=layouts(), data=st.data())
def test_random_merge_layouts(layout: tuple, data: st.DataObject) -> None:
    n_rows, n_cols, before, rects = layout
    (t,) = read(package(p("x") + layout_xml(data.draw, n_rows, n_cols, before, rects)), "x.docx").tables
    assert (t.n_rows, t.n_cols) == (n_rows, n_cols)
    assert sorted((c.row, c.col, c.row_span, c.col_span) for c in t.cells) == sorted(rects)
    for c in t.cells:
        assert c.text == f"{c.row}.{c.col}"
    cover = coverage(t)
    for r in range(n_rows):
        assert cover[r] == [0] * before[r] + [1] * (n_cols - before[r])


@settings(max_examples=25, deadline=None)
@given(layout=layouts())
def test_random_merges_written_by_python_docx(layout: tuple) -> None:
    n_rows, n_cols, _, rects = layout
    d = docx.Document()
    table = d.add_table(rows=n_rows, cols=n_cols)
    for r, k, h, w in rects:
        merged = (
            table.cell(r, k).merge(table.cell(r + h - 1, k + w - 1)) if (h, w) != (1, 1) else table.cell(r, k)
        )
        merged.text = f"{r}.{k}"
    (t,) = read(saved(d), "x.docx").tables
    got = sorted((c.row, c.col, c.row_span, c.col_span) for c in t.cells)
    # python-docx cannot leave slots without a cell; the skipped slots come back as 1x1 cells.
    expected = sorted(
        [(r, k, h, w) for r, k, h, w in rects]
        + [
            (r, k, 1, 1)
            for r in range(n_rows)
            for k in range(n_cols)
            if not any(a <= r < a + h and b <= k < b + w for a, b, h, w in rects)
        ]
    )
    assert got == expected
    assert all(n == 1 for row in coverage(t) for n in row)


# --- bad input -----------------------------------------------------------------------------


def test_empty_bytes() -> None:
    with pytest.raises(EmptyDocument):
        read(b"", "x.docx")


def test_empty_body() -> None:
    with pytest.raises(EmptyDocument):
        read(package("<w:p/><w:p><w:r><w:t>  </w:t></w:r></w:p><w:sectPr/>"), "x.docx")


def test_truncated_docx() -> None:
    data = TEMPLATE.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 30):
        with pytest.raises(CorruptDocument, match=r"^corrupt DOCX: "):
            read(data[:cut], "x.docx")


def test_pdf_bytes_named_docx() -> None:
    with pytest.raises(CorruptDocument, match="not a zip"):
        read(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "report.docx")


@given(st.binary(min_size=1, max_size=300))
def test_random_bytes(data: bytes) -> None:
    with pytest.raises((CorruptDocument, EmptyDocument)):
        read(data, "x.docx")


@given(st.binary(max_size=200))
def test_random_bytes_after_a_zip_signature(tail: bytes) -> None:
    with pytest.raises(CorruptDocument):
        read(b"PK\x03\x04" + tail, "x.docx")


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_damaged_template(data: st.DataObject) -> None:
    """Truncated anywhere or with bytes overwritten: a clean error or a readable document."""
    raw = bytearray(TEMPLATE.read_bytes())
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    try:
        doc = read(bytes(raw), "x.docx")
    except (CorruptDocument, EmptyDocument) as exc:
        assert "\n" not in str(exc)
    else:
        assert doc.blocks


def test_zip_without_document_part() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
    with pytest.raises(CorruptDocument) as err:
        read(buf.getvalue(), "x.docx")
    assert str(err.value) == "corrupt DOCX: missing word/document.xml"


def test_zip_that_is_not_a_package() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(CorruptDocument, match="missing"):
        read(buf.getvalue(), "x.docx")


def test_broken_xml() -> None:
    with pytest.raises(CorruptDocument) as err:
        read(package("", document="<w:document><w:body><w:p>"), "x.docx")
    assert "\n" not in str(err.value)
    assert str(err.value).startswith("corrupt DOCX: ")
