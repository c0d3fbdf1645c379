"""Tables to standard cells: both templates, merged and flattened layouts, nothing invented."""

from __future__ import annotations

import random

import pytest

from nianbao.extract.model import Cell, Table, table_from_rows
from nianbao.normalize.mapping import classify, map_tables
from nianbao.normalize.spec import table_spec

T3_COLS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def _values(template: str, seed: int = 1) -> dict[tuple[str, str], int]:
    rng = random.Random(seed)
    return {(r, c): rng.randint(0, 30) for r, c in table_spec("t3", template).slots()}


def t3_national_form(template: str, values: dict[tuple[str, str], int], *, text=str) -> Table:
    """Table 三 laid out like the national form: vertical group labels, 法人 over five columns."""
    spec = table_spec("t3", template)
    cells = [
        Cell(
            0,
            0,
            "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
            row_span=3,
            col_span=3,
        ),
        Cell(0, 3, "申请人情况", col_span=7),
        Cell(1, 3, "自然人", row_span=2),
        Cell(1, 4, "法人或其他组织", col_span=5),
        Cell(1, 9, "总计", row_span=2),
        *[Cell(2, 4 + i, lab) for i, lab in enumerate(T3_COLS[1:6])],
    ]
    r = 3
    group_rows: dict[str, list[int]] = {}
    for row in spec.rows:
        if row.group and row.group.startswith("（"):
            group_rows.setdefault(row.group, []).append(r)
        if row.group is None:
            cells.append(Cell(r, 0, row.label, col_span=3))
        elif row.group.startswith("（"):
            cells.append(Cell(r, 2, row.label))
        else:
            cells.append(Cell(r, 1, row.label, col_span=2))
        for k, col in enumerate(spec.col_labels):
            cells.append(Cell(r, 3 + k, text(values[(row.key, col)])))
        r += 1
    for group, rows in group_rows.items():
        cells.append(Cell(rows[0], 1, group, row_span=len(rows)))
    cells.append(Cell(5, 0, "三、本年度办理结果", row_span=r - 1 - 5))  # from （一） through （七）
    return Table(tuple(cells), r, 10)


def t3_flattened(template: str, values, *, text=str) -> Table:
    """The same table as a one-cell-per-line flattening leaves it: no geometry, blanks for merges."""
    spec = table_spec("t3", template)
    rows = [
        ["（本列数据的勾稽关系为：…）", "申请人情况"],
        ["", "自然人", "法人或其他组织", "总计"],
        ["", "", *T3_COLS[1:6], " "],
    ]
    last_group = None
    for row in spec.rows:
        labels = [row.label]
        if row.group and row.group.startswith("（"):
            labels = [row.group if row.group != last_group else "", row.label]
            last_group = row.group
        rows.append(["", *labels, *(text(values[(row.key, c)]) for c in spec.col_labels)])
    rows.append([" "] * 11)
    return table_from_rows(rows, structured=False)


@pytest.mark.parametrize("template", ["2021", "2019"])
@pytest.mark.parametrize("layout", [t3_national_form, t3_flattened])
def test_t3_every_cell(template, layout):
    values = _values(template)
    mapped = map_tables([layout(template, values)], year=2024 if template == "2021" else 2019)
    assert mapped.template == template
    got = {(c.row, c.col): c.value for c in mapped.cells if c.table == "t3"}
    assert got == {k: float(v) for k, v in values.items()}
    assert mapped.notes == []


def test_t3_printed_text_kept_raw_and_dashes_are_null():
    values = _values("2021")
    printed = {0: "—", 1: "１", 2: "/", 3: "无", 4: ""}
    table = t3_national_form("2021", values, text=lambda v: printed.get(v, f"{v:,}"))
    cells = {(c.row, c.col): c for c in map_tables([table], 2024).cells}
    for (r, col), v in values.items():
        c = cells[(r, col)]
        assert c.raw == printed.get(v, f"{v:,}")
        assert c.value == {0: None, 1: 1.0, 2: None, 3: None, 4: None}.get(v, float(v))


