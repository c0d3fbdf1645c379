"""Agency, year and published date as reports print them."""

from __future__ import annotations

from datetime import date

import pytest

from nianbao.extract.model import Paragraph
from nianbao.normalize import metadata as M


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


def test_a_page_number_above_the_title_and_a_list_pages_date_prefix():
    lines = M.title_lines(
        [Paragraph("- 1 -"), Paragraph("(2024-01-07)晋江市人民政府2023年政府信息公开工作年度报告")]
    )
    assert M.agency_and_year(lines) == ("晋江市人民政府", 2023)
    assert M.agency_and_year(
        M.title_lines([Paragraph("1"), Paragraph("柳州市商务局2021年政府信息公开工作年度报告")])
    ) == (
        "柳州市商务局",
        2021,
    )


@pytest.mark.parametrize(
    ("preface", "agency"),
    [
        (["根据《条例》规定，现公布", "柳州市商务局2021年政府信息公开工作年度报告。"], "柳州市商务局"),
        (["本年度报告由福州高新技术产业开发区管委会编制，所列数据…"], "福州高新技术产业开发区管委会"),
        (["如对本报告有疑问，请与陆良县卫生健康委员会办公室联系。"], "陆良县卫生健康委员会"),
        (["如对本报告有疑问，请与XX市人民政府办公室联系。"], "XX市人民政府办公室"),
        (["如对本报告有疑问，请与我局联系。"], None),
    ],
)
def test_the_body_named_only_in_the_preface(preface, agency):
    assert M.preface_agency([Paragraph("2025年政府信息公开工作年度报告"), *map(Paragraph, preface)]) == agency


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("（2024年1月20日）", date(2024, 1, 20)),
        ("(2024.01.20)", date(2024, 1, 20)),
        ("二〇二四年一月二十日", date(2024, 1, 20)),
    ],
)
def test_a_date_under_the_title(line, expected):
    assert M.title_date([Paragraph("2023年政府信息公开工作年度报告"), Paragraph(line)]) == expected
    assert M.parse_date("2024.01.20") == date(2024, 1, 20)


def test_signed_without_a_date_and_a_date_joined_to_the_title():
    ps = [Paragraph(t) for t in ["正文……", "六、其他需要报告的事项", "无。", "密云区医疗保障局"]]
    assert M.signature_agency(ps) == "密云区医疗保障局"
    assert M.signature_agency([Paragraph("正文"), Paragraph("本局将继续做好信息公开工作。")]) is None
    title = [Paragraph("朝阳区人民政府2023年政府信息公开工作年度报告（2024年2月4日）")]
    assert M.title_date(title) == date(2024, 2, 4)


def test_a_web_page_printed_by_a_browser():
    # a browser's print header, the site's menu above the title, the metadata box, and the
    # site's furniture run into the signature date's line at the end
    ps = [
        Paragraph(t)
        for t in [
            "12/4/26, 2:09 AM 大理市红星镇人民政府2024年度政府信息公开工作年度报告_大理市红星镇人民政府",
            "大理市红星镇人民政府",
            "首页",
            "政务公开",
            "政务服务",
            "发文日期：2025-02-24主题分类：政务公开",
            "2024年度政府信息公开工作年度报告",
        ]
    ]
    lines = M.title_lines(ps, limit=16)
    assert M.agency_and_year(lines, one_line_first=True) == ("大理市红星镇人民政府", 2024)
    # never 政务公开政务服务…
    assert M.agency_and_year(M.title_lines(ps[1:], limit=16), one_line_first=True) == (None, 2024)
    assert M.printed_agency([Paragraph("索引号：1131/2023-66442发布机构：晋江市统计局")]) == "晋江市统计局"
    tail = [
        Paragraph("本年度未收取信息处理费。"),
        Paragraph("2025年02月24日分享到：微信微博QQ空间【打印本页】"),
        Paragraph("ICP备48314641号版权所有"),
    ]
    assert M.signature_date(tail) == date(2025, 2, 24)
    preface = "根据《条例》和上级有关要求，现公布2021年度政府信息公开工作年度报告。"
    assert M.agency_and_year([preface]) == (None, 2021)  # a sentence is not a body's name


def test_title_with_the_year_in_chinese_numerals():
    from nianbao.normalize.metadata import agency_and_year

    assert agency_and_year(["泸定县教育局二〇二一年政府信息公开工作年度报告"]) == ("泸定县教育局", 2021)
    assert agency_and_year(["泸定县教育局", "二○二○年度政府信息公开工作年度报告"]) == ("泸定县教育局", 2020)


def test_chinese_numeral_dates_with_a_latin_o_for_zero():
    from nianbao.normalize.metadata import agency_and_year, parse_date

    assert str(parse_date("泸定县教育局 二O二二年一月二十日")) == "2022-01-20"
    assert agency_and_year(["泸定县教育局二O二一年政府信息公开工作年度报告"]) == ("泸定县教育局", 2021)


def test_a_chinese_numeral_date_under_a_bare_title_gives_no_name():
    # a browser-printed page: bare title, then （二〇二四年一月十九日）, then the preface;
    # read as one title the date's bracket was taken for the body's name
    from nianbao.normalize.metadata import agency_and_year, clean_agency

    lines = [
        "2023年政府信息公开工作年度报告",
        "(二〇二四年一月十九日)",
        "本年度报告由周家山镇人民政府编制,所列数据的统计期限自2023年1月1日至2023年12月31日。",
        "(2024-01-19)2023年政府信息公开工作年度报告",
    ]
    assert agency_and_year(lines, one_line_first=True) == (None, 2023)
    assert clean_agency("(") is None and clean_agency("局") is None
