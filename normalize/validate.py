"""Per-report checks, the way a careful evaluator reads one report.

Every check is a pure function of the report's standard cells, its metadata and its
narrative sections; each returns :class:`~nianbao.normalize.records.Finding` rows whose rule
ids, severities and descriptions live in :mod:`nianbao.normalize.rules`.

Blank cells.  A cell printed blank, ``—`` or ``/`` has value None.  By the form's own
instructions an empty cell among printed numbers is a zero, so an identity is evaluated
with blanks read as 0: if it holds, nothing is reported; if it fails, it is an error whose
message says which blanks were read as 0 — unless a blank belongs to a block of totals the
report left unfilled (上海 2019: no 总计 on the outcome rows), where it is *not assessable*
(info): the validator never guesses what an unfilled region held.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from nianbao.normalize import cues
from nianbao.normalize.agencies import kind_of
from nianbao.normalize.facts import FACT_TO_CELL, section_facts
from nianbao.normalize.records import Finding, ReportMeta, StdCell
from nianbao.normalize.rules import finding
from nianbao.normalize.spec import TABLES, TEMPLATES, t3_applicant_cols, t4_groups, t4_outcomes, table_spec

Slot = tuple[str, str, str]  # (table, row, col)

SECTION_NAMES = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六"}
_T3_FLOW_ROWS = ("new_received", "carried_over", "total_processed", "carried_forward")
# Money columns: decimals are legitimate there.
_MONEY = {("t2", "admin_fee", "fee_amount_wan"), ("t2", "gov_procurement", "procurement_amount")}
# 2019 format, 表二 本年增/减: a change, negative when items were dropped.
_SIGNED_COLS = {"delta"}
_FEE_STATEMENT = re.compile(r"处理费|收费|收取[^。；]{0,15}费")
_EPS = 1e-6


def fmt(v: float | None) -> str:
    """A value as a reader writes it: 3 not 3.0, blank for None."""
    if v is None:
        return "blank"
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _grid(cells: Iterable[StdCell]) -> dict[Slot, StdCell]:
    return {(c.table, c.row, c.col): c for c in cells}


def _value(grid: Mapping[Slot, StdCell], slot: Slot) -> float | None:
    c = grid.get(slot)
    return None if c is None else c.value


# ---------------------------------------------------------------- labels for messages


def _col_label(table: str, template: str, col: str) -> str:
    return table_spec(table, template).col_labels.get(col, col)


def _row_label(table: str, template: str, row: str) -> str:
    spec = table_spec(table, template)
    try:
        r = spec.row(row)
    except KeyError:
        return row
    label = r.label.split("（区分")[0]
    if r.group and not r.group.startswith("三、"):
        return f"{r.group}{label}"
    return label


# ---------------------------------------------------------------- arithmetic identities


@dataclass(frozen=True, slots=True)
class _Identity:
    """``sum(lhs) == sum(rhs)`` over the cells of one template, with its message."""

    rule: str
    lhs: tuple[Slot, ...]
    rhs: tuple[Slot, ...]
    what: str
    table: str
    row: str | None
    col: str | None


def _check(ident: _Identity, grid: Mapping[Slot, StdCell]) -> Finding | None:
    """An error when the identity fails on printed numbers, not assessable (info) when
    it fails only with a blank operand read as 0, nothing when it holds."""
    blanks: list[Slot] = []
    left = _sum(grid, ident.lhs, blanks)
    right = _sum(grid, ident.rhs, blanks)
    if abs(left - right) < _EPS:
        return None
    where = {"table": ident.table, "row": ident.row, "col": ident.col}
    names = ", ".join(f"{r}/{c}" for _, r, c in blanks[:4]) + (" …" if len(blanks) > 4 else "")
    if any(unfilled(grid, b) for b in blanks):
        return finding(
            "identity.not_assessable",
            f"{ident.what}: not assessable, blank operand(s) {names} in a region left unfilled "
            f"(with blanks as 0: {fmt(left)} vs {fmt(right)})",
            **where,
        )
    # The form's own rule: an empty cell among printed numbers is a zero.
    said = f" (blank {names} read as 0)" if blanks else ""
    return finding(
        ident.rule,
        f"{ident.what}: {fmt(left)} != {fmt(right)}{said}",
        expected=fmt(left),
        actual=fmt(right),
        **where,
    )


def unfilled(grid: Mapping[Slot, StdCell], slot: Slot) -> bool:
    """Whether a blank total belongs to a block of totals the report left empty.

    上海 2019 prints no 总计 on the outcome rows of 表三: those blanks are not zeros, and an
    identity over them cannot be checked.  A lone blank among printed numbers is a zero.
    """
    t, r, c = slot
    if t == "t3" and c == "total":
        group = [x for x in _t3_rows(grid) if (x in _T3_FLOW_ROWS) == (r in _T3_FLOW_ROWS)]
        peers = [("t3", x, "total") for x in group]
    elif t == "t3" and r == "total_processed":
        peers = [s for s in grid if s[0] == "t3" and s[1] == "total_processed"]
    elif t == "t4" and c.endswith(".total"):
        peers = [s for s in grid if s[0] == "t4" and s[2].endswith(".total")]
    else:
        return False
    present = [p for p in peers if p in grid]
    if len(present) < 3 or any(_value(grid, p) is not None for p in present):
        return False
    # Left unfilled, not zero: a printed grand total counts what the block's totals would hold
    # (（七）总计's 总计 over the outcome rows' 总计), or several of them have printed non-zero
    # parts.  One stray number under a blank row of totals is a slip to flag, not a region.
    grand = (
        ("t3", "total_processed", "total") if t == "t3" and c == "total" and r not in _T3_FLOW_ROWS else None
    )
    if grand and _value(grid, grand):
        return True
    return sum(1 for p in present if any(_value(grid, part) for part in _parts(grid, p))) >= 3


def _parts(grid: Mapping[Slot, StdCell], total: Slot) -> list[Slot]:
    """The cells a total adds up (its row's applicants, its column's outcomes, its group)."""
    t, r, c = total
    if t == "t4":
        g = c.rsplit(".", 1)[0]
        return [s for s in grid if s[0] == "t4" and s[2].startswith(f"{g}.") and s != total]
    if c == "total":
        return [s for s in grid if s[0] == "t3" and s[1] == r and s[2] != "total"]
    return [s for s in grid if s[0] == "t3" and s[2] == c and s[1] not in _T3_FLOW_ROWS]


def _t3_rows(grid: Mapping[Slot, StdCell]) -> list[str]:
    return list(dict.fromkeys(r for t, r, _c in grid if t == "t3"))


def _sum(grid: Mapping[Slot, StdCell], slots: Sequence[Slot], blanks: list[Slot]) -> float:
    """The printed values of ``slots`` added up, blanks as 0 (and noted in ``blanks``)."""
    total = 0.0
    for s in slots:
        v = _value(grid, s)
        if v is None:
            blanks.append(s)
        else:
            total += v
    return total


@cache
def _t3_identities(template: str) -> tuple[_Identity, ...]:
    """表三: balance and outcome sum per column, applicant sum per row."""
    spec = table_spec("t3", template)
    outcome_rows = [r for r in spec.row_keys if r not in _T3_FLOW_ROWS]
    applicants = t3_applicant_cols()
    out: list[_Identity] = []
    for col in spec.col_keys:
        label = _col_label("t3", template, col)
        out.append(
            _Identity(
                "t3.balance",
                (("t3", "new_received", col), ("t3", "carried_over", col)),
                (("t3", "total_processed", col), ("t3", "carried_forward", col)),
                f"表三 column {label}: 一 新收 + 二 上年结转 vs （七）总计 + 四 结转下年度",
                "t3",
                None,
                col,
            )
        )
        out.append(
            _Identity(
                "t3.outcome_sum",
                tuple(("t3", r, col) for r in outcome_rows),
                (("t3", "total_processed", col),),
                f"表三 column {label}: sum of outcome rows （一）…（六） vs （七）总计",
                "t3",
                "total_processed",
                col,
            )
        )
    for row in spec.row_keys:
        out.append(
            _Identity(
                "t3.row_total",
                tuple(("t3", row, c) for c in applicants),
                (("t3", row, "total"),),
                f"表三 row {_row_label('t3', template, row)}: sum of the six applicant columns vs 总计",
                "t3",
                row,
                "total",
            )
        )
    return tuple(out)


@cache
def _t4_identities() -> tuple[_Identity, ...]:
    """表四: each group's 总计 == 结果维持 + 结果纠正 + 其他结果 + 尚未审结."""
    parts = [o for o in t4_outcomes() if o != "total"]
    return tuple(
        _Identity(
            "t4.group_total",
            tuple(("t4", "count", f"{g}.{o}") for o in parts),
            (("t4", "count", f"{g}.total"),),
            f"表四 {glabel}: 结果维持 + 结果纠正 + 其他结果 + 尚未审结 vs 总计",
            "t4",
            "count",
            f"{g}.total",
        )
        for g, glabel in t4_groups().items()
    )


