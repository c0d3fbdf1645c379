"""Parts 一 … 六 found by their headings, with the variants real reports print."""

from __future__ import annotations

import pytest

from nianbao.extract.model import Paragraph
from nianbao.extract.sections import heading_number, split_sections


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("一、总体情况", 1),
        ("一. 总体情况", 1),
        ("一 、 总体情况", 1),
        ("二、主动公开政府信息情况", 2),
        ("三、收到和处理政府信息公开申请情况", 3),
        ("四、因政府信息公开工作被申请行政复议、提起行政诉讼情况", 4),
        ("四、政府信息公开行政法复议、行政诉讼情况", 4),  # a typo printed in a real report
        ("　　四、政府信息公开行政复议、行政诉讼情况", 4),
        ("五、政府信息公开工作存在的主要问题及改进情况", 5),
        ("五、存在的主要问题及改进情况", 5),
        ("六、其他需要报告的事项", 6),
        ("六．其他需要报告的事项", 6),
    ],
)
def test_headings(text, number):
    assert heading_number(text) == number


@pytest.mark.parametrize(
    "text",
    [
        "（二）依申请公开情况",
        "二、依申请公开情况很好，全年共收到申请十件，均按时答复办理完毕。",
        "1、主动公开方面",
        "（六）其他处理",
    ],
)
def test_not_top_level_headings(text):
    assert heading_number(text) is None


def test_bracketed_top_level_headings_when_a_report_uses_them():
    ps = [
        Paragraph(t)
        for t in [
            "标题",
            "（一）总体情况",
            "a",
            "（二）主动公开政府信息情况",
            "b",
            "（三）收到和处理政府信息公开申请情况",
            "c",
        ]
    ]
    pre, sections = split_sections(ps)
    assert [s.number for s in sections] == [1, 2, 3]
    assert [p.text for p in pre] == ["标题"]


def test_sub_heading_inside_part_one_is_not_part_two():
    ps = [Paragraph(t) for t in ["一、总体情况", "（二）主动公开方面", "x", "二、主动公开政府信息情况", "y"]]
    _, sections = split_sections(ps)
    assert [(s.number, s.text) for s in sections] == [(1, "（二）主动公开方面\nx"), (2, "y")]


def test_headings_inside_one_long_line():
    text = (
        "当前位置：首页 前言。一、总体情况2021年，我区……二、主动公开政府信息情况 表格 三、收到和处理政府信息公开申请情况 表 "
        "四、政府信息公开行政复议、行政诉讼情况 表 五、存在的主要问题及改进情况 问题。六、其他需要报告的事项 无。"
    )
    pre, sections = split_sections([Paragraph(text)])
    assert [s.number for s in sections] == [1, 2, 3, 4, 5, 6]
    assert sections[0].text == "2021年，我区……"
    assert sections[5].text == "无。"
    assert pre[0].text.startswith("当前位置")
