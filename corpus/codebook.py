"""The codebook of the exports: one variable per standard cell, its name, labels and role.

Names are ``<table>_<row code>_<col code>`` with the short codes of
``corpus/data/codebook.toml`` (``t3_granted_total``, ``t4_review_corrected``), so each
fits Stata's 32 characters.  The Chinese label is the wording of the national form
(normalize's spec, the one place for it), the English one is the codebook's.

A key means the same in every template that has it; the templates differ by keys.  So
one variable serves both templates, and ``templates`` says where it exists.  The one
row the two formats cut differently, 表三 （六）其他处理 (one row in 2019, three in
2021), gets a harmonised variable ``h_t3_oth_<col>`` that says what it sums; the other
outcome groups get their sums as ``h_t3_den_/un_/rej_<col>`` for convenience.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from nianbao.normalize.spec import TEMPLATES, raw_spec, t3_applicant_cols, t4_groups, t4_outcomes

LANGS = ("zh", "en")
_MONEY = {("t2", "admin_fee", "fee_amount_wan"), ("t2", "gov_procurement", "procurement_amount")}
_DELTA = {"delta"}  # 表二 2019 本年增/减: a signed count


@dataclass(frozen=True, slots=True)
class Variable:
    """One column of the wide export (or of the long export's metadata)."""

    name: str
    label_zh: str
    label_en: str
    kind: str  # integer | decimal | string | date | boolean | category
    table: str | None = None
    row: str | None = None
    col: str | None = None
    templates: tuple[str, ...] = ()
    role: str = ""  # the identities this cell is part of
    unit: str = ""
    sums: tuple[str, ...] = field(default=())  # harmonised: the variables it adds up
    values: tuple[tuple[str, str, str], ...] = ()  # category: (value, zh, en)

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


@cache
def _codes() -> dict:
    text = resources.files("nianbao.corpus").joinpath("data/codebook.toml").read_text("utf-8")
    return tomllib.loads(text)


def _code(part: dict, key: str) -> str:
    return part[key]["code"]


def var_name(table: str, row: str, col: str) -> str:
    """The wide column of a standard cell: ``t3_granted_total``."""
    c = _codes()
    if table == "t4":
        group, outcome = col.split(".", 1)
        return f"t4_{_code(c['t4']['groups'], group)}_{_code(c['t4']['outcomes'], outcome)}"
    return f"{table}_{_code(c[table]['rows'], row)}_{_code(c[table]['cols'], col)}"


def _t3_role(row: str, col: str) -> str:
    roles = []
    if row in ("new_received", "carried_over"):
        roles.append("t3.balance: left side (new_received + carried_over)")
    elif row in ("total_processed", "carried_forward"):
        roles.append("t3.balance: right side (total_processed + carried_forward)")
    if row == "total_processed":
        roles.append("t3.outcome_sum: total")
    elif row not in ("new_received", "carried_over", "carried_forward"):
        roles.append("t3.outcome_sum: operand")
    roles.append("t3.row_total: total" if col == "total" else "t3.row_total: operand")
    return "; ".join(roles)


def _money_unit(header: str) -> str:
    """The unit a money column's printed header gives (本年收费金额（单位：万元）), or "" where it
    gives none (2019 采购总金额: reports print 元 or 万元 beside the number)."""
    return "万元" if "万元" in header else ""


@cache
def cell_variables() -> tuple[Variable, ...]:
    """Every standard cell of both templates as a variable, in printed order (2021 first)."""
    s, c = raw_spec(), _codes()
    out: dict[str, Variable] = {}

    def add(v: Variable) -> None:
        if v.name in out:  # the same key in the other template
            old = out[v.name]
            out[v.name] = Variable(
                **{**_fields(old), "templates": tuple(sorted({*old.templates, *v.templates}, reverse=True))}
            )
        else:
            out[v.name] = v

    for template in TEMPLATES:
        part = s[f"t2_{template}"]
        for r in part["rows"]:
            for col in r["cols"]:
                money = ("t2", r["key"], col) in _MONEY
                add(
                    Variable(
                        name=var_name("t2", r["key"], col),
                        label_zh=f"{r['label']}/{part['cols'][col]}",
                        label_en=f"{c['t2']['rows'][r['key']]['en']}: {c['t2']['cols'][col]['en']}",
                        kind="decimal" if money or col in _DELTA else "integer",
                        table="t2",
                        row=r["key"],
                        col=col,
                        templates=(template,),
                        unit=_money_unit(part["cols"][col]) if money else "件",
                    )
                )
    t3cols = s["t3"]["cols"]
    applicants = set(t3_applicant_cols()) - {"natural_person"}
    for r in s["t3"]["rows"]:
        label = f"{r['group']} {r['label']}" if r.get("group") and r["group"] != r["label"] else r["label"]
        for col, clabel in t3cols.items():
            who = f"法人或其他组织 {clabel}" if col in applicants else clabel
            add(
                Variable(
                    name=var_name("t3", r["key"], col),
                    label_zh=f"{label}/{who}",
                    label_en=f"{c['t3']['rows'][r['key']]['en']}: {c['t3']['cols'][col]['en']}",
                    kind="integer",
                    table="t3",
                    row=r["key"],
                    col=col,
                    templates=tuple(r.get("templates", TEMPLATES)),
                    role=_t3_role(r["key"], col),
                    unit="件",
                )
            )
    for g, glabel in t4_groups().items():
        for o, olabel in t4_outcomes().items():
            add(
                Variable(
                    name=var_name("t4", "count", f"{g}.{o}"),
                    label_zh=f"{glabel}/{olabel}",
                    label_en=f"{c['t4']['groups'][g]['en']}: {c['t4']['outcomes'][o]['en']}",
                    kind="integer",
                    table="t4",
                    row="count",
                    col=f"{g}.{o}",
                    templates=TEMPLATES,
                    role="t4.group_total: total" if o == "total" else "t4.group_total: operand",
                    unit="件",
                )
            )
    return tuple(out.values())


def _fields(v: Variable) -> dict:
    return {f: getattr(v, f) for f in v.__dataclass_fields__}


_GROUPS = {
    # code: (row prefix, zh, en)
    "den": ("denied.", "（三）不予公开 合计", "refused, all reasons"),
    "un": ("unable.", "（四）无法提供 合计", "cannot provide, all reasons"),
    "rej": ("rejected.", "（五）不予处理 合计", "not processed, all reasons"),
}


@cache
def harmonised_variables() -> tuple[Variable, ...]:
    """Sums across keys, the same in both templates: what each adds up is in ``sums``."""
    s, c = raw_spec(), _codes()
    rows = [r["key"] for r in s["t3"]["rows"]]
    out = []
    for col, clabel in s["t3"]["cols"].items():
        cc = c["t3"]["cols"][col]
        for code, (prefix, zh, en) in _GROUPS.items():
            members = tuple(var_name("t3", r, col) for r in rows if r.startswith(prefix))
            out.append(
                Variable(
                    f"h_t3_{code}_{_code(c['t3']['cols'], col)}",
                    f"{zh}/{clabel}",
                    f"{en}: {cc['en']}",
                    "integer",
                    table="t3",
                    col=col,
                    templates=TEMPLATES,
                    unit="件",
                    sums=members,
                )
            )
        new = tuple(var_name("t3", r, col) for r in rows if r.startswith("other."))
        out.append(
            Variable(
                f"h_t3_oth_{_code(c['t3']['cols'], col)}",
                f"（六）其他处理 合计/{clabel}",
                f"other handling, both formats: {cc['en']}",
                "integer",
                table="t3",
                col=col,
                templates=TEMPLATES,
                unit="件",
                sums=(var_name("t3", "other", col), *new),
            )
        )
    return tuple(out)


LEVEL_VALUES = (
    ("国务院部门", "国务院部门", "State Council department"),
    ("省", "省级", "province"),
    ("市", "市级", "prefecture (city)"),
    ("县", "县级", "county"),
    ("乡镇", "乡镇", "township"),
)
KIND_VALUES = (
    ("government", "人民政府", "government"),
    ("department", "部门", "department"),
    ("township", "乡镇街道", "township or subdistrict"),
    ("zone", "开发区园区", "development zone"),
)
STATUS_VALUES = (
    ("ok", "完整读取", "ok"),
    ("partial", "部分读取", "partial"),
    ("failed", "读取失败", "failed"),
)
TEMPLATE_VALUES = (
    ("2021", "2021年格式", "2021 format"),
    ("2019", "2019年格式", "2019 format"),
    ("unknown", "格式不明", "unknown format"),
)

META_VARIABLES: tuple[Variable, ...] = (
    Variable("doc_id", "文件标识（SHA-256）", "document id (sha256 of the file's bytes)", "string"),
    Variable("agency", "发布机关（按报告标题）", "issuing body as written in the report", "string"),
    Variable(
        "unit_key", "机关标准名", "issuing body's normalised key (pairs its reports across years)", "string"
    ),
    Variable("level", "行政层级", "administrative level", "category", values=LEVEL_VALUES),
    Variable("kind", "机关类型", "government or department", "category", values=KIND_VALUES),
    Variable("province", "省份", "province, where the name or the division list says it", "string"),
    Variable("city", "地市", "prefecture city, where the name or the division list says it", "string"),
    Variable("county", "区县", "county or district, where the name says it", "string"),
    Variable("township", "乡镇街道", "township or subdistrict, where the name says it", "string"),
    Variable("division", "行政区划代码", "GB/T 2260 code of the body's division, where known", "string"),
    Variable(
        "township_code",
        "乡级区划代码",
        "9-digit code of the township (the national list of the Ministry of Civil Affairs), where its name "
        "places it in one county",
        "string",
    ),
    Variable("year", "报告年度", "report year (the year the statistics cover)", "integer"),
    Variable("template", "表格格式", "table format", "category", values=TEMPLATE_VALUES),
    Variable("status", "读取状态", "extraction status", "category", values=STATUS_VALUES),
    Variable(
        "canonical",
        "采用版本",
        "the report that counts for its body and year when several were found (a corrected re-issue, "
        "then the complete one, then the later one; documents.canonical); missing in datasets without it",
        "boolean",
    ),
    Variable("format", "文件格式", "file format (by content)", "string"),
    Variable("published", "发布日期", "publication date printed on the report", "date"),
    Variable(
        "deadline",
        "法定发布期限",
        "deadline of 条例 第四十九条 (departments 31 Jan, governments 31 Mar of the next year)",
        "date",
    ),
    Variable(
        "days_late",
        "逾期天数",
        "days after the deadline (0 or less: on time; missing without a date)",
        "integer",
    ),
    Variable("on_time", "按期发布", "published by the deadline (missing without a date)", "boolean"),
    Variable("n_findings", "问题总数", "findings of every rule", "integer"),
    Variable("n_error", "错误数", "findings of severity error", "integer"),
    Variable("n_warning", "警告数", "findings of severity warning", "integer"),
    Variable("n_info", "提示数", "findings of severity info", "integer"),
    Variable("source", "源文件", "the input path", "string"),
)

LONG_VARIABLES: tuple[Variable, ...] = (
    Variable("table", "表", "standard table: t2, t3, t4", "string"),
    Variable("row", "行键", "row key of the standard table", "string"),
    Variable("col", "列键", "column key of the standard table", "string"),
    Variable("variable", "变量名", "the wide export's column of this cell", "string"),
    Variable("label", "标签", "the cell's label", "string"),
    Variable("value", "数值", "the number; missing where the cell is blank or unreadable", "decimal"),
    Variable("raw", "原文", "the cell as printed", "string"),
    Variable(
        "prov",
        "出处",
        "where it was printed: page + bbox (PDF points, top-left origin), element path or line range",
        "string",
    ),
)


UNIT_VALUES = (("万元", "万元", "10,000 yuan"), ("元", "元", "yuan"))
PRINTED_UNIT = "(万元?|元)[ \t\r\n\u3000\xa0]*$"  # a unit written after the number (DuckDB reads it too)
_PRINTED_UNIT = re.compile(PRINTED_UNIT)
UNIT_SUFFIX = "_unit"


@cache
def unit_variables() -> tuple[Variable, ...]:
    """For each amount of money, the unit it is printed in (its value is never converted)."""
    out = []
    for v in cell_variables():
        if (v.table, v.row, v.col) not in _MONEY:
            continue
        header = f"the header's ({v.unit})" if v.unit else "missing (the header gives none)"
        out.append(
            Variable(
                v.name + UNIT_SUFFIX,
                f"{v.label_zh} 计量单位（按报告所印）",
                f"unit of {v.name} as printed: 元 or 万元 written beside the number, else {header}; "
                "missing where the amount is",
                "category",
                table=v.table,
                row=v.row,
                col=v.col,
                templates=v.templates,
                values=UNIT_VALUES,
            )
        )
    return tuple(out)


def printed_unit(raw: object, header_unit: str) -> str | None:
    """元 or 万元 as written after a printed amount (``25.1万`` is 万元), else the header's unit."""
    m = _PRINTED_UNIT.search(raw) if isinstance(raw, str) else None
    if m:
        return "元" if m.group(1) == "元" else "万元"
    return header_unit or None


@cache
def variables() -> dict[str, Variable]:
    """Every variable the exports may hold, by name."""
    every = (*META_VARIABLES, *cell_variables(), *unit_variables(), *harmonised_variables(), *LONG_VARIABLES)
    return {v.name: v for v in every}


def by_key() -> dict[tuple[str, str, str], Variable]:
    """(table, row, col) -> the variable of that cell."""
    return {(v.table, v.row, v.col): v for v in cell_variables()}  # type: ignore[misc]


def codebook_frame(names: list[str], lang: str = "zh"):
    """The codebook of the columns ``names`` as a DataFrame (one row per variable)."""
    import pandas as pd

    vs = variables()
    rows = []
    for n in names:
        v = vs[n]
        values = "; ".join(f"{val} = {zh if lang == 'zh' else en}" for val, zh, en in v.values)
        rows.append(
            {
                "variable": v.name,
                "label": v.label(lang),
                "label_zh": v.label_zh,
                "label_en": v.label_en,
                "type": v.kind,
                "unit": v.unit,
                "table": v.table or "",
                "row": v.row or "",
                "col": v.col or "",
                "templates": " ".join(v.templates),
                "identity_role": v.role,
                "sums": " + ".join(v.sums),
                "values": values,
            }
        )
    return pd.DataFrame(rows)