def t3_form(grid: Mapping[Slot, StdCell], template: str) -> str:
    """The form table 三 follows: the report's, or the other when group 六 is printed the other way."""
    single = any(s[0] == "t3" and s[1] == "other" for s in grid)
    split = any(s[0] == "t3" and s[1].startswith("other.") for s in grid)
    if template == "2021" and single and not split:
        return "2019"
    if template == "2019" and split and not single:
        return "2021"
    return template


def check_t3(grid: Mapping[Slot, StdCell], template: str) -> list[Finding]:
    """表三: balance and outcome sum per column, applicant sum per row."""
    if not any(s[0] == "t3" for s in grid):
        return []
    found = (_check(i, grid) for i in _t3_identities(t3_form(grid, template)))
    return [f for f in found if f]


def check_t4(grid: Mapping[Slot, StdCell]) -> list[Finding]:
    """表四: each group's 总计 == 结果维持 + 结果纠正 + 其他结果 + 尚未审结."""
    if not any(s[0] == "t4" for s in grid):
        return []
    found = (_check(i, grid) for i in _t4_identities())
    return [f for f in found if f]


# ---------------------------------------------------------------- cells


OCR_LOW = 0.9  # below this, a read from a picture is flagged (clean digits score above 0.97)
_OCR_CONF = re.compile(r"\bocr=([0-9.]+)")


