"""Facts stated in the narrative: each pattern, negations, Chinese numerals, and what is not a count."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pyarrow as pa
import pytest

from nianbao.corpus.store import NARRATIVE_SCHEMAS
from nianbao.normalize.chinese_numerals import parse_chinese_numeral, parse_number
from nianbao.normalize.facts import FACT_TO_CELL, FACT_TO_CELL_WEAK, section_facts
from nianbao.normalize.narrative import DATASETS, narrative_rows

SEED = Path(__file__).parent / "fixtures" / "real" / "2024_yiyuan_kejiju.txt"
_HEADING = re.compile(
    r"^[ \t\u3000]*([一二三四五六])、(?:总体情况|主动公开|收到和处理|政府信息公开行政复议|存在的主要问题|其他需要报告)",
    re.M,
)


def seed_sections() -> dict[int, str]:
    """The seed's six parts, split at their headings (heading lines excluded)."""
    text = SEED.read_text(encoding="utf-8")
    marks = [(m.start(), "一二三四五六".index(m.group(1)) + 1) for m in _HEADING.finditer(text)]
    out = {}
    for i, (pos, number) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        out[number] = text[pos:end].split("\n", 1)[1]
    return out


def facts(text: str, section: int = 1) -> list[dict]:
    return section_facts("d", section, text)


