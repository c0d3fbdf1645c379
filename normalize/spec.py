"""The standard tables, read once from ``data/standard_tables.toml``.

This module is the one place that knows the keys and official labels of tables
二, 三 and 四 for both templates.  Everything else (label matching, the generator,
validation) asks it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

TEMPLATES = ("2021", "2019")
TABLES = ("t2", "t3", "t4")


@dataclass(frozen=True, slots=True)
class RowSpec:
    key: str
    label: str
    group: str | None
    aliases: tuple[str, ...]
    cols: tuple[str, ...]
    item: str | None = None  # t2: the 第二十条 item heading the row sits under


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One standard table of one template: its rows (in printed order) and column labels."""

    table: str
    template: str
    title: str
    section: int
    rows: tuple[RowSpec, ...]
    col_labels: dict[str, str]

    @property
    def row_keys(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.rows)

    @property
    def col_keys(self) -> tuple[str, ...]:
        """Every column key, in printed order."""
        seen: dict[str, None] = {}
        for r in self.rows:
            for c in r.cols:
                seen.setdefault(c)
        return tuple(seen)

    def slots(self) -> list[tuple[str, str]]:
        """Every (row, col) cell of this table, in printed order."""
        return [(r.key, c) for r in self.rows for c in r.cols]

    def row(self, key: str) -> RowSpec:
        return _rows_by_key(self.table, self.template)[key]


@cache
def _rows_by_key(table: str, template: str) -> dict[str, RowSpec]:
    return {r.key: r for r in table_spec(table, template).rows}


@cache
def raw_spec() -> dict:
    """The TOML file as a dict (a copy of ``shared/spec/standard_tables.toml``)."""
    text = resources.files("nianbao.normalize").joinpath("data/standard_tables.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def table_spec(table: str, template: str) -> TableSpec:
    """The spec of ``table`` (t2, t3, t4) in ``template`` (2021, 2019)."""
    if table not in TABLES or template not in TEMPLATES:
        raise KeyError(f"no table {table!r} in template {template!r}")
    s = raw_spec()
    meta = s["tables"][table]
    if table == "t2":
        part = s[f"t2_{template}"]
        rows = tuple(
            RowSpec(
                key=r["key"],
                label=r["label"],
                group=None,
                aliases=tuple(r.get("aliases", ())),
                cols=tuple(r["cols"]),
                item=r.get("item"),
            )
            for r in part["rows"]
        )
        cols = dict(part["cols"])
    elif table == "t3":
        cols = dict(s["t3"]["cols"])
        rows = tuple(
            RowSpec(
                key=r["key"],
                label=r["label"],
                group=r.get("group"),
                aliases=tuple(r.get("aliases", ())),
                cols=tuple(cols),
            )
            for r in s["t3"]["rows"]
            if template in r.get("templates", TEMPLATES)
        )
    else:
        t4 = s["t4"]
        cols = {
            f"{g}.{o}": f"{glabel}/{olabel}"
            for g, glabel in t4["groups"].items()
            for o, olabel in t4["outcomes"].items()
        }
        rows = (RowSpec(key=t4["row"], label="", group=None, aliases=(), cols=tuple(cols)),)
    return TableSpec(table, template, meta["title"], int(meta["section"]), rows, cols)


def t4_groups() -> dict[str, str]:
    return dict(raw_spec()["t4"]["groups"])


def t4_outcomes() -> dict[str, str]:
    return dict(raw_spec()["t4"]["outcomes"])


def t3_applicant_cols() -> tuple[str, ...]:
    """The six applicant columns of table 三 (every column but the total)."""
    return tuple(k for k in raw_spec()["t3"]["cols"] if k != "total")


def all_slots(template: str) -> list[tuple[str, str, str]]:
    """Every (table, row, col) of a template, in printed order."""
    return [(t, r, c) for t in TABLES for r, c in table_spec(t, template).slots()]
