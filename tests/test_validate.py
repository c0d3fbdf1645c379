"""Per-report validation: the real reports' hand-checked truth, and small built cases."""

from __future__ import annotations

import json
import random
import re
from functools import cache
from pathlib import Path

import pytest

from nianbao.normalize.records import ReportMeta, StdCell
from nianbao.normalize.rules import RULES, rules_markdown
from nianbao.normalize.spec import all_slots
from nianbao.normalize.validate import check_cells, narrative_facts, validate_report

REAL = Path(__file__).parent / "fixtures" / "real"
TRUTH = sorted((REAL / "truth").glob("*.json"))
IDENTITY_RULES = {"t3.balance", "t3.outcome_sum", "t3.row_total", "t4.group_total"}
_HEADINGS = (
    (1, r"一、总体情况"),
    (2, r"二、主动公开"),
    (3, r"三、收到和处理"),
    (4, r"四、(?:因)?政府信息公开"),
    (5, r"五、(?:政府信息公开工作)?存在"),
    (6, r"六、其他需要报告"),
)


def _plain_text(path: Path) -> str:
    if path.suffix == ".txt":
        return path.read_text("utf-8")
    if path.suffix == ".html":
        import lxml.html

        return lxml.html.fromstring(path.read_text("utf-8")).text_content()
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return "\n".join(p.extract_text() or "" for p in pdf.pages)


def split_parts(text: str) -> dict[int, str]:
    """The six parts by their headings; parts 二–四 keep only their heading (tables excluded)."""
    found, start = [], 0
    for n, pattern in _HEADINGS:
        m = re.compile(pattern).search(text, start)
        if m:
            found.append((n, m.start()))
            start = m.end()
    parts = {}
    for i, (n, s) in enumerate(found):
        end = found[i + 1][1] if i + 1 < len(found) else len(text)
        parts[n] = text[s:end] if n in (1, 5, 6) else text[s : s + 20].splitlines()[0]
    return parts


@cache
def real_report(name: str) -> tuple[list[StdCell], ReportMeta, dict[int, str], dict]:
    """Cells and metadata from the truth file, narrative parts from the document itself."""
    truth = json.loads((REAL / "truth" / f"{name}.json").read_text("utf-8"))
    cells = [StdCell(c["table"], c["row"], c["col"], c["value"], c["raw"]) for c in truth["cells"]]
    meta = ReportMeta(truth["agency"], truth["year"], truth["template"], truth["published"])
    return cells, meta, split_parts(_plain_text(REAL / truth["file"])), truth


def test_seed_reports_exactly_its_broken_identities_and_the_early_date() -> None:
    cells, meta, parts, truth = real_report("2024_yiyuan_kejiju")
    assert sorted(parts) == [1, 2, 3, 4, 5, 6]
    findings = validate_report(cells, meta, parts)
    got = sorted((f.rule, f.row, f.col, f.expected, f.actual) for f in findings if f.severity != "info")
    assert got == [
        ("date.before_period_end", None, None, "after 2024-12-31", "2024-12-22"),
        ("t3.balance", None, "research", "0", "1"),
        ("t3.outcome_sum", "total_processed", "research", "0", "1"),
        ("t3.row_total", "total_processed", "total", "2", "1"),
    ]
    assert len(truth["identities_broken"]) == 3
    assert all(f.table == "t3" and f.severity == "error" for f in findings if f.rule in IDENTITY_RULES)


def test_seed_normative_documents_published_are_not_documents_issued() -> None:
    # "主动公开…其中，规范性文件1件" counts documents published, not 表二 本年制发件数 (0).
    cells, meta, parts, _ = real_report("2024_yiyuan_kejiju")
    assert "规范性文件1件" in parts[1]
    keys = {f.key for f in narrative_facts(parts[1], 1)}
    assert not any(k.startswith("normative_doc") for k in keys)
    assert not [f for f in validate_report(cells, meta, parts) if f.rule == "narrative.mismatch"]


