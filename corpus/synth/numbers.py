"""The true numbers of tables 二, 三, 四: heavy-tailed by size, consistent by construction.

Values are keyed ``(table, row, col)`` with the keys of :mod:`nianbao.normalize.spec`.  Table 三
satisfies per column ``new_received + carried_over == total_processed + carried_forward``
and ``total_processed == sum(outcome rows)``, and per row ``total == sum(applicants)``;
table 四 satisfies per group ``total == upheld + corrected + other + pending``.
"""

from __future__ import annotations

import math
import random
from collections import Counter

from nianbao.normalize.spec import t3_applicant_cols, t4_groups, t4_outcomes, table_spec

Key = tuple[str, str, str]
Number = int | float

# log-normal scale of yearly requests by level: (probability of none, mu, sigma)
_VOLUME = {
    "central": (0.02, 5.5, 1.3),
    "provincial": (0.05, 4.2, 1.4),
    "municipal": (0.10, 3.6, 1.6),
    "county": (0.35, 1.8, 1.5),
    "township": (0.75, 0.3, 0.9),
}
_APPLICANT_W = {"natural_person": 85, "commercial": 7, "research": 0.6, "social_welfare": 0.8,
                "legal_service": 2.5, "other_org": 4}  # fmt: skip
_OUTCOME_W = {
    "granted": 38, "partial": 5, "denied.state_secret": 0.3, "denied.law_prohibited": 0.5,
    "denied.security_stability": 0.4, "denied.third_party": 1.2, "denied.internal_affairs": 1.5,
    "denied.process_info": 1.8, "denied.enforcement_file": 0.8, "denied.query_matter": 1.2,
    "unable.not_held": 24, "unable.needs_creation": 3, "unable.unclear": 3,
    "rejected.petition": 5, "rejected.duplicate": 3, "rejected.publication": 0.4,
    "rejected.excessive": 0.8, "rejected.reconfirm": 0.5, "other.overdue_correction": 3,
    "other.overdue_fee": 0.2, "other.other": 4, "other": 7,
}  # fmt: skip
T3_NON_OUTCOME = ("new_received", "carried_over", "total_processed", "carried_forward")


def outcome_rows(template: str) -> tuple[str, ...]:
    """Row keys of table 三 summed into （七）总计."""
    return tuple(k for k in table_spec("t3", template).row_keys if k not in T3_NON_OUTCOME)


