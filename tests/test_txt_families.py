"""Text flattenings nobody here designed: each family built from its own shape.

* ``pdftotext -layout`` of a real PDF (fixtures/layout), and small laid-out snippets;
* one cell per line with long labels wrapped onto lines without a tab;
* pipe tables as HTML-to-Markdown converters and crawlers write them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nianbao.extract.model import Table
from nianbao.extract.readers import txt
from nianbao.extract.readers._txt_layout import fragments, header_leaves, is_page_line, merge_header
from nianbao.normalize.pipeline import process
from tests.conftest import FIXTURES, REAL

LAYOUT = FIXTURES / "layout"


def _tables(text: str) -> list[list[list[str]]]:
    doc = txt.read(text.encode("utf-8"))
    return [[[c.text for c in row] for row in b.rows()] for b in doc.blocks if isinstance(b, Table)]


def _cells(text: str) -> dict[tuple[str, str, str], float | None]:
    report = process(text.encode("utf-8"), "t.txt")
    return {(c.table, c.row, c.col): c.value for c in report.cells}


def test_real_pdftotext_layout_every_cell():
    truth = json.loads((REAL / "truth" / "2024_huaian_szf.json").read_text("utf-8"))
    path = LAYOUT / "2024_huaian_szf.pdftotext.txt"
    report = process(path.read_bytes(), str(path))
    got = {(c.table, c.row, c.col): c.value for c in report.cells}
    wrong = [
        (k, want, got.get(k, "absent"))
        for c in truth["cells"]
        for k, want in [((c["table"], c["row"], c["col"]), c["value"])]
        if got.get(k, "absent") != want
    ]
    assert not wrong, wrong[:5]
    assert report.status == "ok" and report.meta.agency == truth["agency"]
    assert not [f for f in report.findings if f.severity == "error"]


def test_fragments_and_page_lines():
    assert [f.text for f in fragments("规章            1          0        11")] == ["规章", "1", "0", "11"]
    assert [f.text for f in fragments("第二十条 第（一）项")] == ["第二十条 第（一）项"]
    assert [f.text for f in fragments("行政处罚   3 0 12")] == ["行政处罚", "3", "0", "12"]
    assert all(is_page_line(s) for s in ("-3-", "  - 12 -  ", "第2页", "第 2 页 共 6 页", "3/6"))
    assert not is_page_line("2024年")


def test_header_words_split_over_lines_are_joined():
    frags = fragments("商业企   科研机") + fragments("业       构")
    assert merge_header(frags, [1, 1, 2, 2]) == ["商业企业", "科研机构"]


LAID_OUT_T3 = """\
三、收到和处理政府信息公开申请情况
                               自然人      商业企业   科研机构   社会公益组织   法律服务机构   其他     总计

一、本年新收政府信息公开申请数量       5          1          0          0          0          0      6

二、上年结转政府信息公开申请数量       0          0          0          0          0          0      0

      （一）予以公开                   3          1          0          0          0          0      4
      （二）部分公开（区分处理的，只计这一情
                                1          0          0          0          0          0      1
      形，不计其他情形）

                                                 -2-
\f
             1.属于国家秘密            0          0          0          0          0          0      0
"""


def test_laid_out_rows_wrapped_labels_and_page_breaks():
    rows = _tables(LAID_OUT_T3)[0]
    labels = [r[0] for r in rows if len(r) == 8]
    assert "（二）部分公开（区分处理的，只计这一情形，不计其他情形）" in labels
    assert "1.属于国家秘密" in labels
    assert not any("-2-" in c for r in rows for c in r)
    cells = _cells(LAID_OUT_T3)
    assert cells[("t3", "partial", "natural_person")] == 1
    assert cells[("t3", "partial", "total")] == 1
    assert cells[("t3", "new_received", "total")] == 6


def test_laid_out_blank_cell_stays_blank_in_its_column():
    text = """\
二、主动公开政府信息情况
信息内容          本年制发件数     本年废止件数   现行有效件数

规章                   1                             11

行政规范性文件         8               26            66

第二十条第（五）项
信息内容          本年处理决定数量