@pytest.mark.parametrize("path", TRUTH, ids=[p.stem for p in TRUTH])
def test_real_reports_give_no_false_identity_error(path: Path) -> None:
    cells, meta, parts, truth = real_report(path.stem)
    findings = validate_report(cells, meta, parts)
    identity_errors = [f for f in findings if f.rule in IDENTITY_RULES]
    assert len(identity_errors) == len(truth["identities_broken"])
    assert not [f for f in findings if f.rule in ("narrative.mismatch", "cell.fractional", "cell.negative")]
    assert not [f for f in findings if f.rule.startswith(("complete.", "template.", "fee."))]


def test_real_reports_narratives_are_read() -> None:
    """The focused patterns do find the counts the real reports state (and all agree)."""
    stated = {}
    for path in TRUTH:
        _, _, parts, _ = real_report(path.stem)
        stated[path.stem] = {f.key: f.value for n, t in parts.items() for f in narrative_facts(t, n)}
    assert stated["2024_huaian_szf"]["requests.received"] == 3119
    assert stated["2024_huaian_szf"]["review.total"] == 351
    assert stated["2019_shanghai_szfbgt"]["litigation.total"] == 9
    assert stated["2022_pingtan_gwh"]["normative_doc.in_force"] == 698
    assert stated["2021_pingtan_gwh"]["requests.carried_forward"] == 1


def test_blank_zeros_are_not_assessable_never_errors() -> None:
    cells, meta, parts, _ = real_report("2019_shanghai_szfbgt")
    findings = validate_report(cells, meta, parts)
    na = [f for f in findings if f.rule == "identity.not_assessable"]
    assert na and all(f.severity == "info" and f.expected is None for f in na)
    rows = {f.row for f in na if f.col == "total"}
    assert {"granted", "unable.not_held", "rejected.duplicate"} <= rows
    assert not [f for f in findings if f.severity == "error"]


# ---------------------------------------------------------------- built cases


def clean_cells(template: str = "2021", fill: float = 0.0) -> list[StdCell]:
    """Every slot of a template, all ``fill`` (zero satisfies every identity)."""
    return [StdCell(t, r, c, fill, str(fill)) for t, r, c in all_slots(template)]


def with_values(cells: list[StdCell], changes: dict[tuple[str, str, str], float | None]) -> list[StdCell]:
    return [
        StdCell(c.table, c.row, c.col, changes[k], "" if changes[k] is None else str(changes[k]))
        if (k := (c.table, c.row, c.col)) in changes
        else c
        for c in cells
    ]


PARTS = {n: f"第{n}部分" for n in range(1, 7)} | {6: "本年度未收取信息处理费。"}
META = ReportMeta("沂源县科学技术局", 2024, "2021", "2025-01-20")


def rules_of(findings) -> list[str]:
    return sorted(f.rule for f in findings)


def test_clean_report_has_no_findings() -> None:
    assert validate_report(clean_cells(), META, PARTS) == []
    meta19 = ReportMeta("上海市人民政府", 2019, "2019", "2020-03-01")
    assert validate_report(clean_cells("2019"), meta19, PARTS | {6: "无。"}) == []


def test_t4_group_total_points_at_the_group() -> None:
    cells = with_values(
        clean_cells(), {("t4", "count", "review.upheld"): 2, ("t4", "count", "review.total"): 3}
    )
    [f] = validate_report(cells, META, PARTS)
    assert (f.rule, f.table, f.col, f.expected, f.actual) == (
        "t4.group_total",
        "t4",
        "review.total",
        "2",
        "3",
    )


