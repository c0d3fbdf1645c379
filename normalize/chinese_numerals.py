"""Numbers as reports write them: Arabic (half- or full-width, with thousands commas) or Chinese.

Chinese numerals come in two styles and both occur in reports:

* positional: 十二 (12), 一百零五 (105), 两千三百 (2300), 三万五千 (35000), 十 (10);
* digit by digit: 二〇二四 (2024), used for years and document numbers.

``两`` is 2 and ``〇``/``零`` are 0.  A trailing 万 / 亿 after Arabic digits multiplies
(``1.5万`` = 15000), the way amounts are printed (``3.8万元``).
"""

from __future__ import annotations

import re
import unicodedata

DIGITS: dict[str, int] = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
SMALL_UNITS: dict[str, int] = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS: dict[str, int] = {"万": 10_000, "亿": 100_000_000}

CHINESE_NUMERAL_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(BIG_UNITS)
_CHINESE_RE = re.compile(f"[{CHINESE_NUMERAL_CHARS}]+")
_ARABIC_RE = re.compile(r"^(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)(?P<mult>[万亿])?$")


def parse_chinese_numeral(text: str) -> int | None:
    """The integer a Chinese numeral writes, or None when ``text`` is not one.

    >>> parse_chinese_numeral("十二"), parse_chinese_numeral("一百零五"), parse_chinese_numeral("二〇二四")
    (12, 105, 2024)
    """
    if not text or not _CHINESE_RE.fullmatch(text):
        return None
    if not any(ch in DIGITS or ch in SMALL_UNITS for ch in text):
        return None  # a lone 万 or 亿 is a word, not a number
    if len(text) > 1 and all(ch in DIGITS for ch in text):
        if "两" in text:
            return None  # 两 is never a place digit: 两两 is a word
        return int("".join(str(DIGITS[ch]) for ch in text))
    total = 0  # completed 亿 / 万 groups
    group = 0  # the current group below 万
    digit: int | None = None
    last_unit = 1
    for ch in text:
        if ch in DIGITS:
            if digit is not None and DIGITS[ch] != 0:
                return None  # two digits in a row inside a positional numeral
            digit = DIGITS[ch] if DIGITS[ch] != 0 else None
            if DIGITS[ch] == 0:
                last_unit = 1  # 一百零五: the zero resets the expected place
        elif ch in SMALL_UNITS:
            unit = SMALL_UNITS[ch]
            group += (1 if digit is None else digit) * unit
            digit = None
            last_unit = unit
        else:
            unit = BIG_UNITS[ch]
            group += digit or 0
            if group == 0:
                return None
            total = (total + group) * unit
            group = 0
            digit = None
            last_unit = unit
    if digit is not None:
        # 三万五 = 35000, 一百五 = 150: a trailing digit takes the place below the last unit
        group += digit * (last_unit // 10 if last_unit >= 10 and len(text) > 2 else 1)
    return total + group


def parse_number(text: str) -> float | None:
    """The value of a number as printed: ``40``, ``１２``, ``2,645``, ``1.5万``, ``十二``, ``两``."""
    s = unicodedata.normalize("NFKC", text).strip().replace("，", ",")
    if not s:
        return None
    m = _ARABIC_RE.match(s)
    if m:
        value = float(m.group("num").replace(",", ""))
        if m.group("mult"):
            value *= BIG_UNITS[m.group("mult")]
        return value
    parsed = parse_chinese_numeral(s)
    return None if parsed is None else float(parsed)