def test_missing_row_is_reported_not_filled():
    values = _values("2021")
    table = t3_flattened("2021", values)
    rows = [[c.text for c in r] for r in table.rows() if not any("重复申请" in c.text for c in r)]
    mapped = map_tables([table_from_rows(rows, structured=False)], 2024)
    keys = {c.row for c in mapped.cells if c.table == "t3"}
    assert "rejected.duplicate" not in keys
    assert len(keys) == 24


def test_ragged_row_is_not_guessed():
    rows = [
        ["", "", *T3_COLS[1:6]],
        ["一、本年新收政府信息公开申请数量", "1", "2", "3"],
        ["二、上年结转政府信息公开申请数量", *"1234567"],
        ["（一）予以公开", *"1234567"],
    ]
    mapped = map_tables([table_from_rows(rows, structured=False)], 2024)
    assert {c.row for c in mapped.cells} == {"carried_over", "granted"}
    assert any("new_received" in n for n in mapped.notes)


T2_2021_SMALL = [
    [
        ["第二十条第（一）项"],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "1", "0", "5"],
        ["规范性文件", "2", "1", "30"],
    ],
    [["第二十条第（五）项"], ["信息内容", "本年处理决定数量"], ["行政许可", "1,234"]],
    [["第二十条第（六）项"], ["信息内容", "本年处理决定数量"], ["行政处罚", "５"], ["行政强制", "—"]],
    [["第二十条第（八）项"], ["信息内容", "本年收费金额（单位：万元）"], ["行政事业性收费", "0.35"]],
]
T2_2021_EXPECTED = {
    ("regulation", "issued"): 1.0,
    ("regulation", "repealed"): 0.0,
    ("regulation", "in_force"): 5.0,
    ("normative_doc", "issued"): 2.0,
    ("normative_doc", "repealed"): 1.0,
    ("normative_doc", "in_force"): 30.0,
    ("admin_license", "decisions"): 1234.0,
    ("admin_penalty", "decisions"): 5.0,
    ("admin_coercion", "decisions"): None,
    ("admin_fee", "fee_amount_wan"): 0.35,
}


@pytest.mark.parametrize("structured", [True, False])
def test_t2_as_four_small_tables(structured):
    tables = [table_from_rows(t, structured=structured) for t in T2_2021_SMALL]
    mapped = map_tables(tables, 2022)
    assert mapped.template == "2021"
    assert {(c.row, c.col): c.value for c in mapped.cells if c.table == "t2"} == T2_2021_EXPECTED


def test_t2_as_one_table():
    rows = [r for t in T2_2021_SMALL for r in t]
    mapped = map_tables([table_from_rows(rows, structured=False)], 2022)
    assert {(c.row, c.col): c.value for c in mapped.cells if c.table == "t2"} == T2_2021_EXPECTED


def test_t2_2019_with_colspan_quirks():
    """Shanghai 2019: value cells spanning two header slots in some rows but not others."""
    cells = [
        Cell(0, 0, "第二十条第（五）项", col_span=5),
        Cell(1, 0, "信息内容"),
        Cell(1, 1, "上一年项目数量"),
        Cell(1, 2, "本年增/减", col_span=2),
        Cell(1, 4, "处理决定数量"),
        Cell(2, 0, "行政许可"),
        Cell(2, 1, "7", col_span=2),
        Cell(2, 3, "-2"),
        Cell(2, 4, "40"),
    ]
    mapped = map_tables([Table(tuple(cells), 3, 5)], 2019)
    assert mapped.template == "2019"
    assert {(c.row, c.col): c.value for c in mapped.cells} == {
        ("admin_license", "prev_items"): 7.0,
        ("admin_license", "delta"): -2.0,
        ("admin_license", "decisions"): 40.0,
    }