def test_cells_must_be_whole_and_non_negative_but_money_may_be_decimal() -> None:
    cells = with_values(
        clean_cells(),
        {
            ("t2", "admin_penalty", "decisions"): -1,
            ("t2", "admin_license", "decisions"): 2.5,
            ("t2", "admin_fee", "fee_amount_wan"): 96171.6,
        },
    )
    assert rules_of(validate_report(cells, META, PARTS)) == ["cell.fractional", "cell.negative"]
    # 2019 本年增/减 is a change and may be negative
    cells19 = with_values(clean_cells("2019"), {("t2", "admin_license", "delta"): -3})
    meta19 = ReportMeta("某市人民政府", 2020, "2019", "2021-03-01")
    assert validate_report(cells19, meta19, PARTS) == []


def test_completeness_sections_tables_rows_cells() -> None:
    cells = [
        c
        for c in clean_cells()
        if c.table != "t4" and c.row != "partial" and (c.row, c.col) != ("granted", "research")
    ]
    parts = {n: t for n, t in PARTS.items() if n != 5}
    findings = validate_report(cells, META, parts)
    got = sorted((f.rule, f.table, f.row, f.col, f.section) for f in findings)
    assert got == [
        ("complete.cell_missing", "t3", "granted", "research", None),
        ("complete.cell_missing", "t3", "partial", None, None),
        ("complete.section_missing", None, None, None, 5),
        ("complete.table_missing", "t4", None, None, None),
    ]


def test_template_must_fit_the_year() -> None:
    meta = ReportMeta("某县人民政府", 2022, "2019", "2023-02-01")
    assert "template.year_mismatch" in rules_of(validate_report(clean_cells("2019"), meta, PARTS))
    meta = ReportMeta("某县人民政府", 2020, "2021", "2021-02-01")
    assert "template.year_mismatch" in rules_of(validate_report(clean_cells("2021"), meta, PARTS))


@pytest.mark.parametrize(
    ("agency", "published", "rules"),
    [
        ("沂源县科学技术局", "2025-01-31", []),
        ("沂源县科学技术局", "2025-02-01", ["date.late"]),
        ("淮安市人民政府", "2025-03-31", []),
        ("淮安市人民政府", "2025-04-01", ["date.late"]),
        ("平潭综合实验区管委会", "2025-02-08", []),  # a zone's government reports by 31 March
        ("淮安市人民政府办公室", "2025-02-08", ["date.late"]),  # the office is a department
        ("沂源县科学技术局", "2024-12-22", ["date.before_period_end"]),
        ("沂源县科学技术局", None, ["date.missing"]),
    ],
)
def test_deadlines_by_kind(agency: str, published: str | None, rules: list[str]) -> None:
    meta = ReportMeta(agency, 2024, "2021", published)
    assert rules_of(validate_report(clean_cells(), meta, PARTS)) == rules


def test_kind_given_overrides_the_name() -> None:
    meta = ReportMeta("某机关", 2024, "2021", "2025-03-01")
    assert rules_of(validate_report(clean_cells(), meta, PARTS, kind="department")) == ["date.late"]
    assert validate_report(clean_cells(), meta, PARTS, kind="government") == []


def test_fee_statement_required_in_part_six_from_2021() -> None:
    findings = validate_report(clean_cells(), META, PARTS | {6: "无。"})
    assert [(f.rule, f.section) for f in findings] == [("fee.statement_missing", 6)]
    meta19 = ReportMeta("上海市人民政府办公厅", 2019, "2019", "2020-01-31")
    assert validate_report(clean_cells("2019"), meta19, PARTS | {6: "无。"}) == []


def _t3(cells: list[StdCell], new: int, carried: int) -> list[StdCell]:
    """A consistent 表三: ``new`` + ``carried`` requests from natural persons, all granted."""
    v = {}
    for col in ("natural_person", "total"):
        v |= {("t3", "new_received", col): new, ("t3", "carried_over", col): carried}
        v |= {("t3", "granted", col): new + carried, ("t3", "total_processed", col): new + carried}
    return with_values(cells, v)