def keyed(text: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for row in facts(text):
        out.setdefault(row["key"], []).append(row["value"])
    return out


# ------------------------------------------------------------------------- the seed report


@pytest.fixture(scope="module")
def seed_rows() -> dict[str, list[dict]]:
    return narrative_rows("seed", seed_sections())


def test_seed_proactive_total_and_its_parts(seed_rows: dict[str, list[dict]]) -> None:
    rows = seed_rows["facts"]
    total = next(r for r in rows if r["key"] == "proactive.total")
    assert (total["value"], total["unit"], total["section"]) == (40.0, "条", 1)
    parts = [r for r in rows if r["part_of"] == total["fact"]]
    assert [p["value"] for p in parts] == [1, 2, 10, 6, 2, 14, 5]
    assert parts[0]["key"] == "proactive.normative_doc"
    assert sum(p["value"] for p in parts) == total["value"]


def test_seed_requests_proposals_and_zeros(seed_rows: dict[str, list[dict]]) -> None:
    by_key = {r["key"]: r for r in seed_rows["facts"]}
    assert by_key["requests.received"]["value"] == 1.0
    assert by_key["requests.received.change"]["qualifier"] == "same_as_last_year"
    assert (by_key["proposals.npc"]["value"], by_key["proposals.npc"]["section"]) == (1.0, 6)
    assert by_key["proposals.cppcc"]["value"] == 1.0
    assert by_key["review.total"]["value"] == 0.0 and by_key["review.total"]["negated"]
    assert by_key["fee.charged_yuan"]["value"] == 0.0 and by_key["fee.charged_yuan"]["negated"]


def test_seed_spans_point_into_the_section_text(seed_rows: dict[str, list[dict]]) -> None:
    sections = seed_sections()
    for row in seed_rows["facts"]:
        text = sections[row["section"]]
        assert text[row["start"] : row["end"]] == row["raw"]
        assert row["raw"] in text[row["sentence_start"] : row["sentence_end"]]


def test_seed_has_no_fact_from_years_phones_or_document_numbers(seed_rows: dict[str, list[dict]]) -> None:
    raws = {r["raw"] for r in seed_rows["facts"]}
    assert not any("2024" in raw or "109" in raw or "179" in raw for raw in raws)


def test_fact_ids_are_unique_across_sections(seed_rows: dict[str, list[dict]]) -> None:
    ids = [r["fact"] for r in seed_rows["facts"]]
    assert ids == list(range(len(ids)))


# ------------------------------------------------------------------------ one test per pattern


@pytest.mark.parametrize(
    ("text", "key", "value", "unit"),
    [
        ("全年主动公开政府信息40条。", "proactive.total", 40, "条"),
        ("主动公开行政规范性文件8件。", "proactive.normative_doc", 8, "件"),
        ("新增公开市政府规章1件。", "proactive.regulation", 1, "件"),
        ("发布政策解读21篇。", "proactive.interpretation", 21, "篇"),
        ("召开新闻发布会12场。", "proactive.press_conference", 12, "场"),
        ("2024年，收到政府信息公开申请1件。", "requests.received", 1, "件"),
        ("本年度全区共收到70件申请。", "requests.received", 70, "件"),
        ("全市共受理政府信息公开申请 3119 件。", "requests.received", 3119, "件"),
        ("上年结转政府信息公开申请3件。", "requests.carried_over", 3, "件"),
        ("及时依法依规办结69件。", "requests.processed", 69, "件"),
        ("另有103件顺延到下年度答复。", "requests.carried_forward", 103, "件"),
        ("1件结转下年度继续办理。", "requests.carried_forward", 1, "件"),
        ("政府信息公开行政复议351件。", "review.total", 351, "件"),
        ("发生政府信息公开行政诉讼46件。", "litigation.total", 46, "件"),
        ("承办人大建议1件。", "proposals.npc", 1, "件"),
        ("办理政协提案3件。", "proposals.cppcc", 3, "件"),
        ("共办理建议提案12件。", "proposals.total", 12, "件"),
        ("收取信息处理费380元。", "fee.charged_yuan", 380, "元"),
        ("收取信息处理费0.38万元。", "fee.charged_yuan", 3800, "元"),
        ("全市在运维政务新媒体共计95个。", "new_media.accounts", 95, "个"),
        ("召开政务公开工作培训会1次。", "training.sessions", 1, "次"),
        ("培训政务公开工作人员200人次。", "training.participants", 200, "人次"),
        ("全年组织4次政务公开季度检查。", "inspection.count", 4, "次"),
        ("接入53个部门。", "other", 53, "个"),
    ],
)
def test_pattern(text: str, key: str, value: float, unit: str) -> None:
    rows = facts(text)
    assert len(rows) == 1, rows
    assert (rows[0]["key"], rows[0]["value"], rows[0]["unit"]) == (key, value, unit)
    assert text[rows[0]["start"] : rows[0]["end"]] == rows[0]["raw"]


def test_outcome_parts_of_review_and_litigation() -> None:
    text = (
        "政府信息公开行政复议351件，其中结果维持72件，结果纠正64件，其他结果178件，尚未审结37件；"
        "政府信息公开行政诉讼46件，其中结果维持25件。"
    )
    rows = facts(text)
    assert [r["key"] for r in rows] == [
        "review.total",
        "review.upheld",
        "review.corrected",
        "review.other",
        "review.pending",
        "litigation.total",
        "litigation.upheld",
    ]
    assert rows[1]["part_of"] == rows[0]["fact"] and rows[6]["part_of"] == rows[5]["fact"]


def test_applicant_parts_after_sheji() -> None:
    rows = facts("全区收到政府信息公开申请75件，涉及自然人72件、商业企业3件，办结率100%。")
    assert [(r["key"], r["value"]) for r in rows] == [
        ("requests.received", 75),
        ("requests.received.natural_person", 72),
        ("requests.received.legal_person", 3),
        ("other", 100),  # a rate is not a part of a count
    ]
    assert rows[3]["part_of"] is None


def test_list_with_deng_is_not_its_first_member() -> None:
    assert keyed("刊登政府规章、规范性文件等112件。") == {"other": [112.0]}


# ---------------------------------------------------------------------------- negations


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("无因依申请公开引发的行政复议案件。", ["review.total"]),
        ("本年度未收取任何政府信息公开信息处理费。", ["fee.charged_yuan"]),
        ("2022年，无收取信息处理费情况。", ["fee.charged_yuan"]),
        ("本年度未收到政府信息公开申请。", ["requests.received"]),
        ("未发生因政府信息公开引起的行政复议、行政诉讼案件。", ["review.total", "litigation.total"]),
        ("本年度没有承办人大建议和政协提案。", ["proposals.npc", "proposals.cppcc"]),
    ],
)
def test_negation_states_zero(text: str, keys: list[str]) -> None:
    rows = facts(text)
    assert [r["key"] for r in rows] == keys
    assert all(r["value"] == 0 and r["negated"] for r in rows)


