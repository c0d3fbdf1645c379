"""The HTML reader on the real Shanghai fragment and on small pages built here."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nianbao.extract.errors import EmptyDocument
from nianbao.extract.model import Document, Table
from nianbao.extract.readers import html

FIXTURE = Path(__file__).parent / "fixtures" / "real" / "2019_shanghai_szfbgt.html"


@pytest.fixture(scope="module")
def shanghai() -> Document:
    return html.read(FIXTURE.read_bytes(), FIXTURE.name)


def _table_with(doc: Document, label: str) -> Table:
    for t in doc.tables:
        if any(c.text == label for c in t.cells):
            return t
    raise AssertionError(f"no table with {label!r}")


def _cell(t: Table, text: str):
    return next(c for c in t.cells if c.text == text)


# ---------------------------------------------------------------- real fixture


def test_shanghai_blocks_in_reading_order(shanghai: Document) -> None:
    assert shanghai.format == "html"
    assert len(shanghai.tables) == 3
    texts = [p.text for p in shanghai.paragraphs]
    assert texts[0] == "2019年上海市人民政府办公厅政府信息公开工作年度报告"
    heads = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况"]
    idx = [texts.index(h) for h in heads]
    assert idx == sorted(idx)
    kinds = [type(b).__name__ for b in shanghai.blocks]
    i3 = shanghai.blocks.index(next(p for p in shanghai.paragraphs if p.text == heads[2]))
    assert kinds[i3 + 1] == "Table"
    assert texts[-1] == "无。"
    # <br /> at the start of the 四 heading paragraph does not produce an empty paragraph.
    assert "四、政府信息公开行政复议、行政诉讼情况" in texts
    assert all(t.strip() == t and t for t in texts)


def test_shanghai_meta(shanghai: Document) -> None:
    assert shanghai.meta["published"] == "2020-01-31"


def test_shanghai_table3_spans(shanghai: Document) -> None:
    t = _table_with(shanghai, "三、本年度办理结果")
    assert (t.n_rows, t.n_cols) == (26, 10)
    group = _cell(t, "三、本年度办理结果")
    assert (group.row, group.col, group.row_span, group.col_span) == (5, 0, 20, 1)
    note = t.cells[0]
    assert note.text.startswith("（本列数据的勾稽关系为")
    assert (note.row_span, note.col_span) == (3, 3)
    assert (_cell(t, "（三）不予公开").row_span, _cell(t, "（四）无法提供").row_span) == (8, 3)
    assert _cell(t, "（五）不予处理").row_span == 5
    grid = t.grid()
    assert grid[3][:4] == ["一、本年新收政府信息公开申请数量", None, None, "821"]
    assert grid[3][5] == ""  # &nbsp; = printed blank
    assert grid[25][0] == "四、结转下年度继续办理"
    assert grid[25][-1] == "72"
    assert grid[5][9] == ""  # 总计 blank on outcome rows
    # every slot covered by exactly one anchor
    anchors = t.anchors()
    assert all(a is not None for row in anchors for a in row)
    assert group.prov is not None and group.prov.path == "table[2]/tr[6]/td[1]"


def test_shanghai_table2_colspan_quirks_and_br(shanghai: Document) -> None:
    t = _table_with(shanghai, "政府集中采购")
    assert t.n_cols == 5
    grid = t.grid()
    assert grid[1] == ["信息内容", "本年新\n制作数量", "本年新\n公开数量", None, "对外公开总数量"]
    row = next(r for r in grid if r[0] == "行政许可")
    assert row == ["行政许可", "0", None, "0", "0"]
    assert next(r for r in grid if r[0] == "政府集中采购")[3] == "251000元"


def test_shanghai_table4(shanghai: Document) -> None:
    t = _table_with(shanghai, "行政复议")
    assert (t.n_rows, t.n_cols) == (4, 15)
    assert t.grid()[3] == ["5", "", "", "2", "7", "8", "", "", "1", "9", "", "", "", "", ""]


# ---------------------------------------------------------------- built pages

PAGE = """<!DOCTYPE html>
<html><head>{meta}<title>2023年某某区政府信息公开工作年度报告_某某区人民政府</title>
<style>p {{ color: red }}</style><script>var x = "<table><tr><td>1</td></tr></table>";</script>
</head><body>
<div class="header"><a href="/">首页</a> <a href="/a">政务公开</a> <a href="/b">互动交流</a></div>
<div class="nav"><ul>
<li><a href="/1">机构</a></li><li><a href="/2">政策</a></li><li><a href="/3">公告</a></li></ul></div>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/x">年度报告</a></div>
<table class="layout" width="1000"><tr><td>
  <table class="xxgk_info"><tr><td>索引号：</td><td>11320800MB1234567X/2024-00012</td>
  <td>主题分类：</td><td>政务公开</td></tr>
  <tr><td>发布机构：</td><td>某某区人民政府办公室</td><td>发文日期：</td><td>2024年1月20日</td></tr></table>
  <div id="zoom" class="article-content">
   <h1>某某区2023年政府信息公开工作年度报告</h1>
   <p>　　本报告由某某区人民政府办公室编制。<br>全文包括总体情况、主动公开政府信息情况等。</p>
   <p>一、总体情况</p>
   <p><span>2023年，本区</span><span>深入推进</span>政务公开工作，
   取得明显成效。</p>
   <p>二、主动公开政府信息情况</p>
   <table border="1"><tbody>
    <tr><td colspan="4"><p>第二十条第（一）项</p></td></tr>
    <tr><td><p>信息<span>内容</span></p></td><td>本年制发<br/>件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
    <tr><td><font>规</font><font>章</font></td><td>&nbsp;1</td><td>0</td><td>11</td></tr>
    <tr><td>行政　规范性文件</td><td>2</td><td>1</td><td>40</td></tr>
   </tbody></table>
   <p>三、收到和处理政府信息公开申请情况</p>
  </div>
  <div class="share">分享到：<a href="#">微信</a><a href="#">微博</a><a href="#">QQ</a></div>
  <p>【打印本页】【关闭窗口】</p>