def check_ocr(cells: Iterable[StdCell]) -> list[Finding]:
    """Cells OCR read with low confidence (``ocr=`` in their provenance): kept as read, flagged."""
    out = []
    for c in cells:
        m = _OCR_CONF.search(c.prov or "")
        if m and float(m.group(1)) < OCR_LOW:
            out.append(
                finding(
                    "ocr.low_confidence",
                    f"{c.table} {c.row}/{c.col} read from the picture as {c.raw!r} with confidence "
                    f"{float(m.group(1)):.2f} ({c.prov})",
                    table=c.table,
                    row=c.row,
                    col=c.col,
                    actual=c.raw,
                )
            )
    return out


def check_cells(cells: Iterable[StdCell], template: str | None) -> list[Finding]:
    """Counts are non-negative whole numbers; money columns may be decimal."""
    out = []
    for c in cells:
        if c.value is None:
            continue
        where = {"table": c.table, "row": c.row, "col": c.col, "actual": fmt(c.value)}
        if c.value < 0 and not (template == "2019" and c.col in _SIGNED_COLS):
            out.append(finding("cell.negative", f"{c.table} {c.row}/{c.col} is negative: {c.raw!r}", **where))
        if (c.table, c.row, c.col) not in _MONEY and not float(c.value).is_integer():
            out.append(
                finding(
                    "cell.fractional", f"{c.table} {c.row}/{c.col} is not a whole number: {c.raw!r}", **where
                )
            )
        if c.raw.endswith("元") and not c.raw.endswith("万元") and c.col in _wan_cols(c.table, template):
            out.append(
                finding(
                    "cell.unit",
                    f"{c.table} {c.row}/{c.col} is counted in 万元 but printed {c.raw!r}",
                    **where,
                )
            )
    return out


@cache
def _wan_cols(table: str, template: str | None) -> frozenset[str]:
    """Columns whose printed header counts in 万元 (表二 本年收费金额（单位：万元）)."""
    spec = table_spec(table, template if template in TEMPLATES else "2021")
    return frozenset(k for k, label in spec.col_labels.items() if "万元" in label)


# ---------------------------------------------------------------- completeness and template


