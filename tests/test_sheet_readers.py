"""Spreadsheet readers (.xlsx, .xls): merged cells as spans, tables cut from prose, bad input."""

from __future__ import annotations

import datetime as dt
import io
import random
import struct
import zipfile

import openpyxl
import pytest
from openpyxl.styles import Border, Side

from nianbao.extract.detect import Format, detect
from nianbao.extract.errors import CorruptDocument, EmptyDocument, EncryptedDocument
from nianbao.extract.model import Paragraph, Table
from nianbao.extract.readers import xls, xlsx
from nianbao.extract.readers._sheet import Sheet, col_letters, number_text, sheet_blocks
from nianbao.normalize.pipeline import process

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def workbook(build) -> bytes:
    wb = openpyxl.Workbook()
    build(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def small_report(wb) -> None:
    ws = wb.active
    ws.title = "表三"
    ws["A1"] = "某某局2022年政府信息公开工作年度报告"
    ws["A2"] = "三、收到和处理政府信息公开申请情况"
    ws["A3"] = "本列数据的勾稽关系"
    ws.merge_cells("A3:B4")
    ws["C3"] = "申请人情况"
    ws.merge_cells("C3:D3")
    ws["C4"] = "自然人"
    ws["D4"] = "总计"
    ws["A5"] = "一、本年新收政府信息公开申请数量"
    ws.merge_cells("A5:B5")
    ws["C5"] = 12
    ws["D5"] = 12.0
    ws["A6"] = "三、本年度办理结果"
    ws.merge_cells("A6:A7")
    ws["B6"] = "（一）予以公开"
    ws["C6"] = "—"
    ws["B7"] = "（二）部分公开"
    for row in ws["A3:D8"]:
        for cell in row:
            cell.border = BOX
    ws["A8"] = "（三）不予公开"  # values blank, bordered: still a row of the table
    ws["A10"] = "注：本表按件统计。"
    hidden = wb.create_sheet("草稿")
    hidden["A1"] = "不应读出"
    hidden.sheet_state = "hidden"


def test_xlsx_merges_become_spans_and_headings_paragraphs():
    doc = xlsx.read(workbook(small_report), "r.xlsx")
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds == ["Paragraph", "Paragraph", "Table", "Paragraph"]
    _title, heading, table, note = doc.blocks
    assert heading.text == "三、收到和处理政府信息公开申请情况" and heading.prov.path == "表三!A2"
    assert isinstance(table, Table) and (table.n_rows, table.n_cols) == (6, 4)
    assert table.prov.path == "表三!A3:D8"
    grid = table.grid()
    assert grid[0] == ["本列数据的勾稽关系", None, "申请人情况", None]
    assert grid[1] == [None, None, "自然人", "总计"]
    assert grid[2] == ["一、本年新收政府信息公开申请数量", None, "12", "12"]
    assert grid[3] == ["三、本年度办理结果", "（一）予以公开", "—", ""]
    assert grid[4] == [None, "（二）部分公开", "", ""]
    assert grid[5] == ["（三）不予公开", "", "", ""]  # printed blanks, not merged slots
    cell = next(c for c in table.cells if c.text == "三、本年度办理结果")
    assert (cell.row_span, cell.col_span, cell.prov.path) == (2, 1, "表三!A6")
    assert isinstance(note, Paragraph) and note.text.startswith("注")
    assert "不应读出" not in " ".join(p.text for p in doc.paragraphs)  # hidden sheet skipped


def test_xlsx_shared_and_rich_strings():
    """A workbook as Excel writes it: shared strings (one with rich runs and a phonetic guide)."""
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1"><v>3</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="b"><v>1</v></c><c r="C2" t="str"><f>A1</f><v>x</v></c></row>'
        "</sheetData></worksheet>"
    )
    strings = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>信息内容</t></si>"
        "<si><r><t>本年</t></r><r><t>制发件数</t></r><rPh><t>ふりがな</t></rPh></si>"
        "<si><t>规章</t></si></sst>"
    )
    data = _package(sheet, strings)
    assert detect(data, "x.bin") == Format.XLSX
    (table,) = xlsx.read(data, "x.xlsx").tables
    assert table.grid() == [["信息内容", "本年制发件数", "3"], ["规章", "TRUE", "x"]]


