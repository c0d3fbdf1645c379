"""Convenience views over a dataset, for ``nianbao query`` and ``nianbao.open(DIR)``.

They stand on the base views (``documents``, ``cells``, ``findings``; see
:mod:`nianbao.corpus.query`) and are computed by DuckDB when read, so they hold whatever the
folder holds now:

``reports``
    the wide form of ``nianbao export --wide``: one row per report, its metadata (body,
    unit key, level, kind, province, year, template, published, deadline, days late,
    findings by severity), one column per standard cell and the harmonised sums, named
    and typed as in :mod:`nianbao.corpus.codebook` (a count is BIGINT unless some report prints a
    fraction there; a blank stays NULL).
``requests``
    表三 long: one row per report, outcome row and applicant column, with the Chinese
    labels of the national form (``row_zh``, ``applicant_zh``) and English ones.
``refusals``
    the rows of ``requests`` that give a reason for not disclosing: （三）不予公开,
    （四）无法提供, （五）不予处理 (``grp`` denied | unable | rejected), each beside the
    same column's （七）总计 (``processed``) so a share is one division away.
``reviews_lawsuits``
    表四: one row per report and proceeding (行政复议, 未经复议直接起诉, 复议后起诉) with
    its five outcomes as columns (``upheld`` ... ``total``).
``labels``
    the codebook: every variable's name, Chinese and English label, type, unit, key,
    templates, identity role, what a harmonised variable sums, category values.

What the SQL cannot know is computed in Python once per connection and kept in small
tables: each body's unit (the dataset's ``units``, else :func:`nianbao.normalize.agencies.classify`,
once per distinct name) and each (year, kind)'s deadline (:func:`nianbao.normalize.validate.deadline`), so the rules
live in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import duckdb
import pandas as pd

from nianbao.corpus.codebook import (
    META_VARIABLES,
    PRINTED_UNIT,
    UNIT_SUFFIX,
    _codes,
    cell_variables,
    codebook_frame,
    harmonised_variables,
    unit_variables,
    variables,
)
from nianbao.corpus.placements import units_for, units_from_frame
from nianbao.normalize.spec import TEMPLATES, raw_spec, t3_applicant_cols, t4_groups, t4_outcomes
from nianbao.normalize.validate import deadline

DERIVED = ("reports", "requests", "refusals", "reviews_lawsuits", "labels")
REFUSAL_GROUPS = {"denied": "（三）不予公开", "unable": "（四）无法提供", "rejected": "（五）不予处理"}
_NEEDS = {  # view -> what it is built on
    "reports": ("_nb_meta", "_nb_keys"),
    "requests": ("_nb_meta", "_nb_t3_rows", "_nb_t3_cols"),
    "refusals": ("requests",),
    "reviews_lawsuits": ("_nb_meta", "_nb_t4"),
    "labels": (),
    "_nb_meta": ("_nb_units", "_nb_deadlines"),
}


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _names(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        r[0] for r in con.execute("select view_name from duckdb_views() where not internal").fetchall()
    } | {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}


def _table(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    """A small temporary table from a DataFrame (copied: it outlives the frame)."""
    con.register("_nb_frame", frame)
    try:
        con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS SELECT * FROM _nb_frame')
    finally:
        con.unregister("_nb_frame")


# ---------------------------------------------------------------- lookup tables


_UNIT_COLUMNS = (
    "unit_key", "level", "kind", "province", "city", "county", "township", "division", "township_code",
)  # fmt: skip


def _units(con: duckdb.DuckDBPyConnection) -> None:
    """Each distinct body name's unit: the dataset's ``units`` where it has one (placed by
    the reports' text too), else :func:`nianbao.normalize.agencies.classify` of the name."""
    names = [
        r[0] for r in con.execute("select distinct agency from documents where trim(agency) <> ''").fetchall()
    ]
    known = units_from_frame(con.execute("select * from units").df()) if "units" in _names(con) else {}
    rows = []
    for name, u in units_for(names, known).items():
        rows.append(
            {"agency": name, **{k: getattr(u, "key" if k == "unit_key" else k) for k in _UNIT_COLUMNS}}
        )
    frame = pd.DataFrame(rows, columns=["agency", *_UNIT_COLUMNS]).astype("string")
    _table(con, "_nb_units", frame)


def _deadlines(con: duckdb.DuckDBPyConnection) -> None:
    years = [
        r[0] for r in con.execute("select distinct year from documents where year is not null").fetchall()
    ]
    kinds = [r[0] for r in con.execute("select distinct kind from _nb_units").fetchall()]
    rows = [
        {"year": int(y), "kind": k, "deadline": deadline(int(y), k)} for y in years for k in {*kinds, None}
    ]
    frame = pd.DataFrame(rows, columns=["year", "kind", "deadline"])
    frame["year"] = frame["year"].astype("int64")
    frame["kind"] = frame["kind"].astype("string")
    frame["deadline"] = pd.to_datetime(frame["deadline"])
    _table(con, "_nb_deadlines", frame)
    con.execute("ALTER TABLE _nb_deadlines ALTER deadline TYPE DATE")


def _has_findings(con: duckdb.DuckDBPyConnection) -> bool:
    return "findings" in _names(con)


def _meta(con: duckdb.DuckDBPyConnection) -> None:
    """One row per report: the META_VARIABLES of the wide export, in their order."""
    counts = (
        "select doc_id, count(*) filter (severity = 'error') as n_error, "
        "count(*) filter (severity = 'warning') as n_warning, count(*) filter (severity = 'info') as n_info "
        "from findings group by doc_id"
        if _has_findings(con)
        else "select null::varchar as doc_id, 0 as n_error, 0 as n_warning, 0 as n_info where false"
    )
    expr = {
        "doc_id": "d.doc_id",
        "agency": "d.agency",
        **{k: f"u.{k}" for k in _UNIT_COLUMNS},
        "year": "d.year::bigint",
        "template": "d.template",
        "status": "d.status",
        "canonical": "d.canonical::boolean"
        if _has_column(con, "documents", "canonical")
        else "null::boolean",
        "format": "d.format",
        "published": "try_cast(d.published as date)",
        "deadline": "dl.deadline",
        "days_late": "date_diff('day', dl.deadline, try_cast(d.published as date))::bigint",
        "on_time": "date_diff('day', dl.deadline, try_cast(d.published as date)) <= 0",
        "n_findings": "(coalesce(f.n_error, 0) + coalesce(f.n_warning, 0) + coalesce(f.n_info, 0))::bigint",
        "n_error": "coalesce(f.n_error, 0)::bigint",
        "n_warning": "coalesce(f.n_warning, 0)::bigint",
        "n_info": "coalesce(f.n_info, 0)::bigint",
        "source": "d.source",
    }
    select = ", ".join(f'{expr[v.name]} as "{v.name}"' for v in META_VARIABLES)
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW _nb_meta AS
        with d as (select * from documents qualify row_number() over (partition by doc_id order by source) = 1),
             f as ({counts})
        select {select}
        from d
        left join _nb_units u on u.agency = d.agency
        left join _nb_deadlines dl on dl.year = d.year and dl.kind is not distinct from u.kind
        left join f on f.doc_id = d.doc_id"""
    )


def _keys(con: duckdb.DuckDBPyConnection) -> None:
    rows = [
        {"vid": i, "table": v.table, "row": v.row, "col": v.col, "variable": v.name}
        for i, v in enumerate(cell_variables())
    ]
    _table(con, "_nb_keys", pd.DataFrame(rows))


def _t3_labels(con: duckdb.DuckDBPyConnection) -> None:
    s, c = raw_spec()["t3"], _codes()["t3"]
    rows = []
    for order, r in enumerate(s["rows"]):
        key = r["key"]
        grp = key.split(".", 1)[0] if "." in key or key == "other" else key
        group = r.get("group", "")
        zh = f"{group} {r['label']}" if group and group != r["label"] and "." in key else r["label"]
        rows.append(
            {
                "row": key,
                "row_order": order,
                "grp": grp,
                "row_zh": zh,
                "row_en": c["rows"][key]["en"],
                "row_templates": " ".join(r.get("templates", TEMPLATES)),
            }
        )
    _table(con, "_nb_t3_rows", pd.DataFrame(rows))
    orgs = set(t3_applicant_cols()) - {"natural_person"}
    cols = [
        {
            "applicant": k,
            "applicant_order": i,
            "applicant_zh": f"法人或其他组织 {label}" if k in orgs else label,
            "applicant_en": c["cols"][k]["en"],
        }
        for i, (k, label) in enumerate(s["cols"].items())
    ]
    _table(con, "_nb_t3_cols", pd.DataFrame(cols))


def _t4_labels(con: duckdb.DuckDBPyConnection) -> None:
    c = _codes()["t4"]
    rows = [
        {"proceeding": g, "proceeding_order": i, "proceeding_zh": zh, "proceeding_en": c["groups"][g]["en"]}
        for i, (g, zh) in enumerate(t4_groups().items())
    ]
    _table(con, "_nb_t4", pd.DataFrame(rows))


# ---------------------------------------------------------------- the views


_META_SHORT = "m.agency, m.unit_key, m.level, m.kind, m.province, m.year, m.template"


_KEYED = 'cells c join _nb_keys k on k."table" = c."table" and k.row = c.row and k.col = c.col'


def _fractional(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Variables some report prints a fraction in (they stay DOUBLE, as in the export)."""
    rows = con.execute(f"select distinct k.variable from {_KEYED} where c.value <> floor(c.value)").fetchall()
    return {r[0] for r in rows}


def _count_type(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """BIGINT for the values of a table where every report prints whole numbers, else DOUBLE."""
    sql = f'select count(*) from cells where "table" = {_q(table)} and value <> floor(value)'
    return "bigint" if con.execute(sql).fetchall()[0][0] == 0 else "double"


_CHUNK = 50  # cell columns computed by one aggregation


def _reports(con: duckdb.DuckDBPyConnection) -> None:
    """The wide form: one ``max(value) filter (...)`` per cell column, in aggregations of
    ``_CHUNK`` columns over their own cells.  DuckDB drops the aggregates a query does not
    read (a count over ``reports`` costs little), and no aggregation grows wide: 226 filtered
    aggregates in one took 30 s for 4,800 reports where chunks of 50 take 3.5 s
    (DuckDB's PIVOT takes 2.8 s, but computes every column for every query)."""
    fractional = _fractional(con)
    allvars = variables()
    units = {u.name.removesuffix(UNIT_SUFFIX): u for u in unit_variables()}

    variables_ = list(cell_variables())
    chunk_of = {v.name: f"p{i // _CHUNK}" for i, v in enumerate(variables_)}

    def cell(name: str) -> str:
        return f'{chunk_of[name]}."{name}"'

    def typed(name: str) -> str:
        whole = allvars[name].kind == "integer" and name not in fractional
        return f'{cell(name)}::{"bigint" if whole else "double"} as "{name}"'

    cells = []
    for v in cell_variables():
        cells.append(typed(v.name))
        if v.name in units:  # as nianbao.corpus.codebook.printed_unit
            raw, header = f'r."{v.name}"', _q(v.unit) if v.unit else "null"
            cells.append(
                f"case when {cell(v.name)} is null then null "
                f"when regexp_matches({raw}, {_q(PRINTED_UNIT)}) then "
                f"(case when regexp_extract({raw}, {_q(PRINTED_UNIT)}, 1) = '元' then '元' else '万元' end) "
                f'else {header} end as "{units[v.name].name}"'
            )
    sums = []
    for h in harmonised_variables():
        cases = []
        for template in TEMPLATES:
            members = [m for m in h.sums if template in allvars[m].templates]
            if members:
                total = " + ".join(f"{cell(m)}::double" for m in members)
                cases.append(f"when m.template = {_q(template)} then {total}")
        whole = all(m not in fractional for m in h.sums)
        sql = f"case {' '.join(cases)} end"
        sums.append(f'({sql})::{"bigint" if whole else "double"} as "{h.name}"')
    ctes, joins = [], []
    for start in range(0, len(variables_), _CHUNK):
        part = range(start, min(start + _CHUNK, len(variables_)))
        aggs = ", ".join(f'max(c.value) filter (k.vid = {i}) as "{variables_[i].name}"' for i in part)
        name = f"p{start // _CHUNK}"
        ctes.append(
            f"{name} as (select c.doc_id, {aggs} from {_KEYED} "
            f"where k.vid between {part[0]} and {part[-1]} group by c.doc_id)"
        )
        joins.append(f"left join {name} on {name}.doc_id = m.doc_id")
    money = ", ".join(_q(n) for n in units)
    raws = ", ".join(f'max(c.raw) filter (k.variable = {_q(n)}) as "{n}"' for n in units)
    ctes.append(
        f"r as (select c.doc_id, {raws} from {_KEYED} where k.variable in ({money}) group by c.doc_id)"
    )
    joins.append("left join r on r.doc_id = m.doc_id")
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW reports AS
        with {", ".join(ctes)}
        select m.*, {", ".join(cells)}, {", ".join(sums)}
        from _nb_meta m {" ".join(joins)}"""
    )


def _requests(con: duckdb.DuckDBPyConnection) -> None:
    kind = _count_type(con, "t3")
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW requests AS
        select c.doc_id, {_META_SHORT},
               r.grp, c.row, r.row_zh, r.row_en, c.col as applicant, a.applicant_zh, a.applicant_en,
               c.value::{kind} as value, c.raw, {"c.prov" if _has_column(con, "cells", "prov") else "null::varchar"} as prov,
               r.row_order, a.applicant_order
        from cells c
        join _nb_t3_rows r on r.row = c.row
        join _nb_t3_cols a on a.applicant = c.col
        join _nb_meta m on m.doc_id = c.doc_id
        where c."table" = 't3'"""
    )


def _refusals(con: duckdb.DuckDBPyConnection) -> None:
    grps = ", ".join(_q(g) for g in REFUSAL_GROUPS)
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW refusals AS
        select q.doc_id, q.agency, q.unit_key, q.level, q.kind, q.province, q.year, q.template,
               q.grp, g.grp_zh, q.row, split_part(q.row, '.', 2) as reason, q.row_zh, q.row_en,
               q.applicant, q.applicant_zh, q.applicant_en, q.value, q.raw, q.prov, t.value as processed
        from requests q
        join (select unnest([{grps}]) as grp,
                     unnest([{", ".join(_q(z) for z in REFUSAL_GROUPS.values())}]) as grp_zh) g
             on g.grp = q.grp
        left join requests t
             on t.doc_id = q.doc_id and t.applicant = q.applicant and t.row = 'total_processed'"""
    )


def _reviews_lawsuits(con: duckdb.DuckDBPyConnection) -> None:
    kind = _count_type(con, "t4")
    outcomes = ", ".join(
        f"(max(c.value) filter (c.col = g.proceeding || '.{o}'))::{kind} as \"{o}\"" for o in t4_outcomes()
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW reviews_lawsuits AS
        select c.doc_id, {_META_SHORT}, g.proceeding, g.proceeding_zh, g.proceeding_en, {outcomes}
        from cells c
        join _nb_t4 g on g.proceeding = split_part(c.col, '.', 1)
        join _nb_meta m on m.doc_id = c.doc_id
        where c."table" = 't4'
        group by all"""
    )


