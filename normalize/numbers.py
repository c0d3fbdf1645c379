"""Numbers as printed in the tables: full-width digits, separators, dashes for nothing.

``parse_number`` never turns a dash, a slash, 无 or a blank into 0: those give
``None`` and the caller keeps the printed text in ``raw``, so a reader of the
dataset can tell "printed 0" from "printed nothing".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Printed in place of a number to mean "nothing / not applicable".
NULL_MARKS = frozenset(
    {"", "—", "——", "－", "-", "--", "–", "/", "／", "\\", "无", "空", "null", "N/A", "n/a"}
)

_SPACES = re.compile(r"[\s\u00a0\u3000\u2002-\u200b\ufeff]+")
_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
# A number followed by a unit the cell repeats (251000元, 12件, 0.35万元).
_WITH_UNIT = re.compile(r"^([+-]?[\d,]*\.?\d+)\s*(万元|元|件|条|个|项|次|份)$")


def clean_text(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII) and all space kinds removed."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


# Cached texts: enough for the labels and small numbers a corpus repeats, bounded so that a
# long run over millions of cells keeps a flat memory.
_CACHE = 8192


@lru_cache(maxsize=_CACHE)
def parse_number(text: str | None) -> float | None:
    """The value of a printed cell, or None for blank, dash, slash, 无 and unreadable text.

    >>> parse_number("１２"), parse_number("1,234"), parse_number("0.35"), parse_number("—")
    (12.0, 1234.0, 0.35, None)
    """
    if text is None:
        return None
    s = clean_text(text)
    if s in NULL_MARKS or set(s) <= {"-", "—", "–", "/"}:
        return None
    s = s.replace("，", ",")
    if _NUMBER.match(s):
        return float(s.replace(",", ""))
    m = _WITH_UNIT.match(s)
    if m and _NUMBER.match(m.group(1).lstrip("+-") or "x"):
        return float(m.group(1).replace(",", ""))
    return None


@lru_cache(maxsize=_CACHE)
def is_number_like(text: str | None) -> bool:
    """True for a cell that holds a number or a 'no number' mark (a value cell, not a label)."""
    if text is None:
        return False
    s = clean_text(text)
    return s in NULL_MARKS or parse_number(s) is not None or set(s) <= {"-", "—", "–", "/"}
