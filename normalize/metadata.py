"""Who published a report, for which year, and when.

* **agency and year** from the title (``沂源县科学技术局 / 2024年政府信息公开工作年度报告``,
  ``2019年上海市人民政府办公厅政府信息公开工作年度报告``, ``XX区2021年度…``); the
  agency falls back to the page's 发布机构 box, then to the signature line.
* **year** falls back to the statistics period (``统计期限自2024年1月1日``).
* **published** is the date printed on the report: the signature date at its end
  (Arabic or Chinese numerals, ``二〇二五年一月二十日``), else a printed 发布日期.
  A file's own creation date is not a printed date and is not used.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from nianbao.extract.model import Paragraph
from nianbao.normalize.chinese_numerals import parse_chinese_numeral

_TITLE = re.compile(
    r"^(?P<pre>.*?)(?:关于)?(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?P<mid>.*?)"
    r"(?:政府信息公开|政务公开|信息公开)(?:工作)?(?:年度)?(?:工作)?(?:情况)?(?:年度)?报告"
)
_AGENCY_END = re.compile(
    r"(人民政府|政府办公室|办公厅|办公室|委员会|管理委员会|管委会|局|厅|委|署|院|会|部|处|所|中心|办|"
    r"街道办事处|办事处|镇|乡|街道|集团|公司|馆|站|队|室|社|行|台|司|监狱|学校|大学|医院)$"
)
_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})")
_CN_DATE = re.compile(
    r"([〇零○ＯO一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日"
)
_PERIOD = re.compile(r"统计(?:期限|时限|时间|周期)?[^0-9]{0,8}((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")
_PUBLISHED_LABEL = re.compile(r"(?:发布日期|发文日期|发布时间|成文日期|日期)\s*[:：]?\s*")
_TITLE_LABEL = re.compile(r"^(?:标题|题目|文件名称|名称)\s*[:：]\s*")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_ZERO_LOOKALIKES = str.maketrans({"○": "〇", "Ｏ": "〇", "O": "〇", "o": "〇"})


def _nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


_PAGE_NUMBER = re.compile(r"^[-—–－\s]*\d{1,3}[-—–－\s]*$")
_DATE_PREFIX = re.compile(r"^[（(\[【]\s*(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*[)）\]】]")


def title_lines(preamble: list[Paragraph], limit: int = 4) -> list[str]:
    """The short lines at the top that make up the title (a page number above it skipped)."""
    out = []
    for p in [p for p in preamble if not _PAGE_NUMBER.match(_nfkc(p.text))][:limit]:
        t = _DATE_PREFIX.sub("", _TITLE_LABEL.sub("", _nfkc(p.text).strip())).strip()
        if t and len(t) <= 60:
            out.append(t)
    return out


_CN_YEAR = re.compile(r"[〇零○ＯO一二三四五六七八九]{4}(?=\s*年)")


def _arabic_years(text: str) -> str:
    """二〇二一年 -> 2021年, so a title with the year in Chinese numerals is a title."""

    def arabic(m: re.Match[str]) -> str:
        year = parse_chinese_numeral(m.group(0).translate(_ZERO_LOOKALIKES))
        return str(year) if year else m.group(0)

    return _CN_YEAR.sub(arabic, text)


def agency_and_year(lines: list[str], *, one_line_first: bool = False) -> tuple[str | None, int | None]:
    """Agency and report year from the title lines (joined, so a two-line title works).

    The first line that opens a title decides (a bare title gives the year only).  With
    ``one_line_first`` a title on one line is taken before lines joined, so that the menu
    above a printed web page's title (首页 / 政务公开 …) is never read as part of the name.
    """
    spans = [(i, w) for i in range(len(lines)) for w in (1, 2, 3) if i + w <= len(lines)]
    if one_line_first:
        spans.sort(key=lambda s: s[1])
    year = None
    for i, width in spans:
        m = _TITLE.search(_arabic_years("".join(re.sub(r"\s+", "", x) for x in lines[i : i + width])))
        if not m:
            continue
        agency = clean_agency(m.group("pre") or m.group("mid"))
        if agency or not one_line_first:
            return agency, int(m.group("year"))
        year = year or int(m.group("year"))
    return None, year


def clean_agency(name: str | None) -> str | None:
    """Strip the wrappers a title puts around the agency's name."""
    if not name:
        return None
    s = re.sub(r"\s+", "", _nfkc(name))
    s = _DATE_PREFIX.sub("", s)  # a list page's (2024-01-07) before the name
    s = re.sub(r"^[\d/:.,\-]+(?:[AaPp][Mm])?", "", s)  # a browser's print header: 12/4/26, 2:09 AM
    s = re.sub(r"^(?:关于|本)", "", s)
    s = re.sub(r"(?:关于|的)$", "", s)
    s = s.strip("《》“”\"'：:，,。")
    if re.search(r"[:：>/|《》，,。；;]|\d{4}|根据|现公布|按照|报告|统计期限", s):
        return None  # a page's metadata box or menu, or a sentence: not a body's name
    if len(_HAN.findall(s)) < 2:
        return None  # a bracket or a stray mark left before the year: no name at all
    return s


_PUBLISHER = re.compile(
    r"(?:发布机构|发文机关|发布单位|来源)\s*[:：]\s*(?P<a>[^\s:：|]{2,40}?)(?=主题分类|发文日期|成文日期|发布日期|发布时间|索引号|浏览|\s|$)"
)


