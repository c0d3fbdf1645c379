"""TXT reports: both flattenings of a table, the encodings, images and blank cells."""

from __future__ import annotations

import pytest

from nianbao.extract.errors import EmptyDocument
from nianbao.extract.model import Paragraph, Table
from nianbao.extract.readers.txt import read

CELL_PER_LINE = "标题行\n一、总体情况\n正文。\n[image: image1]\n二、主动公开政府信息情况\n\n\t信息内容\n\t本年制发件数\n\n\t规章\n\t1\n\t\n\n三、收到\n"
ROW_PER_LINE = "前言\n信息内容\t本年制发件数\t本年废止件数\n规章  1  0\n规范性文件\t２\t—\n之后的段落\n"


def test_one_cell_per_line_rows_and_blank_cells():
    doc = read(CELL_PER_LINE.encode(), "a.txt")
    tables = doc.tables
    assert len(tables) == 1
    t = tables[0]
    assert not t.structured
    assert [[c.text for c in r] for r in t.rows()] == [["信息内容", "本年制发件数"], ["规章", "1", ""]]
    assert t.rows()[1][1].prov.lines == (11, 11)
    texts = [b.text for b in doc.blocks if isinstance(b, Paragraph)]
    assert "[image: image1]" not in " ".join(texts)
    assert texts[-1] == "三、收到"


def test_row_per_line_split_by_tabs_or_space_runs():
    doc = read(ROW_PER_LINE.encode(), "b.txt")
    (t,) = doc.tables
    assert [[c.text for c in r] for r in t.rows()] == [
        ["信息内容", "本年制发件数", "本年废止件数"],
        ["规章", "1", "0"],
        ["规范性文件", "２", "—"],
    ]
    assert [b.text for b in doc.blocks if isinstance(b, Paragraph)] == ["前言", "之后的段落"]


def test_block_order_is_reading_order():
    doc = read(CELL_PER_LINE.encode(), "a.txt")
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds.index("Table") == 4  # after 标题行, 一, 正文, 二


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_encodings(encoding):
    doc = read(ROW_PER_LINE.replace("—", "-").encode(encoding), "c.txt")
    assert doc.paragraphs[0].text == "前言"
    assert isinstance(doc.blocks[1], Table)


@pytest.mark.parametrize("data", [b"", b"   \n\n", "\ufeff".encode()])
def test_empty(data):
    with pytest.raises(EmptyDocument):
        read(data, "empty.txt")