def test_narrative_mismatch_against_the_cell_it_describes() -> None:
    cells = _t3(clean_cells(), 4, 0)
    parts = PARTS | {1: "2024年，共收到政府信息公开申请5件，办结4件。"}
    [f] = validate_report(cells, META, parts)
    assert (f.rule, f.table, f.row, f.col, f.section, f.expected, f.actual) == (
        "narrative.mismatch", "t3", "new_received", "total", 1, "4", "5"
    )  # fmt: skip
    # 收到 may count the carried-over requests too: 4 new + 1 carried = 5 is not an error
    parts = PARTS | {1: "2024年，共收到政府信息公开申请5件，办结5件。"}
    assert validate_report(_t3(clean_cells(), 4, 1), META, parts) == []


def test_narrative_review_and_litigation() -> None:
    cells = with_values(
        clean_cells(),
        {("t4", "count", "review.upheld"): 2, ("t4", "count", "review.total"): 2},
    )
    ok = PARTS | {1: "全年发生政府信息公开行政复议2件、行政诉讼0件。"}
    assert validate_report(cells, META, ok) == []
    bad = PARTS | {1: "未发生因政府信息公开引起的行政复议和行政诉讼案件。"}
    [f] = validate_report(cells, META, bad)
    assert (f.rule, f.col, f.expected, f.actual) == ("narrative.mismatch", "review.total", "2", "0")


def test_narrative_does_not_mistake_other_matters() -> None:
    text = "收到行政复议申请3件。承办人大建议2件。未发生被纠错的行政复议案件。"
    assert [(f.key, f.value) for f in narrative_facts(text, 1) if f.key.startswith("requests.")] == []
    assert 0 not in [f.value for f in narrative_facts(text, 1) if f.key == "review.total"]


def test_registry_lists_every_rule_once_with_a_severity() -> None:
    assert {"t3.balance", "date.late", "copy.same_year", "review.all_zero"} <= set(RULES)
    md = rules_markdown()
    assert all(f"`{r}`" in md for r in RULES)


# ---------------------------------------------------------------- generated reports


def where_broken(b: dict) -> tuple[str, str | None, str]:
    """(rule, row, col) a validator finding points at, for one of the generator's ``broken``."""
    rule = b["rule"]
    if rule == "t3.balance":
        return rule, None, b["col"]
    if rule == "t3.outcome_sum":
        return rule, "total_processed", b["col"]
    if rule == "t3.row_total":
        return rule, b["row"], "total"
    return rule, "count", f"{b['group']}.total"


def test_generated_reports_every_broken_identity_flagged_no_false_alarm() -> None:
    from nianbao.corpus.synth import report as synth

    rng = random.Random(7)
    missed, false_alarms, broken_total = [], [], 0
    for i in range(150):
        rep = synth.build("txt", "mixed", rng, with_error=i % 2 == 0)
        cells = [StdCell(t, r, c, v, "" if v is None else str(v)) for (t, r, c), v in rep.values.items()]
        meta = ReportMeta(rep.agency.name, rep.year, rep.template, rep.published.isoformat())
        found = {
            (f.rule, f.row, f.col)
            for f in validate_report(cells, meta, {})
            if f.rule in IDENTITY_RULES | {"identity.not_assessable"}
        }
        want = {where_broken(b) for b in rep.broken}
        broken_total += len(want)
        # with a blank operand the identity is reported not assessable (info), never silently passed
        missed += [w for w in want if w not in found and ("identity.not_assessable", *w[1:]) not in found]
        false_alarms += [f for f in found if f[0] != "identity.not_assessable" and f not in want]
    assert broken_total > 50
    assert missed == []
    assert false_alarms == []


