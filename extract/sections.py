"""The six numbered parts of a report, found by their headings.

The national format fixes six parts::

    一、总体情况
    二、主动公开政府信息情况
    三、收到和处理政府信息公开申请情况
    四、政府信息公开行政复议、行政诉讼情况
    五、政府信息公开工作存在的主要问题及改进情况
    六、其他需要报告的事项

Published headings vary: ``一.`` / ``一、`` / ``（一）``, spaces, and reworded titles
(``四、因政府信息公开工作被申请行政复议、提起行政诉讼情况``).  A heading is a short
paragraph whose numeral and whose words agree on the part; parts come in order.
Sub-headings such as ``（二）依申请公开情况`` inside part 一 are told apart by that
agreement and by preferring the plain ``二、`` style when a report uses it.
When the paragraphs hold no headings (a whole page flattened onto one line), the
headings are searched inside the text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from nianbao.extract.model import Paragraph

NUMERALS = "一二三四五六"

# Words that identify each part's heading (any one suffices), most telling first.
KEYWORDS: dict[int, tuple[str, ...]] = {
    1: ("总体情况", "基本情况", "总体", "概述", "概况"),
    2: ("主动公开",),
    3: ("收到和处理", "依申请公开", "公开申请", "申请情况"),
    4: ("行政复议", "行政诉讼", "复议", "诉讼"),
    5: ("存在的主要问题", "主要问题", "存在问题", "问题及改进", "不足", "改进情况"),
    6: ("其他需要报告", "其他事项", "其他需要", "其他"),
}

# Traditional forms of the characters in KEYWORDS: a report printed in traditional
# characters has its parts found before the text is converted (nianbao.normalize.script).
_SIMPLIFIED = str.maketrans(
    "總體況動開處請復複覆議訴訟問題進報項並", "总体况动开处请复复复议诉讼问题进报项并"
)

_PLAIN = re.compile(r"^\s*(?P<num>[一二三四五六])\s*[、.．,，:：]\s*(?P<title>.*)$")
_BRACKET = re.compile(r"^\s*[（(]\s*(?P<num>[一二三四五六])\s*[)）]\s*[、.．]?\s*(?P<title>.*)$")
_MAX_HEADING = 40


@dataclass(frozen=True, slots=True)
class Section:
    number: int  # 1 … 6
    title: str  # the heading as printed
    paragraphs: tuple[Paragraph, ...]  # narrative of the part, heading excluded

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)


def heading_number(text: str, *, brackets: bool = False) -> int | None:
    """The part a heading paragraph opens (1…6), or None when it is not a heading."""
    s = unicodedata.normalize("NFKC", text).strip()
    if not s or len(s) > _MAX_HEADING:
        return None
    m = (_BRACKET if brackets else _PLAIN).match(s)
    if not m:
        return None
    number = NUMERALS.index(m.group("num")) + 1
    title = re.sub(r"\s+", "", m.group("title")).translate(_SIMPLIFIED)
    return number if _title_fits(number, title) else None


def _title_fits(number: int, title: str) -> bool:
    if not title or not any(k in title for k in KEYWORDS[number]):
        return False
    # Part 六's keyword 其他 is weak: it must not be an outcome row such as （六）其他处理.
    if number == 6 and "处理" in title and "报告" not in title:
        return False
    return not (number == 4 and "情况" not in title and "复议" not in title[:6] and "行政诉讼" not in title)


def split_sections(paragraphs: list[Paragraph]) -> tuple[list[Paragraph], list[Section]]:
    """Split paragraphs into the preamble (title, intro) and the numbered parts found."""
    plain = _find(paragraphs, brackets=False)
    heads = plain if len(plain) >= 3 else max(plain, _find(paragraphs, brackets=True), key=len)
    if len(heads) < 2:
        inline = _split_inline(paragraphs)
        if inline is not None:
            return inline
    if not heads:
        return list(paragraphs), []
    sections = []
    for j, (i, number) in enumerate(heads):
        end = heads[j + 1][0] if j + 1 < len(heads) else len(paragraphs)
        sections.append(Section(number, paragraphs[i].text.strip(), tuple(paragraphs[i + 1 : end])))
    return list(paragraphs[: heads[0][0]]), sections


def _find(paragraphs: list[Paragraph], *, brackets: bool) -> list[tuple[int, int]]:
    heads: list[tuple[int, int]] = []
    last = 0
    for i, p in enumerate(paragraphs):
        n = heading_number(p.text, brackets=brackets)
        if n is not None and n > last:
            heads.append((i, n))
            last = n
    return heads


_INLINE_TITLE_TEXT: dict[int, str] = {
    1: r"总体情况",
    2: r"主动公开政府信息(?:的)?情况",
    3: r"收到和处理政府信息公开申请(?:的)?情况",
    4: r"(?:因)?政府信息公开(?:工作)?(?:被申请)?行政法?复议[、和及与]?(?:提起)?行政诉讼(?:的)?情况",
    5: r"(?:政府信息公开工作)?存在的主要问题及改进情况",
    6: r"其他需要报告的事项",
}


# 一、总体情况 … 六、其他需要报告的事项 as they may stand inside a paragraph.
_INLINE_TITLES = {
    n: re.compile(rf"{NUMERALS[n - 1]}\s*[、.．]\s*{title}") for n, title in _INLINE_TITLE_TEXT.items()
}


def _split_inline(paragraphs: list[Paragraph]) -> tuple[list[Paragraph], list[Section]] | None:
    """Headings inside long paragraphs: ``…。一、总体情况2021年，我区…``."""
    marks: list[tuple[int, int, int, int, str]] = []  # (paragraph, start, end, number, title)
    last = 0
    for pi, p in enumerate(paragraphs):
        for number in range(last + 1, 7):
            pat = _INLINE_TITLES[number]
            pos = marks[-1][2] if marks and marks[-1][0] == pi else 0
            m = pat.search(p.text, pos)
            if m:
                marks.append((pi, m.start(), m.end(), number, m.group(0)))
                last = number
    if len(marks) < 3:
        return None
    sections: list[Section] = []
    for j, (pi, _start, end, number, title) in enumerate(marks):
        if j + 1 < len(marks):
            npi, nstart = marks[j + 1][0], marks[j + 1][1]
        else:
            npi, nstart = len(paragraphs) - 1, len(paragraphs[-1].text)
        body: list[Paragraph] = []
        for k in range(pi, npi + 1):
            text = paragraphs[k].text
            a = end if k == pi else 0
            b = nstart if k == npi else len(text)
            if text[a:b].strip():
                body.append(Paragraph(text[a:b].strip(), paragraphs[k].prov))
        sections.append(Section(number, title, tuple(body)))
    first_p, first_start = marks[0][0], marks[0][1]
    pre = list(paragraphs[:first_p])
    head_text = paragraphs[first_p].text[:first_start].strip()
    if head_text:
        pre.append(Paragraph(head_text, paragraphs[first_p].prov))
    return pre, sections
