"""How a number is printed in a cell, and what value a reader should get back from it.

A value carries the precision it is printed at (e.g. a fee of 2.9029 万元 is drawn
with four places and printed as ``2.9029``; a ``money`` style may pad 2.9 to ``2.90``
but never rounds), so the truth value is always the printed number.

A document has habits (:func:`number_style`): how it prints zero (0, blank, —, -, /, 无),
whether it uses full-width digits or thousands separators, stray spaces.  Only zeros
are ever printed as a null mark, so reading null as 0 keeps the identities.
"""

from __future__ import annotations

import random
from decimal import Decimal

from .variants import NULL_MARKS, ZERO_STYLES, fullwidth_digits

Number = int | float


def number_style(rng: random.Random, allow_blank: bool = True) -> dict:
    """One document's habits for printing numbers."""
    zeros = [z for z in ZERO_STYLES if allow_blank or z != ""]
    return {
        "zero": rng.choice(zeros),
        "zero_mix": rng.choice((0.0, 0.0, 0.05, 0.2)),
        "alt_zeros": zeros,
        "fullwidth": rng.choice((0.0, 0.0, 0.0, 0.1, 1.0)),
        "thousands": rng.random() < 0.3,
        "spaces": rng.choice((0.0, 0.0, 0.05, 0.2)),
        "unit": rng.random() < 0.15,
    }


def places(v: Number) -> int:
    """Decimal places ``v`` carries (0 for a whole number): its shortest round-trip text."""
    if isinstance(v, int) or float(v).is_integer():
        return 0
    return max(0, -int(Decimal(repr(float(v))).as_tuple().exponent))


def _plain(v: Number, decimals: int | None) -> str:
    """``v`` with all the places it carries, zero-padded to ``decimals`` (never rounded)."""
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.{max(decimals or 0, places(v))}f}"
    return str(int(v))


def format_number(v: Number, style: dict, rng: random.Random, money: bool = False, unit: str = "") -> str:
    """The printed text of ``v`` in this style (``money`` cells may get decimals, ``unit`` a suffix)."""
    if v == 0:
        z = style["zero"]
        if rng.random() < style["zero_mix"]:
            z = rng.choice(style["alt_zeros"])
        if z == "0" and money and rng.random() < 0.3:
            z = rng.choice(("0.00", "0.0"))
    else:
        z = _plain(v, rng.choice((None, None, 2)) if money else None)
        if style["thousands"] and abs(v) >= 1000:
            ip, _, fp = z.partition(".")
            sign = "-" if ip.startswith("-") else ""
            ip = f"{int(ip.lstrip('-')):,}"
            z = sign + ip + ("." + fp if fp else "")
        if unit and style["unit"]:
            z += unit
        if rng.random() < style["fullwidth"]:
            z = fullwidth_digits(z)
    if style["spaces"] and rng.random() < style["spaces"]:
        z = rng.choice((" ", "  ", "　")) + z if rng.random() < 0.6 else z + " "
    return z


def read_back(raw: str, v: Number) -> Number | None:
    """The truth value of a printed cell: null for a null mark, else the number."""
    if raw.strip(" 　") in NULL_MARKS:
        return None
    return v