def _split(n: int, weights: dict[str, float], rng: random.Random) -> Counter[str]:
    """Deal ``n`` units over the keys (multinomial)."""
    if n <= 0:
        return Counter()
    keys = list(weights)
    if n > 2000:  # deal in lots to stay fast for the biggest bodies
        lot = n // 2000 + 1
        c = Counter(rng.choices(keys, [weights[k] for k in keys], k=n // lot))
        c = Counter({k: v * lot for k, v in c.items()})
        c[rng.choices(keys, [weights[k] for k in keys])[0]] += n - sum(c.values())
        return c
    return Counter(rng.choices(keys, [weights[k] for k in keys], k=n))


def sample_volume(level: str, rng: random.Random) -> int:
    p0, mu, sigma = _VOLUME[level]
    if rng.random() < p0:
        return 0
    return min(int(math.exp(rng.gauss(mu, sigma))), 60000)


def _t2(template: str, level: str, kind: str, rng: random.Random, scale: float) -> dict[Key, Number]:
    spec = table_spec("t2", template)
    out: dict[Key, Number] = {}
    makes_rules = kind in ("government", "department") and level in ("central", "provincial", "municipal")

    def small(p: float, hi: int) -> int:
        return rng.randint(1, hi) if rng.random() < p else 0

    for row in spec.rows:
        for col in row.cols:
            v: Number = 0
            if row.key == "regulation":
                if col in ("issued", "new_made", "new_published"):
                    v = small(0.5, 6) if makes_rules else 0
                elif col == "repealed":
                    v = small(0.2, 3) if makes_rules else 0
                else:
                    v = rng.randint(5, 180) if makes_rules else 0
            elif row.key == "normative_doc":
                if col in ("issued", "new_made", "new_published"):
                    v = small(0.6 if level != "township" else 0.2, max(2, int(3 * scale)))
                elif col == "repealed":
                    v = small(0.25, max(1, int(scale)))
                else:
                    v = small(0.8, max(3, int(20 * scale)))
            elif row.key == "admin_fee":
                if col == "fee_amount_wan":  # drawn at the places it is printed with
                    v = (
                        round(rng.lognormvariate(1.0, 2.0), rng.choice((2, 2, 1, 4)))
                        if rng.random() < 0.2
                        else 0
                    )
                else:
                    v = small(0.2, 12) if col == "prev_items" else rng.choice((0, 0, 0, -1, 1))
            elif row.key == "gov_procurement":
                if rng.random() < 0.3:
                    v = (
                        rng.randint(1, 40)
                        if col == "procurement_items"
                        else round(rng.lognormvariate(5, 1.5), 2)
                    )
            elif col == "delta":
                v = rng.choice((0, 0, 0, 0, -1, 1, 2, -3))
            elif col == "prev_items":
                v = small(0.4, 300)
            else:  # decisions of 许可/处罚/强制/其他对外管理服务事项
                p = 0.15 if kind in ("general_office", "street_office") else 0.5
                v = int(rng.lognormvariate(2.5, 2.2) * (scale**0.5)) if rng.random() < p else 0
            out[("t2", row.key, col)] = v
    if template == "2019":  # 本年新公开 never exceeds 本年新制作 in practice
        for r in ("regulation", "normative_doc"):
            out[("t2", r, "new_published")] = min(out[("t2", r, "new_published")], out[("t2", r, "new_made")])
            out[("t2", r, "total_published")] = max(
                out[("t2", r, "total_published")], out[("t2", r, "new_made")]
            )
    return out


def _t3(template: str, n: int, rng: random.Random) -> dict[Key, Number]:
    spec = table_spec("t3", template)
    apps = t3_applicant_cols()
    outcomes = outcome_rows(template)
    out: dict[Key, Number] = {("t3", r, c): 0 for r, c in spec.slots()}
    new = _split(n, _APPLICANT_W, rng)
    ow = {k: _OUTCOME_W[k] for k in outcomes}
    co_rate = rng.choice((0.0, 0.0, 0.02, 0.05, 0.1))
    cf_rate = rng.choice((0.0, 0.0, 0.03, 0.06, 0.12))
    for c in apps:
        nr = new.get(c, 0)
        co = int(nr * co_rate * rng.uniform(0.5, 1.5) + (rng.random() < co_rate))
        avail = nr + co
        cf = min(avail, int(avail * cf_rate * rng.uniform(0.5, 1.5) + (rng.random() < cf_rate)))
        tp = avail - cf
        out[("t3", "new_received", c)] = nr
        out[("t3", "carried_over", c)] = co
        out[("t3", "carried_forward", c)] = cf
        out[("t3", "total_processed", c)] = tp
        for k, v in _split(tp, ow, rng).items():
            out[("t3", k, c)] = v
    for r in spec.row_keys:
        out[("t3", r, "total")] = sum(out[("t3", r, c)] for c in apps)
    return out


def _t4(n: int, rng: random.Random) -> dict[Key, Number]:
    out: dict[Key, Number] = {}
    rate = {"review": 0.04, "litigation_direct": 0.015, "litigation_after_review": 0.01}
    ow = {"upheld": 55, "corrected": 12, "other": 20, "pending": 13}
    for g in t4_groups():
        lam = n * rate[g] * rng.uniform(0.2, 2.0)
        k = int(lam + rng.random()) if lam < 1 else int(rng.gauss(lam, math.sqrt(lam)))
        k = max(k, 0)
        split = _split(k, ow, rng)
        for o in t4_outcomes():
            out[("t4", "count", f"{g}.{o}")] = k if o == "total" else split.get(o, 0)
    return out


def sample_values(template: str, level: str, kind: str, rng: random.Random) -> tuple[dict[Key, Number], int]:
    """All true values of one report, and its number of new requests."""
    n = sample_volume(level, rng)
    scale = max(1.0, n / 20)
    values = _t2(template, level, kind, rng, scale)
    values.update(_t3(template, n, rng))
    values.update(_t4(n, rng))
    return values, n


ERROR_KINDS = ("cell", "t3.balance", "t3.outcome_sum", "t3.row_total", "t4.group_total")


def inject_error(values: dict[Key, Number], template: str, rng: random.Random) -> dict:
    """Change one or two printed numbers so that one rule breaks; return what was changed.

    ``cell``: one applicant cell of 三 mistyped (breaks its row total and a column rule).
    ``t3.balance``: 结转下年度 of one column and of 总计 both off (only balance breaks).
    ``t3.outcome_sum``: one outcome cell and its row total off (only the outcome sum breaks).
    ``t3.row_total``: one 总计 cell mistyped (row total and the 总计 column's rule break).
    ``t4.group_total``: one group total of 四 mistyped (exactly one identity breaks).
    Table 三's rules are linearly dependent, so no change can break only one instance there.
    """
    kind = rng.choice(ERROR_KINDS)
    apps = t3_applicant_cols()
    d = rng.choice((1, 1, 2, 3, 10, -1))
    changes: list[Key] = []
    if kind == "cell":
        row = rng.choice(table_spec("t3", template).row_keys)
        changes = [("t3", row, rng.choice(apps))]
    elif kind == "t3.balance":
        c = rng.choice(apps)
        changes = [("t3", "carried_forward", c), ("t3", "carried_forward", "total")]
    elif kind == "t3.outcome_sum":
        r, c = rng.choice(outcome_rows(template)), rng.choice(apps)
        changes = [("t3", r, c), ("t3", r, "total")]
    elif kind == "t3.row_total":
        r = rng.choice(table_spec("t3", template).row_keys)
        changes = [("t3", r, "total")]
    else:
        changes = [("t4", "count", f"{rng.choice(list(t4_groups()))}.total")]
    if any(values[k] + d < 0 for k in changes):
        d = abs(d)
    record = {"kind": kind, "cells": []}
    for k in changes:
        record["cells"].append(
            {"table": k[0], "row": k[1], "col": k[2], "correct": values[k], "printed": values[k] + d}
        )
        values[k] = values[k] + d
    return record
