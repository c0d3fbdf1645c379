"""Wording variants seen in published reports: headings, shortened labels, number styles.

Official labels and keys come from :mod:`nianbao.normalize.spec`; this module only holds the
reworded forms and the typographic transformations applied on top of them.
"""

from __future__ import annotations

import random
import re

# Section headings: the official title first, then rewordings seen in real reports.
SECTION_TITLES: dict[int, tuple[str, ...]] = {
    1: ("总体情况",),
    2: ("主动公开政府信息情况",),
    3: ("收到和处理政府信息公开申请情况",),
    4: (
        "政府信息公开行政复议、行政诉讼情况",
        "因政府信息公开工作被申请行政复议、提起行政诉讼情况",
        "政府信息公开行政复议和行政诉讼情况",
    ),
    5: ("存在的主要问题及改进情况", "政府信息公开工作存在的主要问题及改进情况"),
    6: ("其他需要报告的事项",),
}
CN_NUM = "〇一二三四五六七八九十"
HEADING_SEPS = ("、", "、", "、", ". ", "．", "、 ")

# Shortened / reworded row labels (table, row key) -> variants.
ROW_LABEL_VARIANTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("t3", "new_received"): ("一、本年新收政府信息公开申请", "一、本年新收政府信息公开申请数量"),
    ("t3", "carried_over"): ("二、上年结转政府信息公开申请", "二、上年结转政府信息公开申请数量"),
    ("t3", "partial"): ("（二）部分公开",),
    ("t3", "denied.security_stability"): ("3.危及“三安全一稳定”",),
    ("t3", "other.overdue_correction"): ("1.申请人无正当理由逾期不补正",),
    ("t3", "other.overdue_fee"): ("2.申请人逾期未按收费通知要求缴纳费用",),
    ("t3", "carried_forward"): ("四、结转下年度继续办理",),
    ("t2", "normative_doc"): ("规范性文件",),
    ("t2", "other_admin_service"): ("其他对外管理服务事项",),
}

# Structural header labels of table 三 that carry no key.
T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T3_APPLICANT = ("申请人情况",)
T3_LEGAL = ("法人或其他组织",)
T2_CONTENT = ("信息内容",)

# Ways a zero is printed; "" is a blank cell.  Everything but "0" reads as null.
ZERO_STYLES = ("0", "0", "0", "0", "", "—", "-", "/", "无")
NULL_MARKS = frozenset({"", "—", "-", "/", "无", "－", "——", "／"})

_FULL = str.maketrans("0123456789", "０１２３４５６７８９")
_HALF_BRACKETS = str.maketrans("（）", "()")
_QUOTES_STRAIGHT = str.maketrans({"“": '"', "”": '"'})


def cn_numeral(n: int) -> str:
    """1..10 as 一..十."""
    return CN_NUM[n]


def fullwidth_digits(s: str) -> str:
    return s.translate(_FULL)


def heading(section: int, rng: random.Random, style: dict[str, str | bool]) -> str:
    """A section heading ``一、总体情况`` in the document's heading style."""
    titles = SECTION_TITLES[section]
    title = titles[0] if rng.random() < 0.6 else rng.choice(titles)
    return f"{cn_numeral(section)}{style['sep']}{title}"


def numbering(label: str, style: str) -> str:
    """Restyle a leading ``1.`` item number: ``1.``, ``1、``, ``1．``, ``（1）``, ``(1)``."""
    m = re.match(r"^(\d+)[.、．]", label)
    if not m:
        return label
    n, rest = m.group(1), label[m.end() :]
    return {"dot": f"{n}.", "dun": f"{n}、", "fdot": f"{n}．", "paren": f"（{n}）", "hparen": f"({n})"}[
        style
    ] + rest


def restyle_label(label: str, doc: dict[str, str | bool], rng: random.Random) -> str:
    """Apply the document's typographic habits to one label."""
    out = numbering(label, str(doc["numbering"]))
    if doc["half_brackets"]:
        out = out.translate(_HALF_BRACKETS)
    if doc["straight_quotes"]:
        out = out.translate(_QUOTES_STRAIGHT)
    if doc["indent_labels"] and rng.random() < 0.3:
        out = "　　" + out
    if rng.random() < 0.03:
        out = out + " "
    return out


def pick_row_label(table: str, key: str, official: str, rng: random.Random, short_rate: float) -> str:
    """The official label, or a shortened/reworded one."""
    variants = ROW_LABEL_VARIANTS.get((table, key))
    if variants and rng.random() < short_rate:
        return rng.choice(variants)
    return official


def label_style(rng: random.Random) -> dict[str, str | bool]:
    """One document's typographic habits for labels and headings."""
    return {
        "numbering": rng.choices(["dot", "dun", "fdot", "paren", "hparen"], [60, 20, 8, 8, 4])[0],
        "half_brackets": rng.random() < 0.15,
        "straight_quotes": rng.random() < 0.2,
        "indent_labels": rng.random() < 0.2,
        "sep": rng.choices(HEADING_SEPS, [50, 10, 10, 10, 10, 10])[0],
        "short_rate": rng.choice([0.0, 0.0, 0.3, 0.8]),
        "wrap_labels": rng.random() < 0.3,
    }


def wrap_text(s: str, rng: random.Random, min_len: int = 9) -> str:
    """Insert a line break inside a long cell text, as Word users do with Enter."""
    if len(s) < min_len:
        return s
    cut = rng.randint(min_len // 2, len(s) - 3)
    return s[:cut] + "\n" + s[cut:]


_LIST_MARK = re.compile(r"^(?:[（(][一二三四五六七八九十\d]+[)）]|\d+[.、．]|[一二三四五六七八九十]+[、.．])")


def typo(label: str, rng: random.Random) -> str:
    """One slip of the typist in a label's words: a character dropped, two swapped, a stray space."""
    m = _LIST_MARK.match(label.strip())
    head = label[: len(label) - len(label.lstrip())] + (m.group(0) if m else "")
    body = label[len(head) :]
    if len(body) < 5:
        return label
    i = rng.randint(1, len(body) - 3)
    kind = rng.choice(("drop", "swap", "space"))
    if kind == "drop":
        body = body[:i] + body[i + 1 :]
    elif kind == "swap":
        body = body[:i] + body[i + 1] + body[i] + body[i + 2 :]
    else:
        body = body[:i] + " " + body[i:]
    return head + body