def t4_form(values: list[str]) -> Table:
    outcomes = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    cells = [
        Cell(0, 0, "行政复议", col_span=5),
        Cell(0, 5, "行政诉讼", col_span=10),
        *[Cell(1, k, o, row_span=2) for k, o in enumerate(outcomes)],
        Cell(1, 5, "未经复议直接起诉", col_span=5),
        Cell(1, 10, "复议后起诉", col_span=5),
        *[Cell(2, 5 + k, o) for k, o in enumerate(outcomes * 2)],
        *[Cell(3, k, v) for k, v in enumerate(values)],
    ]
    return Table(tuple(cells), 4, 15)


def test_t4_structured_and_flattened():
    values = [str(v) for v in range(15)]
    keys = list(table_spec("t4", "2021").col_labels)
    for table in (
        t4_form(values),
        table_from_rows([[c.text for c in r] for r in t4_form(values).rows()], structured=False),
    ):
        mapped = map_tables([table], 2022)
        assert {c.col: c.value for c in mapped.cells if c.table == "t4"} == {
            k: float(i) for i, k in enumerate(keys)
        }


def test_classify_scores():
    values = _values("2021")
    assert max(classify(t3_national_form("2021", values)).items(), key=lambda kv: kv[1])[0] == "t3"
    assert max(classify(t4_form(["0"] * 15)).items(), key=lambda kv: kv[1])[0] == "t4"
    assert (
        max(classify(table_from_rows(T2_2021_SMALL[0], structured=True)).items(), key=lambda kv: kv[1])[0]
        == "t2"
    )
    assert max(classify(table_from_rows([["甲", "乙"], ["1", "2"]], structured=True)).values()) < 3


def _flat_t3(rows: list[tuple[str, list[int]]]) -> Table:
    header = ["", *T3_COLS]
    return table_from_rows([header, *[[label, *map(str, vals)] for label, vals in rows]], structured=False)


def test_hybrid_t3_rows_of_the_other_form_keep_their_own_keys():
    # a 2021 report whose 表三 still prints the single 2019 row （六）其他处理
    rows = [
        ("一、本年新收政府信息公开申请数量", [3, 0, 0, 0, 0, 0, 3]),
        ("（一）予以公开", [1, 0, 0, 0, 0, 0, 1]),
        ("（二）部分公开", [0] * 7),
        ("（六）其他处理", [2, 0, 0, 0, 0, 0, 2]),
        ("（七）总计", [3, 0, 0, 0, 0, 0, 3]),
    ]
    mapped = map_tables([_flat_t3(rows)], 2022)
    got = {(c.row, c.col): c.value for c in mapped.cells}
    assert mapped.template == "2021"
    assert got[("other", "natural_person")] == 2 and got[("other", "total")] == 2
    assert not any(r.startswith("other.") for r, _ in got)
    assert any("2019 form" in n and "other" in n for n in mapped.notes)


def test_hybrid_2019_report_with_the_three_2021_rows():
    rows = [
        ("（一）予以公开", [1, 0, 0, 0, 0, 0, 1]),
        ("（六）其他处理", [0] * 7),  # group label printed as a row of its own above the three
        ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", [1, 0, 0, 0, 0, 0, 1]),
        ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", [0] * 7),
        ("3.其他", [2, 0, 0, 0, 0, 0, 2]),
    ]
    got = {(c.row, c.col): c.value for c in map_tables([_flat_t3(rows)], 2020).cells}
    assert got[("other.overdue_correction", "natural_person")] == 1
    assert got[("other.other", "total")] == 2


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("4.保护第三方合法权", "denied.third_party"),  # a character dropped at the end
        ("1.属于国家密秘", "denied.state_secret"),  # two swapped
        ("2.其他法律行政法规禁公开", "denied.law_prohibited"),  # one dropped inside
        ("3.补正后申请内容仍不明 确", "unable.unclear"),  # a stray space
        ("2.重复请", "rejected.duplicate"),  # short, but one slip from one label only
        ("2.公开", None),  # as near to 予以公开 as to 部分公开
    ],
)
def test_labels_one_slip_away_match_their_row(label, key):
    from nianbao.normalize import labels as L

    assert L.row_matcher("t3", "2021").match(label) == key
