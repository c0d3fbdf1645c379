"""Spreadsheet dates: which number formats show a date, and what a serial number shows as.

A spreadsheet stores a date as a number, the days since its epoch (the "serial"), and
shows it through the cell's number format.  A report's 成文日期 or 发布日期 typed into Excel
is such a cell: ``45306`` stored, ``2024年1月15日`` printed.  The reader gives the
printed text, as for every other cell.

* Epochs: the 1900 system counts 1900-01-01 as day 1 and, like Lotus 1-2-3, has a
  1900-02-29 (day 60, which is left as its number); later days are counted from
  1899-12-30.  The 1904 system (``workbookPr date1904``, old Mac workbooks) counts from
  1904-01-01 as day 0.
* A format is a date format when, outside quoted text, escaped characters and bracketed
  tags (colours, locales), it has a y, m, d, h or s: Excel's own rule.  The built-in
  ids 14-22, 27-36, 45-47 and 50-58 are dates (27-36 and 50-58 as the Chinese
  locale defines them: ``yyyy"年"m"月"d"日"``...).
* Rendering: the first section of the code (before ``;``); ``yyyy``/``yy``, ``m``/``mm``
  (a month, or minutes after an hour or before seconds), ``mmm``/``mmmm`` (month names),
  ``d``/``dd``, ``ddd``/``dddd`` (weekday names), ``h``/``hh``, ``s``/``ss``, ``AM/PM``
  and ``上午/下午`` (a 12-hour clock), literal text as written.
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["BUILTIN_DATE_FORMATS", "date_text", "is_date_format"]

BUILTIN_DATE_FORMATS: dict[int, str] = {
    14: "yyyy/m/d",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "yyyy/m/d h:mm",
    27: 'yyyy"年"m"月"',
    28: 'm"月"d"日"',
    29: 'm"月"d"日"',
    30: "m-d-yy",
    31: 'yyyy"年"m"月"d"日"',
    32: 'h"时"mm"分"',
    33: 'h"时"mm"分"ss"秒"',
    34: '上午/下午h"时"mm"分"',
    35: '上午/下午h"时"mm"分"ss"秒"',
    36: 'yyyy"年"m"月"',
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mm:ss.0",
    50: 'yyyy"年"m"月"',
    51: 'm"月"d"日"',
    52: 'yyyy"年"m"月"',
    53: 'm"月"d"日"',
    54: 'm"月"d"日"',
    55: '上午/下午h"时"mm"分"',
    56: '上午/下午h"时"mm"分"ss"秒"',
    57: 'yyyy"年"m"月"',
    58: 'm"月"d"日"',
}

# literal text ("…", \x), padding (_x), fill (*x), bracketed tags but [h] [m] [s]
_LITERAL = re.compile(r'"[^"]*"|\\.|_.|\*.|\[(?![hms]+\])[^\]]*\]')
_TOKEN = re.compile(
    r'"([^"]*)"|\\(.)|_.|\*.|\[([hms]+)\]|\[[^\]]*\]|(AM/PM|A/P|上午/下午)|(y+|m+|d+|h+|s+|e+)|(.)',
    re.I,
)
_MONTHS = "January February March April May June July August September October November December".split()
_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
_MAX_SERIAL = 2_958_465  # 9999-12-31


def is_date_format(code: str) -> bool:
    """Whether a number format code shows a date or a time (see the module doc)."""
    bare = _LITERAL.sub("", code.split(";")[0])
    return re.search(r"[ymdhs]", bare, re.I) is not None


def serial_datetime(serial: float, date1904: bool = False) -> dt.datetime | None:
    """The moment a serial number stands for, to the second (None: not a real date)."""
    if serial != serial or serial < 0 or serial > _MAX_SERIAL:
        return None
    if date1904:
        base = dt.datetime(1904, 1, 1)
    elif serial < 60:
        base = dt.datetime(1899, 12, 31)
    elif serial < 61:
        return None  # 1900-02-29, a day that never was
    else:
        base = dt.datetime(1899, 12, 30)
    return base + dt.timedelta(seconds=round(serial * 86400))


def date_text(serial: float, code: str, date1904: bool = False) -> str | None:
    """``serial`` as the date format ``code`` shows it; None when it is no real date."""
    when = serial_datetime(serial, date1904)
    if when is None:
        return None
    section = code.split(";")[0]
    tokens = [m for m in _TOKEN.finditer(section)]
    twelve = any(m.group(4) for m in tokens)
    out: list[str] = []
    kinds = [(m.group(5) or m.group(3) or "").lower()[:1] for m in tokens]
    for i, m in enumerate(tokens):
        quoted, escaped, elapsed, ampm, part, other = m.group(1, 2, 3, 4, 5, 6)
        if quoted is not None:
            out.append(quoted)
        elif escaped is not None:
            out.append(escaped)
        elif elapsed is not None:
            out.append(_elapsed(serial, elapsed.lower()))
        elif ampm is not None:
            pm = when.hour >= 12
            out.append(("下午" if pm else "上午") if ampm == "上午/下午" else _ampm(ampm, pm))
        elif part is not None:
            out.append(_part(part, when, twelve, _is_minute(kinds, i)))
        elif other is not None:
            out.append(other)
    return "".join(out)


def _is_minute(kinds: list[str], i: int) -> bool:
    """An ``m`` after an hour or before a second (with only literals between) is minutes."""
    if kinds[i] != "m":
        return False
    before = next((k for k in reversed(kinds[:i]) if k), "")
    after = next((k for k in kinds[i + 1 :] if k), "")
    return before == "h" or after == "s"


def _part(part: str, when: dt.datetime, twelve: bool, minute: bool) -> str:
    kind, n = part[0].lower(), len(part)
    if kind in ("y", "e"):
        return f"{when.year % 100:02d}" if n <= 2 and kind == "y" else str(when.year)
    if kind == "m" and minute:
        return f"{when.minute:02d}" if n >= 2 else str(when.minute)
    if kind == "m":
        if n >= 5:
            return _MONTHS[when.month - 1][0]
        if n == 4:
            return _MONTHS[when.month - 1]
        if n == 3:
            return _MONTHS[when.month - 1][:3]
        return f"{when.month:02d}" if n == 2 else str(when.month)
    if kind == "d":
        if n >= 4:
            return _DAYS[when.weekday()]
        if n == 3:
            return _DAYS[when.weekday()][:3]
        return f"{when.day:02d}" if n == 2 else str(when.day)
    if kind == "h":
        hour = (when.hour % 12 or 12) if twelve else when.hour
        return f"{hour:02d}" if n >= 2 else str(hour)
    return f"{when.second:02d}" if n >= 2 else str(when.second)


def _ampm(token: str, pm: bool) -> str:
    if token.upper() == "A/P":
        return "P" if pm else "A"
    return "PM" if pm else "AM"


def _elapsed(serial: float, unit: str) -> str:
    seconds = round(serial * 86400)
    value = {"h": seconds // 3600, "m": seconds // 60, "s": seconds}[unit[0]]
    return str(value)
