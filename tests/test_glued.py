"""Cells glued together in flattened text: split only where the arithmetic leaves one reading."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nianbao.normalize.glued import _runs, glued_cells, parse_rows, splits
from nianbao.normalize.spec import table_spec


def test_splits_respect_no_leading_zero():
    assert list(splits("0000000", 7)) == [(0,) * 7]
    assert list(splits("100", 2)) == [(10, 0)]  # "1|00" would print a leading zero
    assert set(splits("1234", 2)) == {(1, 234), (12, 34), (123, 4)}
    assert list(splits("12", 3)) == []


@settings(deadline=None, max_examples=60)  # long digit runs have many splits: no per-example deadline
@given(st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=6))
def test_the_printed_reading_is_always_among_the_splits(values):
    assert tuple(values) in set(splits("".join(map(str, values)), len(values)))


def test_runs_leave_list_numbering_to_the_next_label():
    text = "（三）不予公开1.属于国家秘密00000002.其他法律行政法规禁止公开0000000"
    assert [(lab, d) for lab, d, _a, _b in _runs(text)] == [
        ("（三）不予公开1.属于国家秘密", "0000000"),
        ("2.其他法律行政法规禁止公开", "0000000"),
    ]
    assert [d for _l, d, _a, _b in _runs("行政事业性收费24252.311082")] == ["24252.311082"]


def _t3_text(rows: dict[str, list[int]], spaced: tuple[str, ...] = ()) -> str:
    """Table 三 flattened with its cells glued, except the rows in ``spaced`` (&nbsp; kept)."""
    spec = table_spec("t3", "2021")
    head = "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"
    body = "".join(
        (r.group or "") * (i == 2) + r.label + (" " if r.key in spaced else "").join(map(str, rows[r.key]))
        for i, r in enumerate(spec.rows)
    )
    return head + body


def _consistent_t3() -> dict[str, list[int]]:
    spec = table_spec("t3", "2021")
    rows = {k: [0] * 7 for k in spec.row_keys}
    rows["new_received"] = [27, 0, 0, 2, 0, 1, 30]
    rows["granted"] = [
        27,
        0,
        0,
        2,
        0,
        1,
        30,
    ]  # "270020130": 27|0|0|2|0|1|30 or 2|7|0|0|2|0|... by the row alone
    rows["total_processed"] = [27, 0, 0, 2, 0, 1, 30]
    return rows


def test_t3_split_resolved_by_the_column_identities():
    notes: list[str] = []
    text = _t3_text(_consistent_t3(), spaced=("new_received", "total_processed"))
    cells = glued_cells({3: text}, {"t3"}, "2021", notes)
    got = {(c.row, c.col): c.value for c in cells}
    assert got[("granted", "natural_person")] == 27
    assert got[("granted", "total")] == 30
    assert len(cells) == 175
    assert notes == []


def test_t3_ambiguous_row_is_left_without_values():
    # Every row that reads "270020130" can be 27|0|0|2|0|1|30 or 2|7|0|0|20|1|30, and both
    # readings balance the columns: nothing decides, so nothing is guessed.
    notes: list[str] = []
    cells = glued_cells({3: _t3_text(_consistent_t3())}, {"t3"}, "2021", notes)
    granted = [c for c in cells if c.row == "granted"]
    assert all(c.value is None and c.raw == "270020130" for c in granted)
    assert any("granted" in n for n in notes)
    zeros = [c for c in cells if c.row == "denied.state_secret"]
    assert all(c.value == 0 for c in zeros)  # unique rows are still read


def test_t4_by_the_group_identity_and_by_spaces():
    header = "行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计未经复议直接起诉复议后起诉"
    cells = glued_cells({4: header + "10203120001200000"}, {"t4"}, "2021", [])
    assert [c.value for c in cells] == [1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0]
    spaced = glued_cells({4: header + " 0 1 1 0 2 1 0 0 0 1 0 0 0 0 0"}, {"t4"}, "2021", [])
    assert [c.value for c in spaced] == [0, 1, 1, 0, 2, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0]


def test_t2_split_by_the_narrative_or_not_at_all():
    table = "第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件8855698"
    told = "集中公开现行有效行政规范性文件698件，动态更新本年度制发的规范性文件88件。"
    cells = {(c.row, c.col): c for c in glued_cells({1: told, 2: table}, {"t2"}, "2021", [])}
    assert [cells[("normative_doc", k)].value for k in ("issued", "repealed", "in_force")] == [88, 55, 698]
    assert cells[("regulation", "issued")].value == 0
    notes: list[str] = []
    silent = {(c.row, c.col): c for c in glued_cells({2: table}, {"t2"}, "2021", notes)}
    assert silent[("normative_doc", "issued")].value is None
    assert silent[("normative_doc", "issued")].raw == "8855698"
    assert notes


def test_rows_found_by_their_labels_after_headers():
    rows = parse_rows(_t3_text(_consistent_t3()), "t3", "2021")
    assert [r.key for r in rows] == list(table_spec("t3", "2021").row_keys)
