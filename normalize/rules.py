"""The validation rules: one registry of stable ids, severities and one-line descriptions.

Every finding carries one of these ids.  Docs, the ``check`` summary and the tests
read this table; a rule that is not registered here cannot be emitted
(:func:`finding` raises), so the list below is always the complete list.
"""

from __future__ import annotations

from dataclasses import dataclass

from nianbao.normalize.records import SEVERITIES, Finding


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: str  # error | warning | info
    description: str


_RULES: tuple[Rule, ...] = (
    # ------------------------------------------------------------- table arithmetic
    Rule(
        "t3.balance",
        "error",
        "表三, per column: 一 new_received + 二 carried_over == （七）total_processed + 四 carried_forward",
    ),
    Rule(
        "t3.outcome_sum",
        "error",
        "表三, per column: （七）total_processed == sum of the outcome rows （一）…（六）",
    ),
    Rule("t3.row_total", "error", "表三, per row: 总计 == sum of the six applicant columns"),
    Rule("t4.group_total", "error", "表四, per group: 总计 == 结果维持 + 结果纠正 + 其他结果 + 尚未审结"),
    Rule(
        "identity.not_assessable",
        "info",
        "an arithmetic identity over totals the report left unfilled (a block of blank 总计) does not hold: not assessed",
    ),
    # ------------------------------------------------------------- cells
    Rule(
        "ocr.low_confidence",
        "warning",
        "a cell read from a picture with low OCR confidence: extracted as read, to be checked against the page",
    ),
    Rule("cell.negative", "error", "a count is negative (表二 2019 本年增/减 may be)"),
    Rule("cell.fractional", "error", "a count is not a whole number (money columns may be decimal)"),
    Rule(
        "cell.unit",
        "warning",
        "an amount printed in 元 in a column the form counts in 万元 (value kept as printed)",
    ),
    # ------------------------------------------------------------- completeness and template
    Rule("complete.section_missing", "warning", "one of the six parts 一…六 is not in the report"),
    Rule("complete.table_missing", "error", "one of the tables 二, 三, 四 is not in the report"),
    Rule(
        "complete.cell_missing",
        "warning",
        "a row, column or cell of the detected template is not in the table",
    ),
    Rule("template.unknown", "warning", "the tables match neither the 2019 nor the 2021 format"),
    Rule(
        "template.year_mismatch",
        "warning",
        "the format does not fit the year (2019 format for 2019–2020, 2021 after)",
    ),
    # ------------------------------------------------------------- dates
    Rule("date.missing", "info", "no publication date found: the deadline cannot be checked"),
    Rule(
        "date.late",
        "warning",
        "published after the deadline of 条例 第四十九条 (departments 31 Jan, governments 31 Mar of the next year)",
    ),
    Rule("date.before_period_end", "warning", "dated before the statistical period it reports on has ended"),
    # ------------------------------------------------------------- narrative
    Rule(
        "fee.statement_missing",
        "warning",
        "part 六 does not state whether 信息处理费 was charged (2021 format)",
    ),
    Rule(
        "narrative.mismatch", "warning", "a count stated in the text differs from the table cell it describes"
    ),
    # ------------------------------------------------------------- across reports
    Rule(
        "crossyear.carry",
        "error",
        "表三 二 carried_over of year N != 四 carried_forward of year N−1, per column",
    ),
    Rule(
        "crossyear.in_force",
        "warning",
        "表二 现行有效件数 != last year's + 本年制发件数 − 本年废止件数 (规章, 规范性文件)",
    ),
    Rule(
        "copy.previous_year",
        "info",
        "the narrative nearly repeats the same agency's report of the year before",
    ),
    Rule(
        "copy.same_year", "warning", "the narrative nearly repeats another agency's report of the same year"
    ),
    Rule(
        "duplicate.report",
        "warning",
        "two or more reports for the same body and year (documents.canonical marks the one that counts)",
    ),
    Rule(
        "review.all_zero",
        "info",
        "every count of 表三 and 表四 is 0 although the body received requests in other years",
    ),
)

RULES: dict[str, Rule] = {r.id: r for r in _RULES}

assert all(r.severity in SEVERITIES for r in _RULES)


def finding(rule: str, message: str, **where: object) -> Finding:
    """A :class:`Finding` of a registered rule, its severity taken from the registry."""
    r = RULES[rule]
    return Finding(rule=rule, severity=r.severity, message=message, **where)  # type: ignore[arg-type]


def rules_markdown() -> str:
    """The registry as a Markdown table (for docs and notes)."""
    lines = ["| rule | severity | what it checks |", "|---|---|---|"]
    lines += [f"| `{r.id}` | {r.severity} | {r.description} |" for r in _RULES]
    return "\n".join(lines)