def printed_agency(paragraphs: list[Paragraph]) -> str | None:
    """The body a page's metadata box names (发布机构：…), as a printed web page keeps it."""
    for p in paragraphs[:16]:
        m = _PUBLISHER.search(_nfkc(p.text))
        if m:
            cand = clean_agency(m.group("a"))
            if cand and _AGENCY_END.search(cand):
                return cand
    return None


def signature_agency(paragraphs: list[Paragraph]) -> str | None:
    """An agency name on the signature line just above the closing date."""
    tail = [p.text.strip() for p in paragraphs[-6:] if p.text.strip()]
    for k in range(len(tail) - 1, 0, -1):
        if parse_date(tail[k]) and len(tail[k]) <= 20:
            cand = re.sub(r"\s+", "", _nfkc(tail[k - 1]))
            if 2 < len(cand) <= 30 and _AGENCY_END.search(cand):
                return cand
    if tail:  # signed without a date under it (the date printed under the title)
        cand = re.sub(r"\s+", "", _nfkc(tail[-1]))
        if 2 < len(cand) <= 30 and _AGENCY_END.search(cand) and not re.search(r"[，。；：\d]", cand):
            return cand
    return None


# The body named in the preface when the title does not name it.
_PREFACE_AGENCY = (
    re.compile(r"现(?:将|予|特)?公布(?P<a>[^，。；、]{2,30}?)(?:19|20)\d{2}\s*年"),
    re.compile(r"本(?:年度)?报告由(?P<a>[^，。；、]{2,30}?)(?:根据|依据|按照|依照|编制|制作)"),
    re.compile(r"请(?:与|联系|向)(?P<a>[^，。；、（(]{2,30}?)(?:联系|咨询|反映)"),
)
_OFFICE_OF = re.compile(r"^(?P<a>.+?(?:局|委员会|委|厅|署|中心|院|办事处|管委会|管理委员会))办公室$")


def preface_agency(paragraphs: list[Paragraph]) -> str | None:
    """The body a preface names: 现公布XX2025年…, 本报告由XX编制, 请与XX(办公室)联系."""
    text = "".join(_nfkc(p.text).strip() for p in paragraphs[:10])  # lines a layout wrapped
    for pat in _PREFACE_AGENCY:
        m = pat.search(text)
        if not m:
            continue
        cand = clean_agency(m.group("a"))
        if not cand or cand.startswith(("我", "本")):
            continue
        office = _OFFICE_OF.match(cand)
        if office and "人民政府" not in office.group("a")[-4:]:
            cand = office.group("a")  # XX局办公室 answers for XX局
        if _AGENCY_END.search(cand):
            return cand
    return None


def title_date(paragraphs: list[Paragraph]) -> date | None:
    """A date printed alone under the title, often in brackets: （2024年1月20日）."""
    for p in paragraphs[:6]:
        text = _nfkc(p.text).strip()
        m = re.search(r"\(([^()]{6,16})\)$", text)  # 《…年度报告》(2024年2月4日): joined to the title
        t = m.group(1) if m and "报告" in text else text.strip("()[]【】 ")
        if t and len(t) <= 16:
            d = parse_date(t)
            if d and re.fullmatch(r"[\d年月日〇零○一二三四五六七八九十\-/.\s]+", t):
                return d
    return None


def parse_date(text: str) -> date | None:
    """The first date in ``text``: 2024年12月22日, 2024-12-22 or 二〇二五年一月二十日."""
    s = _nfkc(text)
    for pat in (_DATE, _ISO_DATE):
        m = pat.search(s)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    m = _CN_DATE.search(text)
    if m:
        y, mo, d = (parse_chinese_numeral(g.translate(_ZERO_LOOKALIKES)) for g in m.groups())
        try:
            return date(y, mo, d) if y and mo and d else None
        except ValueError:
            return None
    return None


# A web page's furniture after the report (a printed page keeps it): 分享到, 打印本页 …
_PAGE_CHROME = re.compile(
    r"分享到|打印本页|关闭窗口|主办单位|承办单位|网站标识码|ICP备|版权所有|技术支持|file:|https?:"
)
_LEADING_DATE = re.compile(
    r"^\s*(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|(?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2}"
    r"|[〇零○ＯO一二三四五六七八九]{4}\s*年[一二三四五六七八九十]{1,3}\s*月[一二三四五六七八九十]{1,3}\s*日)"
)


def signature_date(paragraphs: list[Paragraph]) -> date | None:
    """The date on one of the last lines, printed alone (the signature).

    A printed web page may end with the site's furniture (分享到 … 版权所有), sometimes
    run into the date's line: such lines are passed over.
    """
    tail = [p.text.strip() for p in paragraphs[-12:] if p.text.strip()]
    body = [t for t in tail if not _PAGE_CHROME.search(t) or _LEADING_DATE.match(t)]
    for t in reversed(body[-6:]):
        if len(t) <= 24:
            d = parse_date(t)
            if d:
                return d
        m = _LEADING_DATE.match(t)
        if m and _PAGE_CHROME.search(t[m.end() :]):
            return parse_date(m.group(0))
    return None


def printed_publish_date(paragraphs: list[Paragraph]) -> date | None:
    """A 发布日期：… line near the top (a printed web page puts its menu before it)."""
    for p in paragraphs[:16]:
        m = _PUBLISHED_LABEL.search(p.text)
        if m:
            d = parse_date(p.text[m.end() : m.end() + 20])
            if d:
                return d
    return None


def period_year(text: str) -> int | None:
    m = _PERIOD.search(_nfkc(text))
    return int(m.group(1)) if m else None
