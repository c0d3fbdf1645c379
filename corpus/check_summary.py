"""The summary ``nianbao check`` prints: findings by rule and severity, on-time rate, worst bodies.

One language per summary (``lang``: ``zh`` or ``en``): headings, rule names and the
worst bodies' column are all in it.  Finding messages are not repeated here (they are
in the findings dataset, ``nianbao review DIR``); the bodies' column names each body's
most frequent rules instead.  Bodies are the issuing bodies of
:func:`nianbao.normalize.agencies.classify` (one body under several spellings counts once).

The on-time rate is over the reports with a publication date (条例 第四十九条
deadlines, as in the export's ``on_time``); reports without one are counted apart.
The list of bodies is cut at ``limit`` (0: all), and the summary says how to see the rest.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from nianbao.corpus.check import CheckSummary, read_dataset
from nianbao.corpus.codebook import LEVEL_VALUES
from nianbao.corpus.export import report_meta
from nianbao.corpus.placements import read_units
from nianbao.normalize.records import SEVERITIES
from nianbao.normalize.rules import RULES

LANGS = ("zh", "en")
DEFAULT_LIMIT = 40

_TEXT = {
    "zh": {
        "checked": "共 {docs} 份报告，检查 {checked} 份：错误 {error} 条、警告 {warning} 条、提示 {info} 条 -> {path}",
        "on_time": "按期发布：{n}/{d} 份（{pct}），{missing} 份无发布日期",
        "on_time_none": "按期发布：没有可判断的报告（{missing} 份无发布日期）",
        "by_level": "按层级：",
        "rules": "各规则发现的问题",
        "rule": "规则",
        "name": "名称",
        "severity": "严重程度",
        "findings": "问题数",
        "reports": "报告数",
        "bodies": "问题最多的机关（显示 {shown} 个，共 {total} 个，按错误、警告排序）",
        "body": "机关",
        "errors": "错误",
        "warnings": "警告",
        "infos": "提示",
        "timely": "按期",
        "top_rules": "主要问题",
        "rest": "另有 {n} 个机关未列出：nianbao check {dir} --limit 0 列出全部；"
        "逐条查看：nianbao review {dir} --agency 名称",
        "none": "未发现问题",
        "unknown": "（机关不明）",
    },
    "en": {
        "checked": "{checked} of {docs} reports checked: {error} errors, {warning} warnings, {info} infos -> {path}",
        "on_time": "on time: {n} of {d} reports ({pct}); {missing} without a publication date",
        "on_time_none": "on time: no report to judge ({missing} without a publication date)",
        "by_level": "by level: ",
        "rules": "findings by rule",
        "rule": "rule",
        "name": "what it checks",
        "severity": "severity",
        "findings": "findings",
        "reports": "reports",
        "bodies": "bodies with the most findings ({shown} of {total}, by errors then warnings)",
        "body": "body",
        "errors": "errors",
        "warnings": "warnings",
        "infos": "infos",
        "timely": "on time",
        "top_rules": "most frequent rules",
        "rest": "{n} more bodies not listed: nianbao check {dir} --limit 0 lists all; "
        "finding by finding: nianbao review {dir} --agency NAME",
        "none": "no findings",
        "unknown": "(body unknown)",
    },
}
_SEVERITY = {"zh": {"error": "错误", "warning": "警告", "info": "提示"}, "en": {s: s for s in SEVERITIES}}
_LEVEL = {"zh": {v: zh for v, zh, _en in LEVEL_VALUES}, "en": {v: en for v, _zh, en in LEVEL_VALUES}}


@cache
def rule_names() -> dict[str, str]:
    """rule id -> its short Chinese name (``corpus/data/rule_names.toml``)."""
    text = resources.files("nianbao.corpus").joinpath("data/rule_names.toml").read_text("utf-8")
    return dict(tomllib.loads(text)["zh"])


def rule_name(rule: str, lang: str) -> str:
    """What a rule checks, in ``lang`` (its registry description in English)."""
    if lang == "zh":
        return rule_names().get(rule, rule)
    r = RULES.get(rule)
    return r.description if r else rule


@dataclass(slots=True)
class Overview:
    """The figures the summary prints, for tests and other callers."""

    reports: pd.DataFrame  # one row per report: unit, level, on_time, n_error ...
    rules: pd.DataFrame  # rule, severity, findings, reports
    bodies: pd.DataFrame  # body, reports, errors, warnings, infos, on_time, dated, top_rules (list)
    on_time: int
    dated: int


def overview(dataset: Path, summary: CheckSummary) -> Overview:
    """Count what a check found, by rule and by body, with each report's deadline."""
    documents = read_dataset(Path(dataset), "documents").drop(columns=["report_year"], errors="ignore")
    findings = summary.findings_frame if summary.findings_frame is not None else pd.DataFrame()
    if findings.empty:
        findings = pd.DataFrame(columns=["doc_id", "rule", "severity"])
    reports = report_meta(documents, findings, read_units(Path(dataset)))
    reports["body"] = reports["unit_key"].fillna(reports["agency"])
    rules = (
        findings.groupby(["rule", "severity"])
        .agg(findings=("doc_id", "size"), reports=("doc_id", "nunique"))
        .reset_index()
    )
    rules["rank"] = rules["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    rules = rules.sort_values(["rank", "findings", "rule"], ascending=[True, False, True], ignore_index=True)
    rules = rules.drop(columns="rank")

    body_of = dict(zip(reports["doc_id"], reports["body"], strict=True))
    serious = findings[findings["severity"] != "info"].assign(body=lambda f: f["doc_id"].map(body_of))
    top = {b: list(g["rule"].value_counts().head(3).items()) for b, g in serious.groupby("body", dropna=True)}
    rows = []
    for body, g in reports.groupby("body", dropna=False):
        known = g["on_time"].dropna()
        rows.append(
            {
                "body": body if isinstance(body, str) else None,
                "name": g["agency"].mode().iloc[0] if g["agency"].notna().any() else None,
                "reports": len(g),
                "errors": int(g["n_error"].sum()),
                "warnings": int(g["n_warning"].sum()),
                "infos": int(g["n_info"].sum()),
                "on_time": int(known.sum()),
                "dated": len(known),
                "top_rules": top.get(body, []),
            }
        )
    cols = ["body", "name", "reports", "errors", "warnings", "infos", "on_time", "dated", "top_rules"]
    bodies = pd.DataFrame(rows, columns=cols)
    bodies = bodies.sort_values(
        ["errors", "warnings", "body"], ascending=[False, False, True], ignore_index=True, na_position="last"
    )
    known = reports["on_time"].dropna()
    return Overview(reports, rules, bodies, int(known.sum()), len(known))


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "–"


def print_overview(
    console: Console,
    dataset: Path,
    summary: CheckSummary,
    *,
    lang: str = "zh",
    limit: int = DEFAULT_LIMIT,
) -> Overview:
    """Print the check summary in ``lang``; ``limit`` bodies at most (0: all)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be zh or en, not {lang!r}")
    t, sev, lev = _TEXT[lang], _SEVERITY[lang], _LEVEL[lang]
    ov = overview(dataset, summary)
    s = summary.by_severity
    console.print(
        escape(
            t["checked"].format(
                docs=summary.documents,
                checked=summary.checked,
                error=s["error"],
                warning=s["warning"],
                info=s["info"],
                path=summary.findings_path,
            )
        ),
        soft_wrap=True,
    )
    missing = len(ov.reports) - ov.dated
    if ov.dated:
        line = t["on_time"].format(n=ov.on_time, d=ov.dated, pct=_pct(ov.on_time, ov.dated), missing=missing)
        per_level = []
        for level in lev:  # in the order of the levels, 国务院部门 to 乡镇
            k = ov.reports.loc[ov.reports["level"] == level, "on_time"].dropna()
            if len(k):
                per_level.append(f"{lev[level]} {int(k.sum())}/{len(k)}")
        if per_level:
            line += (
                ("；" if lang == "zh" else "; ")
                + t["by_level"]
                + ("，" if lang == "zh" else ", ").join(per_level)
            )
        console.print(escape(line), soft_wrap=True)
    else:
        console.print(escape(t["on_time_none"].format(missing=missing)), soft_wrap=True)
    if ov.rules.empty:
        console.print(t["none"])
        return ov

    rules = Table(title=t["rules"], title_justify="left")
    for col in ("rule", "severity", "findings", "reports", "name"):
        rules.add_column(
            t[col], justify="right" if col in ("findings", "reports") else "left", overflow="fold"
        )
    for r in ov.rules.itertuples(index=False):
        style = {"error": "red", "warning": "yellow"}.get(r.severity, "dim")
        rules.add_row(
            r.rule,
            f"[{style}]{sev[r.severity]}[/]",
            str(r.findings),
            str(r.reports),
            escape(rule_name(r.rule, lang)),
        )
    console.print(rules)

    shown = ov.bodies if limit <= 0 else ov.bodies.head(limit)
    bodies = Table(title=t["bodies"].format(shown=len(shown), total=len(ov.bodies)), title_justify="left")
    bodies.add_column(t["body"], style="bold", overflow="fold")
    for col, style in (("reports", ""), ("errors", "red"), ("warnings", "yellow"), ("infos", "dim")):
        bodies.add_column(t[col], justify="right", style=style)
    bodies.add_column(t["timely"], justify="right")
    bodies.add_column(t["top_rules"], overflow="fold")
    for b in shown.itertuples(index=False):
        top = ("，" if lang == "zh" else ", ").join(
            f"{rule_name(r, lang) if lang == 'zh' else r} ×{n}" for r, n in b.top_rules
        )
        bodies.add_row(
            escape(b.name if isinstance(b.name, str) else t["unknown"]),
            str(b.reports),
            str(b.errors),
            str(b.warnings),
            str(b.infos),
            f"{b.on_time}/{b.dated}" if b.dated else "–",
            escape(top),
        )
    console.print(bodies)
    if len(shown) < len(ov.bodies):
        console.print(escape(t["rest"].format(n=len(ov.bodies) - len(shown), dir=dataset)), soft_wrap=True)
    return ov