def check_completeness(
    grid: Mapping[Slot, StdCell], template: str | None, sections: Mapping[int, str]
) -> list[Finding]:
    """All six parts, all three tables, every row and column of the template."""
    out = [
        finding("complete.section_missing", f"part {SECTION_NAMES[n]} is missing", section=n)
        for n in SECTION_NAMES
        if n not in sections
    ]
    present = {s[0] for s in grid}
    for t in TABLES:
        if t not in present:
            title = table_spec(t, template or "2021").title
            out.append(finding("complete.table_missing", f"table {t} ({title}) is missing", table=t))
    if template not in TEMPLATES:
        return out
    for t in sorted(present & set(TABLES)):
        spec = table_spec(t, t3_form(grid, template) if t == "t3" else template)
        missing = [(r, c) for r, c in spec.slots() if (t, r, c) not in grid]
        rows_gone = {r for r in spec.row_keys if all((r, c) in missing for c in spec.row(r).cols)}
        kept = [r for r in spec.row_keys if r not in rows_gone]
        cols_gone = set()
        for c in spec.col_keys:
            holders = [r for r in kept if c in spec.row(r).cols]
            if len(holders) > 1 and all((r, c) in missing for r in holders):
                cols_gone.add(c)
        for r in spec.row_keys:
            if r in rows_gone:
                out.append(
                    finding(
                        "complete.cell_missing",
                        f"{t} row {_row_label(t, template, r)} is missing",
                        table=t,
                        row=r,
                    )
                )
        for c in spec.col_keys:
            if c in cols_gone:
                out.append(
                    finding(
                        "complete.cell_missing",
                        f"{t} column {_col_label(t, template, c)} is missing",
                        table=t,
                        col=c,
                    )
                )
        for r, c in missing:
            if r not in rows_gone and c not in cols_gone:
                out.append(
                    finding(
                        "complete.cell_missing",
                        f"{t} cell {_row_label(t, template, r)} / {_col_label(t, template, c)} is missing",
                        table=t,
                        row=r,
                        col=c,
                    )
                )
    return out


def expected_template(year: int | None) -> str | None:
    """The format a report of ``year`` should follow: 2019 for 2019–2020, 2021 after."""
    if year is None or year < 2019:
        return None
    return "2019" if year <= 2020 else "2021"


def check_template(meta: ReportMeta, has_cells: bool) -> list[Finding]:
    if meta.template not in TEMPLATES:
        if has_cells:
            return [finding("template.unknown", "the tables match neither the 2019 nor the 2021 format")]
        return []
    if meta.year is None:
        return []
    want = expected_template(meta.year)
    if want == meta.template:
        return []
    expected = want or "the 2008 format (before 2019)"
    return [
        finding(
            "template.year_mismatch",
            f"a {meta.year} report in the {meta.template} format; expected {expected}",
            expected=want or "pre-2019",
            actual=meta.template,
        )
    ]


# ---------------------------------------------------------------- dates


def deadline(year: int, kind: str | None) -> date:
    """条例 第四十九条: departments by 31 January, governments by 31 March of the next year."""
    return date(year + 1, 1, 31) if kind == "department" else date(year + 1, 3, 31)


def check_dates(meta: ReportMeta, kind: str | None) -> list[Finding]:
    if not meta.published:
        return [finding("date.missing", "no publication date printed: the deadline cannot be checked")]
    try:
        published = date.fromisoformat(str(meta.published)[:10])
    except ValueError:
        return [finding("date.missing", f"publication date {meta.published!r} is not a date")]
    if meta.year is None:
        return []
    out = []
    period_end = date(meta.year, 12, 31)
    if published <= period_end:
        out.append(
            finding(
                "date.before_period_end",
                f"dated {published} although it reports on the period to {period_end}",
                expected=f"after {period_end}",
                actual=published.isoformat(),
            )
        )
    due = deadline(meta.year, kind)
    if published > due:
        who = {"department": "a department", "government": "a government"}.get(kind or "", "any body")
        out.append(
            finding(
                "date.late",
                f"published {published}, {(published - due).days} days after the deadline {due} for {who}",
                expected=f"on or before {due}",
                actual=published.isoformat(),
            )
        )
    return out