def test_focused_patterns_stand_in_when_the_fact_extractor_is_absent(monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "nianbao.normalize.facts", None)  # import fails
    _, _, parts, _ = real_report("2024_huaian_szf")
    facts = {f.key: f.value for f in narrative_facts(parts[1], 1)}
    assert facts["requests.received"] == 3119 and facts["litigation.total"] == 46
    cells = _t3(clean_cells(), 4, 0)
    [f] = validate_report(cells, META, PARTS | {1: "全年新收政府信息公开申请6件。"})
    assert (f.rule, f.expected, f.actual) == ("narrative.mismatch", "4", "6")


def test_an_amount_printed_in_yuan_in_a_wan_column_is_flagged_not_rescaled() -> None:
    cell = StdCell("t2", "admin_fee", "fee_amount_wan", 251000.0, "251000元")
    found = check_cells([cell], "2021")
    assert [(f.rule, f.severity, f.actual) for f in found] == [("cell.unit", "warning", "251000")]
    assert check_cells([cell._replace(raw="25.1万元", value=25.1)], "2021") == []


def test_a_lone_blank_is_a_zero_and_a_broken_identity_over_it_is_an_error() -> None:
    # 科研机构 printed blank on one row; the row's 总计 is one too many: the form reads the
    # blank as 0, so the row total is broken and the message says a blank was read as 0.
    cells = with_values(
        clean_cells(),
        {
            ("t3", "granted", "natural_person"): 2,
            ("t3", "granted", "research"): None,
            ("t3", "granted", "total"): 3,
            ("t3", "total_processed", "natural_person"): 2,
            ("t3", "total_processed", "total"): 3,
            ("t3", "new_received", "natural_person"): 2,
            ("t3", "new_received", "total"): 3,
        },
    )
    errors = [f for f in validate_report(cells, META, PARTS) if f.severity == "error"]
    row = [f for f in errors if f.rule == "t3.row_total" and f.row == "granted"]
    assert row and "granted/research read as 0" in row[0].message
    assert not [f for f in validate_report(cells, META, PARTS) if f.rule == "identity.not_assessable"]


def test_totals_left_unfilled_are_not_assessable_not_zero() -> None:
    # 上海 2019: no 总计 on the outcome rows although their columns hold numbers.
    outcome_rows = [r for _t, r, c in all_slots("2021") if _t == "t3" and c == "total"]
    outcome_rows = [
        r
        for r in outcome_rows
        if r not in ("new_received", "carried_over", "total_processed", "carried_forward")
    ]
    changes: dict[tuple[str, str, str], float | None] = {("t3", r, "total"): None for r in outcome_rows}
    for r in ("granted", "partial", "unable.not_held"):
        changes[("t3", r, "natural_person")] = 2
    changes |= {("t3", "total_processed", "natural_person"): 6, ("t3", "total_processed", "total"): 6}
    changes |= {("t3", "new_received", "natural_person"): 6, ("t3", "new_received", "total"): 6}
    findings = validate_report(with_values(clean_cells(), changes), META, PARTS)
    assert not [f for f in findings if f.severity == "error"]
    assert any(f.rule == "identity.not_assessable" and f.row == "granted" for f in findings)


def test_one_stray_number_under_blank_totals_is_flagged() -> None:
    # every 总计 blank in a table of zeros, and one count of 1: a slip, not a region left empty
    changes = {
        (t, r, c): None
        for t, r, c in all_slots("2021")
        if t == "t3" and (c == "total" or r == "total_processed")
    }
    changes[("t3", "other.overdue_fee", "commercial")] = 1
    rules = {
        f.rule
        for f in validate_report(with_values(clean_cells(), changes), META, PARTS)
        if f.severity == "error"
    }
    assert "t3.outcome_sum" in rules


def test_a_blank_total_row_of_zeros_is_read_as_zeros() -> None:
    # every 总计 blank, and every count blank or 0 too: nothing unfilled, nothing broken
    changes = {(t, r, c): None for t, r, c in all_slots("2021") if t == "t3" and c == "total"}
    assert validate_report(with_values(clean_cells(), changes), META, PARTS) == []
