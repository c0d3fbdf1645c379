"""The arithmetic rules of tables 三 and 四, checked on printed values.

Every failing instance is one dict, the form used in the truth's ``broken`` list:

* ``{"table": "t3", "rule": "t3.balance", "col": c, "lhs": new+carried_over, "rhs": processed+forward}``
* ``{"table": "t3", "rule": "t3.outcome_sum", "col": c, "lhs": total_processed, "rhs": sum of outcomes}``
* ``{"table": "t3", "rule": "t3.row_total", "row": r, "lhs": total, "rhs": sum of the six applicants}``
* ``{"table": "t4", "rule": "t4.group_total", "group": g, "lhs": total, "rhs": sum of four outcomes}``

Null (blank, —, /, 无) counts as 0, except in a region the report left unfilled (its
总计 column empty on the outcome rows): an instance with such an operand cannot be
checked and is not listed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from nianbao.normalize.spec import t3_applicant_cols, t4_groups, t4_outcomes, table_spec

from .numbers import outcome_rows

Key = tuple[str, str, str]


def _num(v: float | None) -> float:
    return 0 if v is None else v


def check(values: Mapping[Key, float | None], template: str, unfilled: Collection[Key] = ()) -> list[dict]:
    """Every rule instance the values break, in a stable order (``unfilled`` cells: not checkable)."""
    broken: list[dict] = []
    if unfilled:
        everything = check(values, template)
        return [b for b in everything if not _touches(b, unfilled, template)]
    spec = table_spec("t3", template)
    apps = t3_applicant_cols()
    outcomes = outcome_rows(template)
    row_keys = spec.row_keys
    if any(k[1] == "other" for k in values) != (template == "2019"):  # group 六 in the other form
        other = "2019" if template == "2021" else "2021"
        outcomes, row_keys = outcome_rows(other), table_spec("t3", other).row_keys

    def g(r: str, c: str) -> float:
        return _num(values.get(("t3", r, c)))

    for c in (*apps, "total"):
        lhs, rhs = (
            g("new_received", c) + g("carried_over", c),
            g("total_processed", c) + g("carried_forward", c),
        )
        if abs(lhs - rhs) > 1e-9:
            broken.append({"table": "t3", "rule": "t3.balance", "col": c, "lhs": lhs, "rhs": rhs})
    for c in (*apps, "total"):
        lhs, rhs = g("total_processed", c), sum(g(r, c) for r in outcomes)
        if abs(lhs - rhs) > 1e-9:
            broken.append({"table": "t3", "rule": "t3.outcome_sum", "col": c, "lhs": lhs, "rhs": rhs})
    for r in row_keys:
        lhs, rhs = g(r, "total"), sum(g(r, c) for c in apps)
        if abs(lhs - rhs) > 1e-9:
            broken.append({"table": "t3", "rule": "t3.row_total", "row": r, "lhs": lhs, "rhs": rhs})
    for grp in t4_groups():
        parts = [o for o in t4_outcomes() if o != "total"]
        lhs = _num(values.get(("t4", "count", f"{grp}.total")))
        rhs = sum(_num(values.get(("t4", "count", f"{grp}.{o}"))) for o in parts)
        if abs(lhs - rhs) > 1e-9:
            broken.append({"table": "t4", "rule": "t4.group_total", "group": grp, "lhs": lhs, "rhs": rhs})
    return broken


def _touches(b: dict, cells: Collection[Key], template: str) -> bool:
    """Whether the rule instance ``b`` has an operand among ``cells``."""
    if b["table"] != "t3":
        return False
    if b["rule"] == "t3.row_total":
        return ("t3", b["row"], "total") in cells
    rows = table_spec("t3", template).row_keys
    return any(("t3", r, b["col"]) in cells for r in rows)
