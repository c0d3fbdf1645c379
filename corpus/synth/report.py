"""One report as a format-free plan: blocks in reading order plus everything the truth needs."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from functools import cache

from nianbao.normalize.spec import all_slots

from . import cells, layout, narrative, numbers
from . import variants as V
from .agencies import Agency, sample_agency
from .identities import check

Key = tuple[str, str, str]
MONEY = {("t2", "admin_fee", "fee_amount_wan"): "", ("t2", "gov_procurement", "procurement_amount"): "元"}

# narrative count -> the printed cells it should equal (summed)
NARRATIVE_SOURCES: dict[str, tuple[Key, ...]] = {
    "received": (("t3", "new_received", "total"),),
    "carried_over": (("t3", "carried_over", "total"),),
    "processed": (("t3", "total_processed", "total"),),
    "carried_forward": (("t3", "carried_forward", "total"),),
    "review": (("t4", "count", "review.total"),),
    "litigation": (
        ("t4", "count", "litigation_direct.total"),
        ("t4", "count", "litigation_after_review.total"),
    ),
}


def _issued_col(template: str) -> str:
    return "issued" if template == "2021" else "new_made"


def narrative_sources(template: str) -> dict[str, tuple[Key, ...]]:
    c = _issued_col(template)
    return {
        **NARRATIVE_SOURCES,
        "normative_doc_issued": (("t2", "normative_doc", c),),
        "regulation_issued": (("t2", "regulation", c),),
    }


@dataclass(slots=True)
class Block:
    """A title line, paragraph, section heading, table, signature or date line."""

    kind: str
    text: str = ""
    grid: layout.Grid | None = None
    section: int | None = None


@dataclass(slots=True)
class Report:
    agency: Agency
    year: int
    template: str
    published: dt.date
    blocks: list[Block]
    printed: dict[Key, str]  # raw text per slot
    values: dict[Key, numbers.Number | None]  # truth value per slot (null for null marks)
    sections: list[dict]
    broken: list[dict]
    error: dict | None
    narrative_counts: dict[str, dict]
    opts: dict = field(default_factory=dict)


def _year_template(template: str, rng: random.Random) -> tuple[int, str]:
    if template == "2019":
        y = rng.choice((2019, 2020))
    elif template == "2021":
        y = rng.randint(2021, 2025)
    else:
        y = rng.randint(2019, 2025)
    return y, ("2019" if y <= 2020 else "2021")


def _published(year: int, rng: random.Random) -> dt.date:
    r = rng.random()
    if r < 0.02:  # signed before the period ends
        return dt.date(year, 12, rng.randint(15, 31))
    if r < 0.12:  # late
        return dt.date(year + 1, rng.randint(4, 8), rng.randint(1, 28))
    return dt.date(year + 1, rng.randint(1, 3), rng.randint(1, 28))


_PUBLISHED_MU = {"central": 6.5, "provincial": 6.2, "municipal": 5.6, "county": 4.6, "township": 3.6}
_CN_DIGITS = "〇一二三四五六七八九"


def _cn_int(n: int) -> str:
    if n <= 10:
        return "十" if n == 10 else _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


def date_text(d: dt.date, rng: random.Random, hard: bool = False) -> str:
    weights = (25, 10, 20, 25, 20) if hard else (70, 10, 8, 12, 0)
    style = rng.choices(("cn", "cn0", "iso", "han", "dot"), weights)[0]
    if style == "dot":
        return f"{d.year}.{d.month:02d}.{d.day:02d}"
    if style == "cn":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "cn0":
        return f"{d.year}年{d.month:02d}月{d.day:02d}日"
    if style == "iso":
        return d.isoformat()
    return "".join(_CN_DIGITS[int(ch)] for ch in str(d.year)) + f"年{_cn_int(d.month)}月{_cn_int(d.day)}日"


def _titles(agency: Agency, year: int, rng: random.Random) -> tuple[list[str], bool]:
    """Title lines, and whether the agency must sign at the end."""
    a = agency.name
    style = rng.choices(("a_y", "y_a", "two", "none", "a_yd", "a_cn"), (36, 20, 20, 10, 10, 4))[0]
    if style == "a_y":
        return [f"{a}{year}年政府信息公开工作年度报告"], False
    if style == "a_cn":  # the year in Chinese numerals, as some bodies print it: 二〇二一年
        return [f"{a}{''.join(_CN_DIGITS[int(ch)] for ch in str(year))}年政府信息公开工作年度报告"], False
    if style == "y_a":
        return [f"{year}年度{a}政府信息公开工作年度报告"], False
    if style == "two":
        return [a, f"{year}年政府信息公开工作年度报告"], False
    if style == "a_yd":
        return [f"{a}{year}年度政府信息公开工作年度报告"], False
    return [f"{year}年政府信息公开工作年度报告"], True


# Prefaces that name the body when the title does not (real reports: 现公布…, 请与…联系).
PREFACE_NAMING = (
    "根据《中华人民共和国政府信息公开条例》规定，现公布{a}{y}年政府信息公开工作年度报告。",
    "本报告中所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。如对本报告有疑问，请与{a}联系。",
    "本年度报告由{a}编制，所列数据的统计期限自{y}年1月1日至{y}年12月31日。",
)


def _hard_shape(rng: random.Random) -> dict[str, bool]:
    """Title, agency and date shapes drawn by ``synth --hard`` (each seen in real reports)."""
    return {
        "bare": rng.random() < 0.25,
        "page_line": rng.random() < 0.2,
        "title_date": rng.random() < 0.3,
        "date_under_title": rng.random() < 0.25,
        "unfilled_totals": rng.random() < 0.15,
        "hybrid": rng.random() < 0.2,
        "traditional": rng.random() < 0.1,
    }


@cache
def _to_traditional():
    import opencc

    return opencc.OpenCC("s2t")


def traditional(text: str) -> str:
    """The text in traditional characters (OpenCC's s2t table)."""
    return _to_traditional().convert(text)


def _swap_other_group(tpl: str, values: dict, printed: dict, truth: dict, nstyle, rng: random.Random) -> None:
    """Replace 表三 group 六 by the other template's rows, values adding up the same."""
    from nianbao.normalize.spec import t3_applicant_cols

    cols = (*t3_applicant_cols(), "total")
    if tpl == "2021":
        subs = ("other.overdue_correction", "other.overdue_fee", "other.other")
        for c in cols:
            v = sum(values[("t3", r, c)] for r in subs)
            values[("t3", "other", c)] = v
            for r in subs:
                for d in (values, printed, truth):
                    d.pop(("t3", r, c), None)
        new = ["other"]
    else:
        new = ["other.overdue_correction", "other.overdue_fee", "other.other"]
        apps = t3_applicant_cols()
        for c in apps:
            v = values.pop(("t3", "other", c))
            a = rng.randint(0, v)
            b = rng.randint(0, v - a)
            for r, x in zip(new, (a, b, v - a - b), strict=True):
                values[("t3", r, c)] = x
            printed.pop(("t3", "other", c), None)
            truth.pop(("t3", "other", c), None)
        for r in new:
            values[("t3", r, "total")] = sum(values[("t3", r, c)] for c in apps)
        values.pop(("t3", "other", "total"))
        printed.pop(("t3", "other", "total"), None)
        truth.pop(("t3", "other", "total"), None)
    for r in new:
        for c in cols:
            k = ("t3", r, c)
            raw = cells.format_number(values[k], nstyle, rng)
            printed[k] = raw
            truth[k] = cells.read_back(raw, values[k])


def build(fmt: str, template: str, rng: random.Random, with_error: bool, hard: bool = False) -> Report:
    """Draw one report for output format ``fmt`` (``hard``: the harder shapes, much more often)."""
    agency = sample_agency(rng)
    year, tpl = _year_template(template, rng)
    values, n_req = numbers.sample_values(tpl, agency.level, agency.kind, rng)
    true_values = dict(values)
    error = numbers.inject_error(values, tpl, rng) if with_error else None

    opts: dict = {"fmt": fmt}
    if fmt == "txt":
        modes = ["cell_per_line", "row_tab", "row_spaces"]
        if hard:
            from .render_txt import HARD_MODES, has_pdftotext

            modes = [*modes[:1], *(m for m in HARD_MODES if m != "pdftotext" or has_pdftotext())]
        opts["txt_mode"] = rng.choice(modes)
    opts["hard"] = hard
    # Flattenings that drop empty cells cannot print a blank among numbers unambiguously.
    nstyle = cells.number_style(rng, allow_blank=opts.get("txt_mode") not in ("row_spaces", "pipe_lines"))
    printed: dict[Key, str] = {}
    truth_values: dict[Key, numbers.Number | None] = {}
    shape = _hard_shape(rng) if hard else {}
    unfilled: set[Key] = set()
    if opts.get("txt_mode") in ("row_spaces", "pipe_lines"):
        shape["unfilled_totals"] = False  # a flattening that drops empty cells cannot show it
    if shape.get("unfilled_totals"):  # 总计 left empty on the outcome rows (上海 2019)
        unfilled = {("t3", r, "total") for r in numbers.outcome_rows(tpl)}
    for t, r, c in all_slots(tpl):
        k = (t, r, c)
        money = k in MONEY
        raw = cells.format_number(values[k], nstyle, rng, money=money, unit=MONEY.get(k, ""))
        if k in unfilled:
            raw = ""
        printed[k] = raw
        truth_values[k] = cells.read_back(raw, values[k])

    hybrid = bool(shape.get("hybrid")) and error is None
    if hybrid:  # group 六 of 表三 printed in the other form: its rows get their own keys
        _swap_other_group(tpl, values, printed, truth_values, nstyle, rng)
        if unfilled:  # the swapped rows leave their 总计 empty too
            unfilled = {
                k for k in printed if k[0] == "t3" and k[2] == "total" and k[1] not in numbers.T3_NON_OUTCOME
            }
            for k in unfilled:
                printed[k], truth_values[k] = "", None

    # what the text states comes from the true numbers (a typo lives in the table only)
    ic = _issued_col(tpl)
    facts: dict[str, float] = {
        "t2_total_published": max(
            int(rng.lognormvariate(_PUBLISHED_MU[agency.level], 0.9)), true_values_sum(true_values, tpl)
        ),
        "normative_doc_issued": true_values[("t2", "normative_doc", ic)],
        "regulation_issued": true_values[("t2", "regulation", ic)],
        "received": true_values[("t3", "new_received", "total")],
        "carried_over": true_values[("t3", "carried_over", "total")],
        "processed": true_values[("t3", "total_processed", "total")],
        "carried_forward": true_values[("t3", "carried_forward", "total")],
        "review": true_values[("t4", "count", "review.total")],
        "litigation": true_values[("t4", "count", "litigation_direct.total")]
        + true_values[("t4", "count", "litigation_after_review.total")],
        "fee_yuan": (
            round(rng.uniform(5, 600), rng.choice((0, 2))) if n_req > 50 and rng.random() < 0.08 else 0
        ),
    }
    if with_error and rng.random() < 0.25:  # the text itself misstates one count
        k = rng.choice(("normative_doc_issued", "received"))
        facts[k] = facts[k] + rng.choice((1, 2, 5))
    paras, stated = narrative.write(agency, year, facts, rng)
    if shape.get("bare"):  # the body is named only in the preface
        paras[0] = [rng.choice(PREFACE_NAMING).format(a=agency.name, y=year)]

    lstyle = V.label_style(rng)
    lstyle["typos"] = hard
    hstyle = {"sep": lstyle["sep"]}
    blocks: list[Block] = []
    titles, must_sign = _titles(agency, year, rng)
    published = _published(year, rng) if hard else None  # drawn here only when shapes need it
    if shape.get("bare"):
        titles, must_sign = [f"{year}年政府信息公开工作年度报告"], False
    if shape.get("page_line"):  # a page number printed above the title
        blocks.append(Block("para", rng.choice(("- 1 -", "—1—", "1"))))
    if shape.get("title_date") and fmt == "html":  # a list page's cell: (2024-01-07)XX…报告
        titles = [f"({published.isoformat()}){titles[0]}", *titles[1:]]
    blocks += [Block("title", t) for t in titles]
    if shape.get("date_under_title"):
        blocks.append(Block("para", f"（{date_text(published, rng, hard)}）"))
    blocks += [Block("para", p, section=0) for p in paras[0]]
    sections: list[dict] = []

    def head(n: int) -> None:
        h = V.heading(n, rng, hstyle)
        sections.append({"section": n, "title": h})
        blocks.append(Block("heading", h, section=n))

    head(1)
    blocks += [Block("para", p, section=1) for p in paras[1]]
    head(2)
    stray = rng.random() < 0.15
    for g in layout.t2_grids(tpl, printed, lstyle, rng, split=rng.random() < 0.35):
        blocks.append(Block("table", grid=g, section=2))
    head(3)
    blocks.append(Block("table", grid=layout.t3_grid(tpl, printed, lstyle, rng, stray, hybrid), section=3))
    head(4)
    if rng.random() < 0.2:
        blocks.append(Block("para", rng.choice(("（单位：件）", "单位：件")), section=4))
    blocks.append(Block("table", grid=layout.t4_grid(printed, lstyle, rng, stray), section=4))
    head(5)
    blocks += [Block("para", p, section=5) for p in paras[5]]
    head(6)
    blocks += [Block("para", p, section=6) for p in paras[6]]
    if published is None:
        published = _published(year, rng)
    if shape.get("bare"):
        pass  # no signature: the preface is the only place the body is named
    elif must_sign or rng.random() < 0.4:
        blocks.append(Block("signature", agency.name))
    if not shape.get("date_under_title"):
        blocks.append(Block("date", date_text(published, rng, hard)))

    counts: dict[str, dict] = {}
    sources = narrative_sources(tpl)
    for name, v in stated.items():
        src = sources.get(name)
        if src is None:
            counts[name] = {"value": v, "table_value": None, "agrees": None}
        else:
            tv = sum((truth_values[k] or 0) for k in src)
            counts[name] = {"value": v, "table_value": tv, "agrees": abs(tv - float(v)) < 1e-9}
    opts["slots"] = [k for k in all_slots(tpl) if k in printed] + [
        k for k in printed if k not in set(all_slots(tpl))
    ]
    if hybrid:
        opts["hybrid"] = True
    if shape.get("traditional") and fmt in ("txt", "html"):
        opts["traditional"] = True
    return Report(
        agency=agency, year=year, template=tpl, published=published, blocks=blocks, printed=printed,
        values=truth_values, sections=sections, broken=check(truth_values, tpl, unfilled), error=error,
        narrative_counts=counts, opts=opts,
    )  # fmt: skip


def true_values_sum(values: dict[Key, numbers.Number | None], template: str) -> int:
    """A floor for 主动公开 total: the documents counted in table 二."""
    c = _issued_col(template)
    return int(sum((values.get(("t2", r, c)) or 0) for r in ("regulation", "normative_doc")))
