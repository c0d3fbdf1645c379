"""Printed numbers: every variant the tables use, and no silent zero."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nianbao.normalize.numbers import is_number_like, parse_number


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0.0),
        ("12", 12.0),
        ("１２", 12.0),  # full-width digits
        ("1,234", 1234.0),
        ("１，２３４", 1234.0),  # full-width comma
        ("0.35", 0.35),
        ("24252.311082", 24252.311082),
        (" 7 ", 7.0),
        ("\u30001", 1.0),  # ideographic space
        ("\u00a0\u00a05", 5.0),  # non-breaking spaces
        ("\u3000\u00a00", 0.0),
        ("251000元", 251000.0),  # a unit the cell repeats
        ("447228", 447228.0),
    ],
)
def test_numbers(text, value):
    assert parse_number(text) == value
    assert is_number_like(text)


@pytest.mark.parametrize("text", ["", " ", "—", "——", "-", "－", "/", "／", "无", "\u3000", "\u00a0", None])
def test_marks_for_nothing_are_null_never_zero(text):
    assert parse_number(text) is None
    if text is not None:
        assert is_number_like(text)


@pytest.mark.parametrize(
    "text", ["规章", "自然人", "（七）总计", "1.属于国家秘密", "12a", "1.2.3", "第二十条"]
)
def test_labels_are_not_numbers(text):
    assert parse_number(text) is None
    assert not is_number_like(text)


@given(st.integers(min_value=0, max_value=10**9))
def test_integers_round_trip_in_every_printing(n):
    full_width = str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert parse_number(str(n)) == n
    assert parse_number(full_width) == n
    assert parse_number(f"{n:,}") == n
    assert parse_number(f"\u3000{n}\u00a0") == n


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False))
def test_decimals(d):
    assert parse_number(str(d)) == pytest.approx(float(d))