# ---------------------------------------------------------------- narrative


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def check_fee(meta: ReportMeta, sections: Mapping[int, str]) -> list[Finding]:
    """2021 format: part 六 reports the 信息处理费 charged (国办函〔2020〕109号 in force from 2021)."""
    if not (meta.template == "2021" or (meta.year or 0) >= 2021) or 6 not in sections:
        return []
    if _FEE_STATEMENT.search(_clean(sections[6])):
        return []
    elsewhere = [n for n, t in sections.items() if n != 6 and _FEE_STATEMENT.search(_clean(t))]
    hint = f" (part {SECTION_NAMES.get(elsewhere[0], elsewhere[0])} mentions fees)" if elsewhere else ""
    return [
        finding(
            "fee.statement_missing",
            f"part 六 does not say whether 信息处理费 was charged{hint}",
            section=6,
        )
    ]


def check_narrative(grid: Mapping[Slot, StdCell], sections: Mapping[int, str]) -> list[Finding]:
    """Counts the text states against the cells they describe.

    A fact may have several readings (收到申请N件 is 新收, or 新收 + 上年结转 in some
    reports).  It is a mismatch when no reading equals the stated count (blanks read
    as 0) and the first reading — the cells the words name — has no blank operand.
    """
    out = []
    facts = [f for n, text in sorted(sections.items()) for f in narrative_facts(text, n)]
    by_key: dict[str, list[Fact]] = {}
    for f in facts:
        by_key.setdefault(f.key, []).append(f)
    for key, stated in by_key.items():
        # readings whose cells the report lacks (another template's columns) drop out
        options = [o for o in readings(key) if all(s in grid for s in o)]
        if not options:
            continue
        known = []
        for reading in options:
            vals = [_value(grid, s) for s in reading]
            known.append((sum(v or 0.0 for v in vals), any(v is None for v in vals)))
        if any(abs(total - f.value) < _EPS for f in stated for total, _ in known):
            continue
        if known[0][1]:
            continue  # the cells it names have a blank: cannot say the text is wrong
        f = stated[0]
        t, r, c = options[0][0]
        cell_desc = " + ".join(f"{tt} {rr}/{cc}" for tt, rr, cc in options[0])
        out.append(
            finding(
                "narrative.mismatch",
                f"part {SECTION_NAMES.get(f.section, f.section)} states {fmt(f.value)} (“{f.snippet}”) but {cell_desc} = "
                f"{fmt(known[0][0])}",
                table=t,
                row=r if len(options[0]) == 1 else None,
                col=c if len(options[0]) == 1 else None,
                section=f.section,
                expected=fmt(known[0][0]),
                actual=fmt(f.value),
            )
        )
    return out


# ---------------------------------------------------------------- narrative facts
#
# The counts that reports state in their text, from ``nianbao.normalize.facts`` (and four 表二
# patterns it lacks), as ``Fact(key, value, section, snippet)``; :data:`READINGS` and
# ``FACT_TO_CELL`` say which cells a key may describe.

_T3_TOTAL = "total"


@dataclass(frozen=True, slots=True)
class Fact:
    """A count stated in the narrative: ``key`` names what it counts."""

    key: str
    value: float
    section: int
    snippet: str


# "No case" statements that would not mean zero: 未发生被纠错的行政复议案件.
_NOT_ZERO = re.compile(r"纠|败诉|撤销|违法|被确认|其他")
_COUNT = r"(?:共计|共|合计|为)?(?P<n>\d+)件"
# The 表二 counts ``nianbao.normalize.facts`` has no rule for: key, pattern over the cleaned text.
_T2_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (k, re.compile(p))
    for k, p in (
        (
            "normative_doc.in_force",
            rf"(?:{cues.IN_FORCE}(?:的)?(?:行政)?规范性文件|规范性文件[^。；;]{{0,20}}?{cues.IN_FORCE}(?:件数)?){_COUNT}",
        ),
        ("normative_doc.issued", rf"(?:{cues.ISSUED})(?:了)?(?:的)?(?:行政)?规范性文件{_COUNT}"),
        ("normative_doc.repealed", rf"(?:{cues.REPEALED})(?:了)?(?:的)?(?:行政)?规范性文件{_COUNT}"),
        ("regulation.issued", rf"(?:{cues.ISSUED})(?:了)?(?:的)?(?:政府)?规章{_COUNT}"),
    )
)

