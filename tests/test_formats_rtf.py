"""RTF: LibreOffice exports read exactly, Word's shapes (GBK escapes, merges), bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nianbao.extract import limits
from nianbao.extract.detect import Format, detect
from nianbao.extract.errors import CorruptDocument, EmptyDocument
from nianbao.extract.model import Paragraph
from nianbao.extract.readers import rtf
from nianbao.normalize.pipeline import process
from tests.conftest import cells_off

RTF = Path(__file__).parent / "fixtures" / "rtf"
TRUTH = {
    rec["file"]: rec
    for rec in (json.loads(line) for line in (RTF / "truth.jsonl").read_text("utf-8").splitlines())
}


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_libreoffice_exports_read_exactly(name: str):
    truth = TRUTH[name]
    r = process((RTF / name).read_bytes(), name)
    assert r.format == "rtf" and r.status in ("ok", "partial"), r.error
    assert r.meta.agency == truth["agency"] and r.meta.year == truth["year"]
    assert r.meta.template == truth["template"]
    assert [s.number for s in r.sections] == [1, 2, 3, 4, 5, 6]
    wrong = cells_off(r, truth)
    assert not wrong, wrong[:3]
    assert all(c.prov.startswith("tbl[") for c in r.cells)
    # the deliberate error the generator put in is printed as such and flagged
    for b in truth["broken"]:
        assert any(f.rule == b["rule"] for f in r.findings), b


def test_vertical_merges_of_table_three():
    doc = rtf.read((RTF / "0002_2019.rtf").read_bytes(), "r.rtf")
    t3 = max(doc.tables, key=lambda t: t.n_rows)
    spanning = [c for c in t3.cells if c.row_span > 1]
    assert spanning and all(t3.grid()[c.row + 1][c.col] is None for c in spanning)
    assert any(c.col_span > 1 for c in t3.cells)


def test_word_shapes_by_hand():
    """GBK escapes under \\ansicpg936 with a \\fcharset134 font, \\uN with its fallback, the
    title of \\info, headers, footers, footnotes, pictures, \\bin data, hidden text and
    field instructions left out, a field's result and list text kept, the row definition
    repeated before \\row, \\clvmgf/\\clvmrg, a cell as wide as two, \\clmgf/\\clmrg."""
    doc = rtf.read((RTF / "word_gbk.rtf").read_bytes(), "r.rtf")
    assert doc.meta == {"title": "某县2023年政府信息公开工作年度报告"}
    paras = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert paras == [
        "某县2023年政府信息公开工作年度报告",
        "一、总体情况",
        "本机关主动公开信息40条",
        "年度报告",
        "二、主动公开政府信息情况",
    ]
    (table,) = doc.tables
    assert table.grid() == [
        ["第二十条第（一）项", None, None, None],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "1", "0", "12"],
        ["行政复议", "维持", "3", None],
        [None, "纠正", "—", None],
        ["合计", "二十", None, "5"],
    ]
    review = next(c for c in table.cells if c.text == "行政复议")
    assert review.row_span == 2 and review.prov.path == "tbl[1]/tr[4]/tc[1]"
    assert next(c for c in table.cells if c.text == "二十").col_span == 2
    assert doc.blocks.index(table) == 4  # between the paragraphs, in reading order


def test_characters():
    def text(body: bytes) -> str:
        return rtf.read(b"{\\rtf1\\ansi\\ansicpg936 " + body + b"\\par}", "r.rtf").text()

    assert text(b"\\u-10176\\u-9216?") == "\U00020000"  # a surrogate pair
    assert text(b"\\uc2\\u24180\\'c4\\'ea\\uc0\\u25253") == "年报"  # \ucN fallbacks skipped
    assert text(b"\\'c4\\'ea\\'b1\\'a8") == "年报"  # GBK pairs
    assert text("年报".encode("gbk")) == "年报"  # 8-bit text written unescaped
    assert text(b"{\\f1 x}\\'a1\\'b6") == "x《"  # no font table: the document's code page
    assert text(b"a\\~b\\emdash c\\{\\}") == "a\xa0b—c{}"
    big5 = b"{\\fonttbl{\\f1\\fcharset136 MingLiU;}}\\f1 \\'a6\\'7e\\'b3\\'f8"
    assert text(big5) == "年報"


def test_wrong_extension_truncation_and_bad_input():
    data = (RTF / "word_gbk.rtf").read_bytes()
    assert detect(data, "report.doc") == Format.RTF  # Word saves RTF under .doc too
    r = process(data, "report.doc")
    assert r.format == "rtf" and r.status != "failed"
    cut = (RTF / "0002_2019.rtf").read_bytes()[:120_000]  # ends inside table 三
    doc = rtf.read(cut, "r.rtf")
    assert any(p.text.startswith("一、") for p in doc.paragraphs)
    r = process(cut, "r.rtf")
    assert r.status in ("ok", "partial", "failed") and r.format == "rtf"
    with pytest.raises(EmptyDocument):
        rtf.read(b"", "r.rtf")
    with pytest.raises(EmptyDocument):
        rtf.read(b"{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}\\par}", "r.rtf")
    with pytest.raises(CorruptDocument):
        rtf.read(b"plain text named .rtf", "r.rtf")


def test_limits():
    deep = b"{\\rtf1 " + b"{" * 10_000 + b"x" + b"}" * 10_000 + b"}"
    with pytest.raises(limits.LimitExceeded, match="nested"):
        rtf.read(deep, "r.rtf")
    assert rtf.read(b"{\\rtf1 a\\bin999999999 xyz}", "r.rtf").text() == "a"  # \bin past the end
    wide = b"{\\rtf1 \\trowd" + b"".join(b"\\cellx%d" % (100 * k) for k in range(1, 400)) + b"\\intbl"
    wide += b"1\\cell" * 399 + b"\\row" * 1 + b"}"
    old, rtf.MAX_CELLS = rtf.MAX_CELLS, 100
    try:
        with pytest.raises(limits.LimitExceeded, match="table"):
            rtf.read(wide, "r.rtf")
    finally:
        rtf.MAX_CELLS = old
    assert rtf.read(wide, "r.rtf").tables[0].n_cols == 399