def test_all_zero_distributes_over_the_named_keys() -> None:
    rows = facts("因政府信息公开工作被申请行政复议、提起行政诉讼的数量均为0。")
    assert sorted((r["key"], r["value"], r["negated"]) for r in rows) == [
        ("litigation.total", 0.0, False),
        ("review.total", 0.0, False),
    ]
    rows = facts("行政复议、行政诉讼均为0件。")
    assert sorted(r["key"] for r in rows) == ["litigation.total", "review.total"]


@pytest.mark.parametrize(
    "text",
    [
        "尚未审结的案件由复议机关继续办理。",
        "未经复议直接起诉的情况不适用。",
        "对无法提供的申请说明理由。",
        "确保无错误链接、错别字、空白栏目。",
        "申请人无正当理由大量反复申请的不予处理。",
    ],
)
def test_label_words_are_not_negations(text: str) -> None:
    assert facts(text) == []


def test_same_as_last_year_and_changes() -> None:
    rows = facts("收到有关政府信息公开申请1件，数量与上年度持平。")
    assert [(r["key"], r["value"], r["qualifier"]) for r in rows] == [
        ("requests.received", 1.0, None),
        ("requests.received.change", 0.0, "same_as_last_year"),
    ]
    rows = facts("共受理政府信息公开申请859件，申请数量较去年回落12.3%。")
    assert (rows[1]["key"], rows[1]["value"], rows[1]["unit"]) == ("requests.received.change", -12.3, "%")
    rows = facts("收到政府信息公开申请20件，较上年增加5件。")
    assert (rows[1]["key"], rows[1]["value"]) == ("requests.received.change", 5.0)
    assert keyed("在话题播放量中占比26%。") == {"other": [26.0]}  # 占比 is not 比上年


# ------------------------------------------------------------- ranges, approximations, numerals


def test_range_approx_and_more_than() -> None:
    (row,) = facts("主动公开政府信息10至20条。")
    assert (row["value"], row["value_max"], row["qualifier"]) == (10.0, 20.0, "range")
    (row,) = facts("市政府网站主动公开各类政府信息 5500 余条。")
    assert (row["value"], row["qualifier"]) == (5500.0, "more_than")
    (row,) = facts("主动公开政府信息约300条。")
    assert row["qualifier"] == "approx"
    (row,) = facts("公文主动公开率达90.2%。")
    assert row["qualifier"] is None


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("承办人大建议一件。", "proposals.npc", 1),
        ("主动公开政府信息十二条。", "proactive.total", 12),
        ("组织政务公开培训两次。", "training.sessions", 2),
        ("收取信息处理费一百零五元。", "fee.charged_yuan", 105),
        ("主动公开政府信息１２条。", "proactive.total", 12),
        ("主动公开政府信息2,645条。", "proactive.total", 2645),
    ],
)
def test_chinese_and_full_width_numerals(text: str, key: str, value: float) -> None:
    assert keyed(text) == {key: [float(value)]}


