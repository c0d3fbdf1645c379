"""Tables whose cells were glued together when a page was flattened to text.

Some archives keep a report only as the text of its web page, with the table cells
run together and no separator left: ``行政规范性文件693665`` for the three cells 69, 3
and 665, or ``一、本年新收政府信息公开申请数量640020470`` for the seven cells of a row
of table 三.  The digit boundaries are lost, and only the tables' own arithmetic can
bring them back:

* a printed number has no leading zero, so ``0000000`` is seven zeros;
* in table 三 every row's 总计 is the sum of its six applicant columns, and each
  column balances (一 + 二 == （七） + 四; （七） == the sum of the outcome rows);
* in table 四 each group's 总计 is the sum of its four outcomes.

A row is split only when these rules leave exactly one way to do it; otherwise its
cells are left without a value (``value`` None, ``raw`` the glued digits) and a note
says so.  Table 二 has no identities: its multi-cell rows are split only when a single
reading is possible (all zeros) or the narrative states the numbers that decide it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from nianbao.normalize import cues
from nianbao.normalize import labels as L
from nianbao.normalize.numbers import parse_number
from nianbao.normalize.records import StdCell
from nianbao.normalize.spec import t3_applicant_cols, t4_groups, t4_outcomes, table_spec

_MAX_COMBINATIONS = 200_000


@dataclass(frozen=True, slots=True)
class GluedRow:
    key: str
    digits: str  # as printed, spaces included
    start: int  # character span of the digits in the section text
    end: int


def _runs(text: str) -> list[tuple[str, str, int, int]]:
    """(label text, digit run, start, end) in order; the label is the text before the run.

    A run takes the spaces and decimal points printed among its digits; the digit right
    before a list mark that opens the next label ("00000002.其他…") is left to that label.
    """
    out = []
    pos = 0
    label_start = 0
    for m in re.finditer(r"\d(?:[\d\s\u00a0.,]|[+\-−](?=\d))*", text):
        run, a = m.group(0), m.start()
        if a < pos:
            continue
        # The last digit before a list mark that opens the next label ("00000002.其他…").
        nxt = text[m.end() : m.end() + 1]
        stripped = run.rstrip()
        if re.search(r"\d[.、．]$", stripped) and nxt and not nxt.isdigit():
            stripped = stripped[:-2]
        elif nxt and nxt in ".、．" and not text[m.end() + 1 : m.end() + 2].isdigit():
            stripped = stripped[:-1]
        if not stripped.strip():
            pos = m.end()
            continue
        end = a + len(stripped)
        out.append((text[label_start:a], stripped, a, end))
        label_start = end
        pos = end
    return out


def _row_key(label: str, matcher: L.RowMatcher) -> str | None:
    """The row whose official label ends this stretch of text (headers and groups before it)."""
    for i in range(len(label)):
        key = matcher.exact.get(L.core(label[i:]))
        if key:
            return key
    return None


def parse_rows(text: str, table: str, template: str) -> list[GluedRow]:
    matcher = L.row_matcher(table, template)
    rows: list[GluedRow] = []
    seen = set()
    for label, digits, a, b in _runs(text):
        key = _row_key(label, matcher)
        if key and key not in seen:
            seen.add(key)
            rows.append(GluedRow(key, digits, a, b))
    return rows


def splits(digits: str, k: int) -> Iterator[tuple[int, ...]]:
    """Every way to cut a digit string into k numbers without leading zeros."""
    if k == 1:
        if digits and (digits == "0" or digits[0] != "0"):
            yield (int(digits),)
        return
    if digits.startswith("0"):
        for rest in splits(digits[1:], k - 1):
            yield (0, *rest)
        return
    for i in range(1, len(digits) - k + 2):
        head = int(digits[:i])
        for rest in splits(digits[i:], k - 1):
            yield (head, *rest)


def _candidates(printed: str, k: int, check) -> list[tuple[int, ...]]:
    tokens = printed.split()
    if len(tokens) == k and all(t.isdigit() for t in tokens):
        values = tuple(int(t) for t in tokens)
        if check(values):
            return [values]
    digits = re.sub(r"\s", "", printed)
    if not digits.isdigit():
        return []
    return [v for v in splits(digits, k) if check(v)]


# ---------------------------------------------------------------- table 三


def _t3(text: str, template: str, notes: list[str]) -> list[StdCell]:
    spec = table_spec("t3", template)
    cols = list(spec.col_labels)
    n_app = len(t3_applicant_cols())
    rows = parse_rows(text, "t3", template)
    if len(rows) < len(spec.rows) // 2:
        return []
    cands = {r.key: _candidates(r.digits, len(cols), lambda v: sum(v[:n_app]) == v[n_app]) for r in rows}
    chosen = _choose_t3(cands, spec.row_keys)
    cells: list[StdCell] = []
    for r in rows:
        split = chosen.get(r.key)
        if split is None:
            notes.append(f"t3 row {r.key}: glued digits {r.digits.strip()!r} cannot be split unambiguously")
        for j, col in enumerate(cols):
            value = float(split[j]) if split else None
            raw = str(split[j]) if split else r.digits.strip()
            cells.append(StdCell("t3", r.key, col, value, raw, f"chars {r.start}-{r.end}"))
    return cells


def _choose_t3(cands: dict[str, list[tuple[int, ...]]], order: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """Fix unique rows; resolve the others by the column identities, when that is unique."""
    fixed = {k: v[0] for k, v in cands.items() if len(v) == 1}
    open_rows = [k for k, v in cands.items() if len(v) > 1]
    if not open_rows:
        return fixed
    n = 1
    for k in open_rows:
        n *= len(cands[k])
    if n > _MAX_COMBINATIONS:
        return fixed
    outcomes = [
        k for k in order if k not in ("new_received", "carried_over", "total_processed", "carried_forward")
    ]
    fits = []
    for combo in itertools.product(*(cands[k] for k in open_rows)):
        trial = {**fixed, **dict(zip(open_rows, combo, strict=True))}
        if _balances(trial, outcomes):
            fits.append(combo)
    for i, k in enumerate(open_rows):
        options = {combo[i] for combo in fits}
        if len(options) == 1:
            fixed[k] = options.pop()
    return fixed


def _balances(rows: dict[str, tuple[int, ...]], outcomes: list[str]) -> bool:
    need = ("new_received", "carried_over", "total_processed", "carried_forward")
    if any(k not in rows for k in need) or any(k not in rows for k in outcomes):
        return False
    for c in range(len(rows["total_processed"])):
        if (
            rows["new_received"][c] + rows["carried_over"][c]
            != rows["total_processed"][c] + rows["carried_forward"][c]
        ):
            return False
        if sum(rows[k][c] for k in outcomes) != rows["total_processed"][c]:
            return False
    return True


# ---------------------------------------------------------------- table 四


def _t4(text: str, notes: list[str]) -> list[StdCell]:
    groups, outcomes = list(t4_groups()), list(t4_outcomes())
    k = len(groups) * len(outcomes)
    runs = _runs(text)
    if not runs or not any(L.core(o) in L.core(text) for o in ("结果维持", "尚未审结")):
        return []
    _label, printed, a, b = max(runs, key=lambda r: len(re.sub(r"\s", "", r[1])))
    n = len(outcomes)

    def check(v: tuple[int, ...]) -> bool:
        return all(sum(v[g * n : g * n + n - 1]) == v[g * n + n - 1] for g in range(len(groups)))

    cands = _candidates(printed, k, check)
    keys = [f"{g}.{o}" for g in groups for o in outcomes]
    if len(cands) != 1:
        notes.append(f"t4: glued digits {printed.strip()!r} give {len(cands)} readings, not split")
        return [StdCell("t4", "count", key, None, printed.strip(), f"chars {a}-{b}") for key in keys]
    return [
        StdCell("t4", "count", key, float(v), str(v), f"chars {a}-{b}")
        for key, v in zip(keys, cands[0], strict=True)
    ]


# ---------------------------------------------------------------- table 二


def _t2(text: str, template: str, stated: dict[str, set[int]], notes: list[str]) -> list[StdCell]:
    spec = table_spec("t2", template)
    cells: list[StdCell] = []
    rows = parse_rows(text, "t2", template)
    unprinted = [k for k in spec.row_keys if k not in {r.key for r in rows}]
    if rows and unprinted:
        notes.append("t2 rows not printed: " + ", ".join(unprinted))
    for r in rows:
        cols = spec.row(r.key).cols
        printed = r.digits.strip()
        if len(cols) == 1:
            cells.append(
                StdCell("t2", r.key, cols[0], parse_number(printed), printed, f"chars {r.start}-{r.end}")
            )
            continue
        cands = _signed_candidates(printed, cols) or _candidates(printed, len(cols), lambda _v: True)
        if len(cands) > 1:
            cands = _by_narrative(cands, cols, stated.get(r.key, {}))
        if len(cands) == 1:
            cells.extend(
                StdCell("t2", r.key, col, float(v), str(v), f"chars {r.start}-{r.end}")
                for col, v in zip(cols, cands[0], strict=True)
            )
        else:
            notes.append(f"t2 row {r.key}: glued digits {printed!r} have {len(cands)} readings, not split")
            cells.extend(StdCell("t2", r.key, col, None, printed, f"chars {r.start}-{r.end}") for col in cols)
    return cells


# Words before a count that say which column of a 表二 row it states.
_COLUMN_CUES: dict[str, str] = {
    "issued": rf"{cues.ISSUED}|发布",
    "repealed": cues.REPEALED_LOOSE,
    "in_force": rf"{cues.IN_FORCE}|有效",
    "new_made": rf"{cues.MADE}|{cues.ISSUED}",
    "new_published": cues.PUBLISHED,
    "total_published": cues.TOTAL_PUBLISHED,
    "procurement_items": cues.PROCUREMENT,
}
# A column that no other table restates: its count needs no row name beside it.
_ONLY_T2 = {"in_force"}
# Shorter names the narrative uses for a row (采购信息21条 for 政府集中采购).
_ROW_WORDS = {"gov_procurement": ("采购",)}
_COUNT = re.compile(r"(\d+)\s*(?:[件条个项]|万?元)")


def _stated_counts(narrative: str, template: str) -> dict[str, dict[str | None, set[int]]]:
    """Counts the narrative states for each 表二 row, by column where words say which.

    ``{"normative_doc": {"issued": {34}, "in_force": {424}, None: {34, 424}}}`` from
    本年度制发规范性文件34件，现行有效件数424件: the column is the cue word (制发, 废止,
    现行有效…) in the clause before the number; ``None`` holds every count of the row.
    """
    out: dict[str, dict[str | None, set[int]]] = {}
    sentences = re.split(r"[。；;！\n]", narrative)
    for row in table_spec("t2", template).rows:
        names = [L.core(x) for x in (row.label, *row.aliases, *_ROW_WORDS.get(row.key, ())) if L.core(x)]
        for s in sentences:
            if not any(n in L.core(s) for n in names) or re.search(r"\d{4,}[^\d件条元年]", s):
                continue
            said = out.setdefault(row.key, {})
            for clause in re.split(r"[，,、（）()]", s):
                prev = 0
                for m in _COUNT.finditer(clause):
                    before, after = clause[prev : m.start()], clause[m.end() : m.end() + 12]
                    prev = m.end()
                    named = any(
                        n in L.core(before) or L.core(after).lstrip("的").startswith(n) for n in names
                    )
                    col = next(
                        (c for c in row.cols if c in _COLUMN_CUES and re.search(_COLUMN_CUES[c], before)),
                        None,
                    )
                    if not named and col not in _ONLY_T2:
                        continue
                    said.setdefault(None, set()).add(int(m.group(1)))
                    if col:
                        said.setdefault(col, set()).add(int(m.group(1)))
    return out


def _by_narrative(
    cands: list[tuple[int, ...]], cols: Sequence[str], said: dict[str | None, set[int]]
) -> list[tuple[int, ...]]:
    """The one reading the narrative's counts single out, or all of them when it does not.

    A count stated for a column (制发…34件) must be that column's value; failing a column
    match, the reading in which the narrative states the most cells (two at least) wins.
    """
    by_col = [sum(1 for c, x in zip(cols, v, strict=True) if x in said.get(c, ())) for v in cands]
    best = max(by_col, default=0)
    if best >= 1 and by_col.count(best) == 1:
        return [cands[by_col.index(best)]]
    anywhere = said.get(None, set())
    hits = [sum(1 for x in v if x and x in anywhere) for v in cands]
    best = max(hits, default=0)
    if best >= 2 and hits.count(best) == 1:
        return [cands[hits.index(best)]]
    return cands


def _signed_candidates(printed: str, cols: Sequence[str]) -> list[tuple[int, ...]]:
    """Readings of a 2019 row whose 本年增/减 is printed with its sign (``0+11`` = 0, +1, 1)."""
    digits = re.sub(r"\s", "", printed)
    m = re.fullmatch(r"(\d*)([+\-−])(\d+)", digits)
    if not m or "delta" not in cols:
        return []
    d = list(cols).index("delta")
    left = list(splits(m.group(1), d)) if d else [()]
    right = list(splits(m.group(3), len(cols) - d))
    sign = -1 if m.group(2) != "+" else 1
    return [(*a, sign * b[0], *b[1:]) for a in left for b in right]


def glued_cells(
    section_text: dict[int, str], missing: set[str], template: str, notes: list[str]
) -> list[StdCell]:
    """Standard cells recovered from glued text for each table in ``missing``."""
    use = template if template in ("2021", "2019") else "2021"
    stated = _stated_counts("\n".join(section_text.values()), use)
    out: list[StdCell] = []
    if "t2" in missing and 2 in section_text:
        out += _t2(section_text[2], use, stated, notes)
    if "t3" in missing and 3 in section_text:
        out += _t3(section_text[3], use, notes)
    if "t4" in missing and 4 in section_text:
        out += _t4(section_text[4], notes)
    return out