def _package(sheet: str, strings: str, styles: str | None = None, date1904: bool = False) -> bytes:
    ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    od = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    buf = io.BytesIO()
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{ns}"><Relationship Id="r1" Type="{od}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{od}">'
            + ('<workbookPr date1904="1"/>' if date1904 else "")
            + '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{ns}"><Relationship Id="rId1" Type="{od}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{od}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{od}/styles" Target="styles.xml"/></Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/sharedStrings.xml", strings)
        if styles is not None:
            z.writestr("xl/styles.xml", styles)
    return buf.getvalue()


def test_generated_xlsx_reports_read_exactly():
    from nianbao.corpus.synth import render_xlsx, report

    for seed in range(6):
        rng = random.Random(seed)
        rep = report.build("xlsx", "mixed", rng, with_error=False)
        r = process(render_xlsx.render(rep, rng), "r.xlsx")
        assert r.status == "ok", r.error
        got = {(c.table, c.row, c.col): c.value for c in r.cells}
        assert all(got.get(k, "absent") == v for k, v in rep.values.items())


def test_xlsx_bad_input():
    data = workbook(small_report)
    with pytest.raises(CorruptDocument):
        xlsx.read(data[: len(data) // 2], "r.xlsx")
    with pytest.raises(EmptyDocument):
        xlsx.read(b"", "r.xlsx")
    with pytest.raises(EmptyDocument):
        xlsx.read(workbook(lambda wb: None), "r.xlsx")
    # Excel's "encrypt with password": an OLE file holding EncryptedInfo and EncryptedPackage.
    ole = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le") + bytes(64)
    )
    assert detect(ole, "r.xlsx") == Format.XLSX
    r = process(ole, "r.xlsx")
    assert r.status == "failed" and "password" in r.error
    assert detect(ole, "r.docx") == Format.DOCX
    assert "password" in process(ole, "r.docx").error


def test_xlsx_named_docx_is_read_as_xlsx():
    r = process(workbook(small_report), "report.docx")
    assert r.format == "xlsx"


def _xls(build, encrypt: bool = False) -> bytes:
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook(encoding="utf-8")
    build(wb, xlwt)
    if encrypt:  # a FILEPASS record (RC4, as Excel writes for "password to open") after BOF
        original = wb.get_biff_data

        def with_filepass():
            data = original()
            (size,) = struct.unpack_from("<H", data, 2)
            return data[: 4 + size] + struct.pack("<HHHHH", 0x2F, 6, 1, 1, 1) + data[4 + size :]

        wb.get_biff_data = with_filepass
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xls_table(wb, xlwt) -> None:
    ws = wb.add_sheet("表四")
    style = xlwt.easyxf("borders: left thin, right thin, top thin, bottom thin")
    ws.write(0, 0, "四、政府信息公开行政复议、行政诉讼情况")
    ws.write_merge(1, 1, 0, 1, "行政复议", style)
    ws.write_merge(1, 1, 2, 3, "行政诉讼", style)
    for c, label in enumerate(("结果维持", "总计", "结果维持", "总计")):
        ws.write(2, c, label, style)
    ws.write(3, 0, 1, style)
    ws.write(3, 1, 1.5, style)
    ws.write(3, 2, "", style)
    ws.write(3, 3, "/", style)
    hidden = wb.add_sheet("隐藏")
    hidden.write(0, 0, "不应读出")
    hidden.visibility = 1  # BOUNDSHEET: hidden


def test_xls_merges_and_values():
    data = _xls(_xls_table)
    assert detect(data, "t.bin") == Format.XLS
    doc = xls.read(data, "t.xls")
    heading, table = doc.blocks
    assert heading.text.startswith("四、") and heading.prov.path == "表四!A1"
    assert table.grid() == [
        ["行政复议", None, "行政诉讼", None],
        ["结果维持", "总计", "结果维持", "总计"],
        ["1", "1.5", "", "/"],
    ]
    assert table.cells[0].col_span == 2
    assert "不应读出" not in doc.text()


def test_xls_bad_input():
    data = _xls(_xls_table)
    with pytest.raises(CorruptDocument):
        xls.read(data[:1500], "t.xls")
    with pytest.raises(EncryptedDocument):
        xls.read(_xls(_xls_table, encrypt=True), "t.xls")
    r = process(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "t.xls")
    assert r.status == "failed"


def test_sheet_blocks_cut_at_empty_rows_and_keep_lone_table_rows():
    sheet = Sheet("S")
    sheet.cells = {
        (0, 0): "二、主动公开政府信息情况",
        (1, 0): "第二十条第（一）项",  # a lone short row: part of the table
        (2, 0): "信息内容",
        (2, 1): "本年制发件数",
        (3, 0): "规章",
        (3, 1): "3",
        (5, 0): "一二三四五六七八九十" * 5,  # a long line after an empty row: narrative
    }
    sheet.merges = [(1, 0, 1, 1)]
    blocks = sheet_blocks(sheet)
    assert [type(b).__name__ for b in blocks] == ["Paragraph", "Table", "Paragraph"]
    assert blocks[1].grid() == [["第二十条第（一）项", None], ["信息内容", "本年制发件数"], ["规章", "3"]]


def test_number_and_column_helpers():
    assert [number_text(v) for v in (12.0, 12.5, 0.1 + 0.2, 1e20)] == [
        "12",
        "12.5",
        "0.3",
        "100000000000000000000",
    ]
    assert [col_letters(c) for c in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


# --- dates stored as serial numbers -----------------------------------------------


def test_xlsx_date_cells_read_as_printed():
    """Dates typed into Excel are serial numbers shown through a date format: the reader
    gives what is printed, and a report's date in a sheet reaches the metadata."""

    def build(wb) -> None:
        small_report(wb)
        ws = wb["表三"]
        ws["A12"] = dt.date(2023, 1, 18)
        ws["A12"].number_format = 'yyyy"年"m"月"d"日"'
        ws["A13"] = dt.datetime(2023, 1, 18, 14, 5)
        ws["A13"].number_format = "yyyy-mm-dd h:mm"
        ws["A14"] = 45306  # a number in a General cell stays a number
        ws["A15"] = dt.date(2024, 1, 15)
        ws["A15"].number_format = "[$-804]yyyy\\年m\\月"

    doc = xlsx.read(workbook(build), "r.xlsx")
    texts = [p.text for p in doc.paragraphs]
    assert texts[-4:] == ["2023年1月18日", "2023-01-18 14:05", "45306", "2024年1月"]
    r = process(workbook(build), "r.xlsx")
    assert r.meta.published == "2023-01-18"


def test_xlsx_builtin_date_formats_and_the_1904_system():
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" s="1"><v>45306</v></c><c r="B1" s="2"><v>45306.75</v></c>'
        '<c r="C1" s="3"><v>60</v></c><c r="D1" s="0"><v>12</v></c></row>'
        "</sheetData></worksheet>"
    )
    styles = (
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="31"/><xf numFmtId="14"/><xf numFmtId="14"/></cellXfs>'
        "</styleSheet>"
    )
    (table,) = xlsx.read(_package(sheet, "<sst/>", styles=styles), "x.xlsx").tables
    # 31: 年月日 in the Chinese locale; 14: the short date; day 60 of 1900 never was: its number
    assert table.grid() == [["2024年1月15日", "2024/1/15", "60", "12"]]
    (table,) = xlsx.read(_package(sheet, "<sst/>", styles=styles, date1904=True), "x.xlsx").tables
    assert table.grid()[0][:2] == ["2028年1月16日", "2028/1/16"]


def test_date_format_codes():
    from nianbao.extract.readers._numfmt import date_text, is_date_format

    assert date_text(45306.6, 'yyyy"年"m"月"d"日" h"时"mm"分"') == "2024年1月15日 14时24分"
    assert date_text(45306.6, "m/d/yy h:mm AM/PM") == "1/15/24 2:24 PM"
    assert date_text(45306.6, "上午/下午h:mm") == "下午2:24"
    assert date_text(45306, "dddd, mmmm dd, yyyy") == "Monday, January 15, 2024"
    assert date_text(1.5, "[h]:mm") == "36:00"
    assert date_text(-1, "yyyy") is None and date_text(3e6, "yyyy") is None
    for code in ("yyyy/m/d", "[$-F800]dddd", "h:mm:ss", 'm"月"d"日"'):
        assert is_date_format(code), code
    for code in ("General", "0.00", "#,##0_);[Red](#,##0)", '0"件"', "0.00E+00", '"days"0'):
        assert not is_date_format(code), code
