"""Agency, year and published date as reports print them."""

from __future__ import annotations

from datetime import date

import pytest

from extract.model import Paragraph
from normalize import metadata as M


@pytest.mark.parametrize(
    ("lines", "agency", "year"),
    [
        (["沂源县科学技术局", "2024年政府信息公开工作年度报告"], "沂源县科学技术局", 2024),
        (["2019年上海市人民政府办公厅政府信息公开工作年度报告"], "上海市人民政府办公厅", 2019),
        (["平潭综合实验区2021年度政府信息公开工作年度报告"], "平潭综合实验区", 2021),
        (["标题: 平潭综合实验区2021年度政府信息公开工作年度报告"], "平潭综合实验区", 2021),
        (["淮安市人民政府2024年政府信息公开", "工作年度报告"], "淮安市人民政府", 2024),
        (["2023年度北京市朝阳区生态环境局政府信息公开工作年度报告"], "北京市朝阳区生态环境局", 2023),
        (["XX镇人民政府关于2022年政府信息公开工作年度报告"], "XX镇人民政府", 2022),
        (["2022年政府信息公开工作年度报告"], None, 2022),
    ],
)
def test_title(lines, agency, year):
    assert M.agency_and_year([M.title_lines([Paragraph(x)])[0] for x in lines]) == (agency, year)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024年12月22日", date(2024, 12, 22)),
        ("  2025 年 1 月 5 日 ", date(2025, 1, 5)),
        ("２０２５年３月３１日", date(2025, 3, 31)),
        ("二〇二五年一月二十日", date(2025, 1, 20)),
        ("二○二三年三月三十一日", date(2023, 3, 31)),
        ("发布日期：2020-01-31", date(2020, 1, 31)),
        ("2024年13月1日", None),
        ("无日期", None),
    ],
)
def test_dates(text, expected):
    assert M.parse_date(text) == expected


def test_signature_agency_and_date():
    ps = [Paragraph(t) for t in ["正文……", "XX县交通运输局", "2025年1月20日"]]
    assert M.signature_agency(ps) == "XX县交通运输局"
    assert M.signature_date(ps) == date(2025, 1, 20)


def test_period_year():
    assert M.period_year("本年度报告中所列数据的统计期限自2024年1月1日起，至2024年12月31日止。") == 2024