_T4_LIT = ("t4", "count", "litigation_direct.total"), ("t4", "count", "litigation_after_review.total")
# key -> readings; a reading is the cells whose sum the stated count may be.  Cells the
# report's template lacks make a reading unusable (2019 has no 现行有效件数).
# Deliberately absent: "主动公开…其中规范性文件N件" counts documents *published*,
# which is not 表二's 本年制发件数 (沂源县科学技术局 2024: text 1件, table 0, both right).
READINGS: dict[str, tuple[tuple[Slot, ...], ...]] = {
    "requests.received": (
        (("t3", "new_received", _T3_TOTAL),),
        (("t3", "new_received", _T3_TOTAL), ("t3", "carried_over", _T3_TOTAL)),
    ),
    "requests.processed": ((("t3", "total_processed", _T3_TOTAL),),),
    "requests.carried_over": ((("t3", "carried_over", _T3_TOTAL),),),
    "requests.carried_forward": ((("t3", "carried_forward", _T3_TOTAL),),),
    "review.total": ((("t4", "count", "review.total"),),),
    # "行政复议和行政诉讼案件共N件" states both together
    "litigation.total": (_T4_LIT, (("t4", "count", "review.total"), *_T4_LIT)),
    "normative_doc.in_force": ((("t2", "normative_doc", "in_force"),),),
    "normative_doc.issued": ((("t2", "normative_doc", "issued"),), (("t2", "normative_doc", "new_made"),)),
    "normative_doc.repealed": ((("t2", "normative_doc", "repealed"),),),
    "regulation.issued": ((("t2", "regulation", "issued"),), (("t2", "regulation", "new_made"),)),
}


def _pattern_facts(text: str, section: int) -> list[Fact]:
    s = _clean(text)
    return [
        Fact(key, float(m.group("n")), section, m.group(0))
        for key, pat in _T2_PATTERNS
        for m in pat.finditer(s)
    ]


def _module_facts(text: str, section: int) -> list[Fact]:
    """Facts from ``nianbao.normalize.facts`` that name table cells.

    Approximate, ranged and year-on-year counts (约, 余, 较上年增加) state no cell value
    and are left out.
    """
    return [
        Fact(r["key"], float(r["value"]), section, _snippet(r))
        for r in section_facts("", section, text)
        if r["key"] in FACT_TO_CELL
        and r.get("qualifier") is None
        and r.get("value") is not None
        and not (r.get("negated") and _NOT_ZERO.search(str(r.get("raw") or "")))
    ]


def _snippet(row: Mapping[str, object]) -> str:
    said = f"{row.get('label') or ''}{row.get('raw') or ''}"
    return re.sub(r"\s+", "", said)[:60] or str(row.get("sentence") or "")[:60]


def narrative_facts(text: str, section: int) -> list[Fact]:
    """The counts a part's text states, as :class:`Fact` rows (see :func:`readings`).

    ``nianbao.normalize.facts`` supplies the keys it knows; the patterns above add 表二's
    规范性文件 and 规章 counts, which it lacks.
    """
    text = text or ""
    return _module_facts(text, section) + _pattern_facts(text, section)


def readings(key: str) -> tuple[tuple[Slot, ...], ...]:
    """The cell sums a stated count of ``key`` may equal.

    Besides the cells it names, a count of requests received may include those
    carried over from last year (平潭 2022: 收到75件 = 74 new + 1 carried over).
    """
    if key in READINGS:
        return READINGS[key]
    cells = FACT_TO_CELL.get(key)
    if not cells:
        return ()
    out = [cells]
    if all(r == "new_received" for _, r, _ in cells):
        out.append(cells + tuple((t, "carried_over", c) for t, _, c in cells))
    return tuple(out)


# ---------------------------------------------------------------- the report


def validate_report(
    cells: Sequence[StdCell],
    meta: ReportMeta,
    sections: Mapping[int, str],
    *,
    kind: str | None = None,
) -> list[Finding]:
    """Every per-report rule on one report.

    ``sections`` maps part number (1…6) to its narrative text; ``kind`` is
    ``government`` or ``department`` (derived from ``meta.agency`` when None).
    """
    grid = _grid(cells)
    template = meta.template if meta.template in TEMPLATES else None
    out = check_template(meta, bool(grid))
    out += check_completeness(grid, template, sections)
    out += check_cells(grid.values(), template)
    out += check_ocr(cells)
    if template:
        out += check_t3(grid, template)
        out += check_t4(grid)
    out += check_dates(meta, kind or kind_of(meta.agency))
    out += check_fee(meta, sections)
    out += check_narrative(grid, sections)
    return out