</td></tr></table>
<div class="footer"><p>主办：某某区人民政府办公室 地址：某某路1号 电话：0517-12345678</p>
<p>网站标识码：3208000001 苏ICP备12345678号</p></div>
</body></html>
"""


def _page(meta: str = '<meta charset="utf-8">') -> str:
    return PAGE.format(meta=meta)


def test_page_with_chrome_and_metadata_box() -> None:
    doc = html.read(_page().encode("utf-8"), "report.html")
    assert doc.meta == {
        "title": "2023年某某区政府信息公开工作年度报告_某某区人民政府",
        "index_no": "11320800MB1234567X/2024-00012",
        "agency": "某某区人民政府办公室",
        "published": "2024-01-20",
    }
    texts = [p.text for p in doc.paragraphs]
    assert texts == [
        "某某区2023年政府信息公开工作年度报告",
        "本报告由某某区人民政府办公室编制。",
        "全文包括总体情况、主动公开政府信息情况等。",
        "一、总体情况",
        "2023年，本区深入推进政务公开工作，取得明显成效。",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
    ]
    assert len(doc.tables) == 1
    t = doc.tables[0]
    assert t.grid() == [
        ["第二十条第（一）项", None, None, None],
        ["信息内容", "本年制发\n件数", "本年废止件数", "现行有效件数"],
        ["规章", "1", "0", "11"],
        ["行政　规范性文件", "2", "1", "40"],
    ]
    # table[1] is the layout table, table[2] the metadata box, table[3] the report table.
    assert t.prov is not None and t.prov.path == "table[3]"
    assert t.cells[-1].prov is not None and t.cells[-1].prov.path == "table[3]/tr[4]/td[4]"
    assert doc.blocks.index(t) == 6


def test_cjk_segment_break_dropped_but_latin_space_kept() -> None:
    page = "<p>政府信息\n公开 of\nthe year 2023</p>"
    assert html.read(page.encode(), "a.html").paragraphs[0].text == "政府信息公开 of the year 2023"


def test_spans_clipped_when_overlapping_or_oversized() -> None:
    page = """<table>
    <tr><td>a</td><td rowspan="9">b</td><td>c</td></tr>
    <tr><td colspan="3">d</td><td>e</td></tr>
    <tr><td rowspan="0">f</td></tr>
    </table>"""
    t = html.read(page.encode(), "a.html").tables[0]
    assert (t.n_rows, t.n_cols) == (3, 3)
    anchors = t.anchors()
    b = anchors[0][1]
    assert b is not None and (b.row_span, b.col_span) == (3, 1)
    d = anchors[1][0]
    assert d is not None and d.col_span == 1  # runs into b's slot: clipped
    assert anchors[1][2] is not None and anchors[1][2].text == "e"
    assert all(a is not None for row in anchors for a in row)


def test_nested_layout_tables_keep_innermost_data_table() -> None:
    page = """<table><tr><td><table><tr><td>
      <p>一、总体情况</p><p>正文。</p>
      <table><tr><td>项目</td><td>数量</td></tr><tr><td>规章</td><td>3</td></tr></table>
    </td></tr></table></td></tr></table>"""
    doc = html.read(page.encode(), "a.html")
    assert [p.text for p in doc.paragraphs] == ["一、总体情况", "正文。"]
    assert [t.grid() for t in doc.tables] == [[["项目", "数量"], ["规章", "3"]]]


def test_report_table_outside_the_main_text_is_kept() -> None:
    body = "".join(f"<p>第{i}段正文内容，政府信息公开工作稳步推进。</p>" for i in range(30))
    page = f"""<div id="a">{body}</div><div class="footer-box">
      <table><tr><td>收到申请</td><td>12</td></tr><tr><td>办结</td><td>10</td></tr></table></div>"""
    doc = html.read(page.encode(), "a.html")
    assert len(doc.tables) == 1
    assert len(doc.paragraphs) == 30


# ---------------------------------------------------------------- encodings


def test_gbk_page_with_meta() -> None:
    data = _page('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">').encode("gbk")
    doc = html.read(data, "a.html")
    assert doc.meta["agency"] == "某某区人民政府办公室"
    assert doc.tables[0].grid()[2][0] == "规章"


def test_gbk_page_without_meta() -> None:
    doc = html.read(_page("").encode("gbk"), "a.html")
    assert doc.paragraphs[0].text == "某某区2023年政府信息公开工作年度报告"


def test_gbk_page_with_wrong_meta() -> None:
    doc = html.read(_page('<meta charset="utf-8">').encode("gb18030"), "a.html")
    assert doc.paragraphs[0].text == "某某区2023年政府信息公开工作年度报告"
    doc = html.read(_page('<meta charset="gbk">').encode("utf-8"), "a.html")
    assert doc.paragraphs[0].text == "某某区2023年政府信息公开工作年度报告"


def test_utf8_bom_and_xml_declaration() -> None:
    page = '<?xml version="1.0" encoding="gbk"?><html><body><p>年度报告</p></body></html>'
    doc = html.read(b"\xef\xbb\xbf" + page.encode("utf-8"), "a.xhtml")
    assert doc.paragraphs[0].text == "年度报告"


def test_empty_page() -> None:
    with pytest.raises(EmptyDocument):
        html.read(b"  \n", "a.html")
    with pytest.raises(EmptyDocument):
        html.read(b"<html><body><script>x=1</script></body></html>", "a.html")


def test_shanghai_golden_cells() -> None:
    """Every hand-checked cell of tables 二/三/四 comes out of the whole pipeline right."""
    import json

    from nianbao.normalize import pipeline

    truth = json.loads((FIXTURE.parent / "truth" / "2019_shanghai_szfbgt.json").read_text("utf-8"))
    report = pipeline.process(FIXTURE.read_bytes(), FIXTURE.name)
    got = {(c.table, c.row, c.col): c.value for c in report.cells}
    wrong = [t for t in truth["cells"] if got.get((t["table"], t["row"], t["col"]), "missing") != t["value"]]
    assert wrong == []


# Random span layouts against a literal transcription of the HTML table model: a
# set of claimed slots, each cell at the first free slot, its span clipped where it
# runs into a claimed slot or past the last row.
_spans = st.lists(
    st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=5),
    min_size=1,
    max_size=6,
)


def _reference_slots(rows: list[list[tuple[int, int]]]) -> set[tuple[int, int, int, int, str]]:
    n_rows = len(rows)
    taken: set[tuple[int, int]] = set()
    placed = set()
    for r, row in enumerate(rows):
        c = 0
        for k, (cs, rs) in enumerate(row):
            while (r, c) in taken:
                c += 1
            cs = cs or 1
            rs = n_rows - r if rs == 0 else max(1, min(rs, n_rows - r))
            width = 1
            while width < cs and (r, c + width) not in taken:
                width += 1
            height = 1
            while height < rs and all((r + height, c + j) not in taken for j in range(width)):
                height += 1
            taken.update((r + i, c + j) for i in range(height) for j in range(width))
            placed.add((r, c, height, width, f"c{r - 1}_{k}"))
            c += width
    n_cols = max(c for _, c in taken) + 1
    holes = {(r, c, 1, 1, "") for r in range(n_rows) for c in range(n_cols) if (r, c) not in taken}
    return placed | holes


@settings(max_examples=300, deadline=None)
@given(_spans)
def test_slot_placement_matches_the_html_table_model(rows: list[list[tuple[int, int]]]) -> None:
    body = "".join(
        "<tr>"
        + "".join(f'<td colspan="{cs}" rowspan="{rs}">c{r}_{k}</td>' for k, (cs, rs) in enumerate(row))
        + "</tr>"
        for r, row in enumerate(rows)
    )
    # A wide header row keeps the table a data table whatever the random rows are.
    header = '<tr><td colspan="3">h</td></tr>'
    doc = html.read(f"<table>{header}{body}</table>".encode(), "a.html")
    t = doc.tables[0]
    got = {(c.row - 1, c.col, c.row_span, c.col_span, c.text) for c in t.cells if c.row > 0}
    want = _reference_slots([[(3, 1)], *rows])
    want = {(r - 1, c, h, w, x) for r, c, h, w, x in want if r > 0}
    assert got == want
    assert [(c.row, c.col) for c in t.cells] == sorted((c.row, c.col) for c in t.cells)


def test_an_impossible_date_in_the_metadata_box_gives_way_to_the_next_field() -> None:
    page = (
        "<div>发布日期：2024年2月30日 成文日期：2024年1月5日</div>"
        "<div><p>一、总体情况</p><p>本机关认真贯彻落实《中华人民共和国政府信息公开条例》，全年主动公开政府信息。</p></div>"
    )
    assert html.read(page.encode(), "a.html").meta.get("published") == "2024-01-05"