行政许可               4
\f"""  # pdftotext ends each page with a form feed
    cells = _cells(text)
    assert cells[("t2", "regulation", "issued")] == 1
    assert cells[("t2", "regulation", "repealed")] is None  # blank: not a shifted neighbour, not 0
    assert cells[("t2", "regulation", "in_force")] == 11


def test_one_cell_per_line_label_wrapped_without_tab():
    text = (
        "\t信息内容\n\t本年收费金额\n（单位：万元）\n\n\t行政事业性收费\n\t65.73\n\n"
        "三、收到和处理政府信息公开申请情况\n"
    )
    rows = _tables(text)[0]
    assert rows == [["信息内容", "本年收费金额（单位：万元）"], ["行政事业性收费", "65.73"]]


@pytest.mark.parametrize("pad", [True, False])
def test_markdown_pipe_table(pad):
    gap = " |  |" if pad else " |"
    text = (
        "| 第二十条第（一）项 |" + ("  |  |  |" if pad else "") + "\n"
        "| --- | --- | --- | --- |\n"
        "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n"
        "| 规章 | 0 | 0 | 2 |\n"
        "| 行政规范性文件 | 3 | 1 | 9 |\n"
        f"| 第二十条第（五）项{gap}" + (" |" if pad else "") + "\n"
    )
    cells = _cells(text)
    assert [cells[("t2", "normative_doc", c)] for c in ("issued", "repealed", "in_force")] == [3, 1, 9]


def test_crawler_cell_lines_closed_by_a_line_of_pipes():
    # one cell a line ending in " |", empty and covered cells dropped, "|" / "||||" ends a row
    text = (
        "二、主动公开政府信息情况\n"
        "第二十条第(一)项 |\n||||\n"
        "信息内容 |\n本年制发件数 |\n本年废止件数 |\n现行有效件数 |\n|\n"
        "规章 |\n0 |\n0 |\n2 |\n|\n"
        "行政规范性文件 |\n4 |\n1 |\n9 |\n|\n"
    )
    rows = _tables(text)[0]
    assert ["规章", "0", "0", "2"] in rows and ["行政规范性文件", "4", "1", "9"] in rows
    cells = _cells(text)
    assert [cells[("t2", "normative_doc", c)] for c in ("issued", "repealed", "in_force")] == [4, 1, 9]


def test_crawler_rows_on_a_line_without_a_leading_pipe():
    text = (
        "三、收到和处理政府信息公开申请情况\n"
        "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) | 申请人情况 |\n"
        "自然人 | 法人或其他组织 | 总计 |\n"
        "商业 企业 | 科研 机构 | 社会公益组织 | 法律服务机构 | 其他 |\n"
        "一、本年新收政府信息公开申请数量 | 58 | 7 | 0 | 0 | 1 | 0 | 66 |\n"
        "二、上年结转政府信息公开申请数量 | 2 | 0 | 0 | 0 | 0 | 0 | 2 |\n"
        "三、本年度办理结果 | (一)予以公开 | 2 | 1 | 0 | 0 | 0 | 0 | 3 |\n"
    )
    cells = _cells(text)
    assert (
        cells[("t3", "new_received", "natural_person")] == 58 and cells[("t3", "new_received", "total")] == 66
    )
    assert cells[("t3", "granted", "commercial")] == 1


def test_markdown_files_are_read_but_not_a_folders_notes(tmp_path):
    from nianbao.corpus.run import iter_listing

    for name in ("2024_report.md", "README.md", "CHANGELOG.md", "page.txt"):
        (tmp_path / name).write_text("x", "utf-8")
    listed = sorted(Path(p).name for p, _size, _mtime in iter_listing([tmp_path]))
    assert listed == ["2024_report.md", "page.txt"]


def test_values_with_blanks_take_their_columns_in_order_even_when_the_line_drifts():
    from nianbao.extract.readers._txt_layout import place

    centres = [10.0, 20.0, 30.0, 40.0]
    assert place([10, 30, 40], centres) == [0, 2, 3]
    assert place([24, 44], centres) == [1, 3]  # the whole line four places right
    assert place([20, 21], centres) == [1, 2]  # two values never share a column


def test_crawler_markdown_with_compact_empty_cells_and_shifted_headers():
    # the shape a crawler gives of a real report page: merged cells left as "||" runs at the
    # row's end, 表三's second header row shifted left by the rowspan above it
    text = (
        "二、主动公开政府信息情况\n"
        "| 第二十条  第(一)项 | |||\n"
        "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 | \n"
        "| 规章 | 0 | 0 | 0 | \n"
        "| 行政规范性文件 | 2 | 1 | 7 | \n"
        "| 第二十条  第(五)项 | |||\n"
        "| 信息内容 | 本年处理决定数量 | ||\n"
        "| 行政许可 | 5 | ||\n"
        "三、收到和处理政府信息公开申请情况\n"
        "| (本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) | 申请人情况 | ||||||||\n"
        "| 自然人 | 法人或其他组织 | 总计 | |||||||\n"
        "| 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | |||||\n"
        "| 一、本年新收政府信息公开申请数量 | 2 | 1 | 0 | 0 | 0 | 0 | 3 | ||\n"
        "| 三、本年度办理结果 | (一)予以公开 | 2 | 1 | 0 | 0 | 0 | 0 | 3 | |\n"
        "| (三)不予公开 | 1.属于国家秘密 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | |\n"
    )
    cells = _cells(text)
    assert [cells[("t2", "normative_doc", c)] for c in ("issued", "repealed", "in_force")] == [2, 1, 7]
    assert cells[("t2", "admin_license", "decisions")] == 5
    assert cells[("t3", "new_received", "commercial")] == 1 and cells[("t3", "new_received", "total")] == 3
    assert cells[("t3", "granted", "natural_person")] == 2 and cells[("t3", "granted", "total")] == 3


def test_a_part_heading_wrapped_before_its_last_word_is_still_a_heading():
    from nianbao.extract.sections import heading_number

    assert heading_number("四、因政府信息公开工作被申请行政复议、提起行政诉讼") == 4
    assert heading_number("四、结转下年度继续办理") is None


def test_an_amount_printed_with_its_unit_is_a_value():
    from nianbao.extract.readers._txt_layout import fragments

    assert [
        f.text
        for f in fragments("      政府集中采购                0                                   174.58元")
    ] == [
        "政府集中采购",
        "0",
        "174.58元",
    ]


def test_each_page_of_a_laid_out_table_has_its_own_columns():
    # page 2 of the same table is laid out further right; a blank cell on each page
    text = (
        "三、收到和处理政府信息公开申请情况\n"
        "                  自然人  商业企业  科研机构  社会公益组织  法律服务机构  其他  总计\n"
        "一、本年新收政府信息公开申请数量   5     1     0     0     0     0     6\n\n"
        "二、上年结转政府信息公开申请数量   1           0     0     0     0     1\n\n"
        "      （一）予以公开               2     1     0     0     0     0     3\n"
        "                    -1-\n\f"
        "      （七）总计                       4        1        0        0        0        0        5\n\n"
        "四、结转下年度继续办理                 2                 0        0        0        0        2\n"
        "\f"
    )
    cells = _cells(text)
    assert (
        cells[("t3", "carried_over", "commercial")] is None and cells[("t3", "carried_over", "research")] == 0
    )
    assert (
        cells[("t3", "carried_forward", "commercial")] is None
        and cells[("t3", "carried_forward", "total")] == 2
    )
    assert cells[("t3", "carried_forward", "research")] == 0


def test_cells_saved_one_a_line_with_no_mark():
    # an office suite's "save as text": a cell a line, an empty cell an empty line
    body = "\n".join(["0"] * 30)  # enough lone values to be a table text
    text = (
        "二、主动公开政府信息情况\n第二十条第（一）项\n信息内容\n本年制发件数\n本年废止件数\n现行有效件数\n"
        "规章\n0\n\n2\n行政规范性文件\n4\n1\n9\n"
        "三、收到和处理政府信息公开申请情况\n自然人\n法人或其他组织\n总计\n\n\n商业企业\n科研机构\n"
        "一、本年新收政府信息公开申请数量\n2\n\n0\n0\n0\n0\n2\n"
        "（三）不予公开\n5.属于三类内\n部事务信息\n1\n0\n0\n0\n0\n0\n1\n\n"
        f"六、其他需要报告的事项\n无。\n{body}\n"
    )
    cells = _cells(text)
    assert cells[("t2", "regulation", "repealed")] is None and cells[("t2", "regulation", "in_force")] == 2
    assert [cells[("t2", "normative_doc", c)] for c in ("issued", "repealed", "in_force")] == [4, 1, 9]
    assert cells[("t3", "new_received", "commercial")] is None and cells[("t3", "new_received", "total")] == 2
    assert cells[("t3", "denied.internal_affairs", "natural_person")] == 1


def test_cells_saved_one_a_line_blank_rows_wrapped_labels_and_headings():
    # mostly blank cells (too few lone numbers for the count alone), a row all blank
    # (its empty lines, then the next label), a table 二 label wrapped without a mark,
    # a part heading wrapped before its list mark
    text = (
        "二、主动公开政府信息情况\n第二十条 第\n（一）项\n信息内容\n本年制发件数\n本年废止件数\n现行有效件数\n"
        "规章\n\n\n\n行政规\n范性文件\n2\n1\n14\n\n"
        "第二十条第（五）项\n信息内容\n本年处理决定数量\n行政许可\n7\n\n"
        "第二十条第（八）项\n信息内容\n本年收费金额（单位：万元）\n行政事业性收费\n\n\n"
        "三、收到和处理政府信息公开申请情况\n申请人情况\n自然人\n法人或其他组织\n总计\n\n"
        "商业企业\n科研机构\n社会公益组织\n法律服务机构\n其他\n\n\n\n"
        "一、本年新收政府信息公开申\n请数量\n2\n1\n\n\n\n\n3\n"
        "二、上年结转政府信息公开申请数量\n\n\n\n\n\n\n\n"
        "三、本年度办理结果\n（一）予以公开\n1\n\n\n\n\n\n1\n"
        "六、其他需要报告的事项\n无。\n"
    )
    cells = _cells(text)
    assert [cells[("t2", "regulation", c)] for c in ("issued", "repealed", "in_force")] == [None] * 3
    assert [cells[("t2", "normative_doc", c)] for c in ("issued", "repealed", "in_force")] == [2, 1, 14]
    assert cells[("t2", "admin_license", "decisions")] == 7
    assert cells[("t2", "admin_fee", "fee_amount_wan")] is None
    assert (
        cells[("t3", "new_received", "natural_person")] == 2 and cells[("t3", "new_received", "total")] == 3
    )
    assert [cells[("t3", "carried_over", c)] for c in ("natural_person", "total")] == [None, None]
    assert cells[("t3", "granted", "total")] == 1


T4_HEADER = (
    "行政复议\n行政诉讼\n结果维持\n结果纠正\n其他结果\n尚未审结\n总计\n未经复议直接起诉\n复议后起诉\n"
    + "结果维持\n结果纠正\n其他结果\n尚未审结\n总计\n" * 2
)


def _t4(cells_lines: list[str]) -> str:
    body = "\n".join(["0"] * 30)
    return (
        "二、主动公开政府信息情况\n无。\n四、政府信息公开行政复议、行政诉讼情况\n"
        + T4_HEADER
        + "\n" * 5  # the covered slots of 行政复议's outcome cells, which span two header rows
        + "\n".join(cells_lines)
        + f"\n\n五、存在的主要问题及改进情况\n无。\n六、其他需要报告的事项\n无。\n{body}\n"
    )


def test_table_4_saved_one_cell_a_line_after_its_covered_slots():
    groups = ("review", "litigation_direct", "litigation_after_review")
    keys = [f"{g}.{o}" for g in groups for o in ("upheld", "corrected", "other", "pending", "total")]
    # a blank first and last cell: the row starts right after the five covered slots
    values = ["", "1", "0", "0", "1"] + ["0"] * 9 + [""]
    cells = _cells(_t4(values))
    assert [cells[("t4", "count", k)] for k in keys] == [None, 1, 0, 0, 1] + [0] * 9 + [None]


def test_traditional_characters_saved_one_cell_a_line():
    # headings and 無 (no entry) in traditional characters
    body = "\n".join(["0"] * 30)
    text = (
        "二．主動公開政府信息情況\n第二十條第（一）項\n信息內容\n本年制發件數\n本年廢止件數\n現行有效件數\n"
        "規章\n無\n無\n3\n三．收到和處理政府信息公開申請情況\n申請人情況\n自然人\n"
        f"六、其他需要報告的事項\n無。\n{body}\n"
    )
    cells = _cells(text)
    assert [cells[("t2", "regulation", c)] for c in ("issued", "repealed", "in_force")] == [None, None, 3]


def test_laid_out_table_4_row_with_a_blank_takes_the_columns_of_its_header():
    # pdftotext -layout of a generated PDF: table 四's one row prints 14 values for 15
    # columns (复议后起诉's 尚未审结 is blank); the header's bottom words place them
    path = LAYOUT / "t4_row_with_a_blank.pdftotext.txt"
    report = process(path.read_bytes(), str(path))
    got = {c.col: c.value for c in report.cells if c.table == "t4"}
    assert got["litigation_after_review.upheld"] is None  # printed —
    assert got["litigation_after_review.pending"] is None  # printed blank
    assert [got[f"litigation_after_review.{o}"] for o in ("corrected", "other", "total")] == [0, 0, 0]
    assert len(got) == 15 and sum(v is None for v in got.values()) == 2


def test_header_leaves_skip_group_labels_and_split_word_tops():
    frags = [
        fragments(line)
        for line in ("  行政复议        复议后起诉", "结果 其他       结果", "维持 结果       纠正")
    ]
    flat = [f for line in frags for f in line]
    nos = [k for k, line in enumerate(frags) for _f in line]
    assert header_leaves(flat, nos) == [1.0, 4.0, 13.0]  # 维持, 结果 (其他结果), 纠正