@pytest.mark.parametrize(
    "text",
    [
        "2024年政府信息公开工作年度报告。",
        "统计期限自2024年1月1日起，至2024年12月31日止。",
        "电话：0533-3241139；邮编：256100。",
        "根据《通知》（国办函〔2020〕109号）规定。",
        "依据《条例》（国令第711号）第二十条第（一）项。",
        "贯彻党的二十大精神，编制第十四个五年规划和二〇三五年远景目标纲要。",
        "推进“一件事一次办”改革。",
        "坚持“三个一”工作机制。",
        "聚焦“九个集中攻坚、九个更高跃升”任务目标。",
        "危及“三安全一稳定”的不予公开。",
        "地址：沂源县振兴路61号。",
        "通过H5作品发布。",
    ],
)
def test_not_a_count(text: str) -> None:
    assert facts(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十五", 25),
        ("一百零五", 105),
        ("一百五", 150),
        ("两千三百", 2300),
        ("三万五千", 35000),
        ("三万五", 35000),
        ("十万", 100000),
        ("两", 2),
        ("〇", 0),
        ("二〇二四", 2024),
    ],
)
def test_parse_chinese_numeral(text: str, value: int) -> None:
    assert parse_chinese_numeral(text) == value


@pytest.mark.parametrize("text", ["", "万", "亿", "两两", "abc", "一a"])
def test_parse_chinese_numeral_rejects(text: str) -> None:
    assert parse_chinese_numeral(text) is None


def test_parse_number() -> None:
    assert parse_number("１２") == 12
    assert parse_number("2,645") == 2645
    assert parse_number("1.5万") == 15000
    assert parse_number("十二") == 12
    assert parse_number("—") is None


# --------------------------------------------------------------------- the mapping to cells


def test_fact_to_cell_names_real_cells() -> None:
    spec = tomllib.loads(
        (Path(__file__).parents[1] / "normalize/data/standard_tables.toml").read_text("utf-8")
    )
    t3_rows = {row["key"] for row in spec["t3"]["rows"]}
    t3_cols = set(spec["t3"]["cols"])
    t4_cols = {f"{g}.{o}" for g in spec["t4"]["groups"] for o in spec["t4"]["outcomes"]}
    t2_rows = {row["key"]: row["cols"] for row in spec["t2_2021"]["rows"]}
    for cells in (*FACT_TO_CELL.values(), *FACT_TO_CELL_WEAK.values()):
        for table, row, col in cells:
            if table == "t3":
                assert row in t3_rows and col in t3_cols
            elif table == "t4":
                assert row == spec["t4"]["row"] and col in t4_cols
            else:
                assert table == "t2" and col in t2_rows[row]


def test_pdf_wrapped_text_keeps_spans_into_the_original() -> None:
    text = (
        "答复 3050 件（含上年度结转申请 34 件，另有 103 件顺延到下年度\n"
        "答复），均在法定期限内予以答复。政府信息公开行政复议 351\n"
        "件，其中结果维持 72 件。\n"
    )
    rows = facts(text)
    assert [(r["key"], r["value"]) for r in rows] == [
        ("requests.processed", 3050),
        ("requests.carried_over", 34),
        ("requests.carried_forward", 103),
        ("review.total", 351),
        ("review.upheld", 72),
    ]
    assert rows[3]["raw"] == "351\n件"
    assert all(text[r["start"] : r["end"]] == r["raw"] for r in rows)


def test_narrative_rows_skips_empty_sections() -> None:
    out = narrative_rows("d", {1: "", 2: "   ", 6: "承办人大建议1件。"})
    assert set(out) == {"tokens", "facts", "tags"}
    assert {r["section"] for r in out["tokens"]} == {6}
    assert [r["key"] for r in out["facts"]] == ["proposals.npc"]


def test_rows_fit_the_written_schemas(seed_rows: dict[str, list[dict]]) -> None:
    """Each dataset's rows carry exactly the columns of the schema the runner writes."""
    for name, rows in seed_rows.items():
        schema = NARRATIVE_SCHEMAS[name]
        assert rows and set(rows[0]) == set(schema.names) == set(DATASETS[name]), name
        assert pa.Table.from_pylist(rows, schema=schema).num_rows == len(rows)