def _labels(con: duckdb.DuckDBPyConnection) -> None:
    book = codebook_frame(list(variables()), "zh").drop(columns=["label"])
    _table(con, "_nb_labels", book)
    con.execute("CREATE OR REPLACE TEMP VIEW labels AS SELECT * FROM _nb_labels")


def _has_column(con: duckdb.DuckDBPyConnection, view: str, column: str) -> bool:
    return column in con.sql(f'select * from "{view}" limit 0').columns


_BUILD = {
    "_nb_units": _units,
    "_nb_deadlines": _deadlines,
    "_nb_meta": _meta,
    "_nb_keys": _keys,
    "_nb_t3_rows": _t3_labels,
    "_nb_t3_cols": _t3_labels,
    "_nb_t4": _t4_labels,
    "reports": _reports,
    "requests": _requests,
    "refusals": _refusals,
    "reviews_lawsuits": _reviews_lawsuits,
    "labels": _labels,
}


def add_views(con: duckdb.DuckDBPyConnection, wanted: Iterable[str] = DERIVED) -> list[str]:
    """Create the convenience views ``wanted`` (and what they stand on) on a connection that
    has the base views; a view whose base (``documents``, ``cells``) is missing is left out.
    Returns the views created."""
    have = _names(con)
    if not {"documents", "cells"} <= have:
        wanted = [w for w in wanted if w == "labels"]
    made: list[str] = []

    def build(name: str) -> None:
        if name in have:
            return
        for dep in _NEEDS.get(name, ()):
            build(dep)
        _BUILD[name](con)
        have.update(_names(con) | {name})
        if name in DERIVED:
            made.append(name)

    for name in wanted:
        if name not in DERIVED:
            raise ValueError(f"no convenience view {name!r}; one of {', '.join(DERIVED)}")
        build(name)
    return made


def mentioned(sql: str) -> list[str]:
    """The convenience views a query names (so ``nianbao query`` builds only those)."""
    return [v for v in DERIVED if re.search(rf"(?<![\w.]){v}(?!\w)", sql, flags=re.IGNORECASE)]
