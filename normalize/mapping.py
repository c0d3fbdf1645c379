"""Printed tables to the standard cells of tables 二, 三 and 四.

Tables are found by what they say, never by where they stand: each table of the
document is scored against the row and column labels of the three standard tables.
Within a table, each row is split into its label cells (text) and its value cells
(numbers, dashes, blanks after the last label).  Value cells are assigned to column
keys in printed order when the row holds exactly as many values as the header has
columns, and by grid position (header slots) otherwise; a row that fits neither is
reported, not guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from nianbao.extract.model import Cell, Table
from nianbao.normalize import labels as L
from nianbao.normalize.numbers import is_number_like, parse_number
from nianbao.normalize.records import StdCell
from nianbao.normalize.spec import TEMPLATES, table_spec


@dataclass(slots=True)
class Mapped:
    """Standard cells found in a document, with notes on what did not map."""

    template: str
    cells: list[StdCell] = field(default_factory=list)
    tables_found: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Row:
    index: int
    labels: list[Cell]
    values: list[Cell]

    @property
    def label(self) -> str:
        return self.labels[-1].text if self.labels else ""


def _split_row(cells: list[Cell]) -> _Row:
    """Label cells are text; value cells are every cell right of the last label."""
    last = -1
    for i, c in enumerate(cells):
        if not is_number_like(c.text):
            last = i
    labels = [c for c in cells[: last + 1] if c.text.strip()]
    return _Row(cells[0].row if cells else -1, labels, cells[last + 1 :])


def _rows(table: Table) -> list[_Row]:
    return [_split_row(r) for r in table.rows() if r]


# ---------------------------------------------------------------- classification


def classify(table: Table) -> dict[str, int]:
    """How strongly this printed table looks like each standard table (t2, t3, t4).

    One printed table may hold several standard ones (a flattening that ran two
    tables together), so every kind scoring 3 or more is mapped.
    """
    t2 = t3 = t4 = 0
    for c in table.cells:
        a, b, d = _label_points(c.text)
        t2 += a
        t3 += b
        t4 += d
    return {"t2": t2, "t3": t3, "t4": t4}


@lru_cache(maxsize=8192)
def _label_points(text: str) -> tuple[int, int, int]:
    """What one cell's text adds to the (t2, t3, t4) scores (labels recur across reports)."""
    if is_number_like(text):
        return 0, 0, 0
    t2 = t3 = t4 = 0
    core = L.core(text)
    if any(L.row_matcher("t3", t).match(text) for t in TEMPLATES) and core not in ("总计", "其他"):
        t3 += 2
    if any(L.row_matcher("t2", t).match(text) for t in TEMPLATES):
        t2 += 2
    if core.startswith("第二十条") or core == "信息内容":
        t2 += 1
    if core in L.t4_group_labels() or core == L.T4_LITIGATION:
        t4 += 2
    if core in L.t4_outcome_labels() and core != "总计":
        t4 += 1
    return t2, t3, t4


def detect_template(tables: dict[str, list[Table]], year: int | None) -> str:
    """2021 or 2019 from table 二's headers or table 三's rows, else from the year."""
    t2_labels = [c.text for t in tables.get("t2", []) for c in t.cells if not is_number_like(c.text)]
    found = L.detect_t2_template(t2_labels)
    if found:
        return found
    t3_cores = {L.core(c.text) for t in tables.get("t3", []) for c in t.cells}
    m21 = L.row_matcher("t3", "2021")
    if any(m21.match(c) == "other.overdue_correction" for c in t3_cores if c):
        return "2021"
    if year is not None:
        return "2021" if year >= 2021 else "2019"
    return "unknown"


# ---------------------------------------------------------------- shared helpers


def _is_header(row: _Row, col_label: dict[str, str]) -> bool:
    hits = sum(1 for c in row.labels if L.core(c.text) in col_label)
    return hits >= 2 or (hits == 1 and not row.values)


def _slot_keys(header_rows: Sequence[_Row], key_of) -> list[tuple[int, int, str]]:
    """Ordered (first slot, last slot, key) of the columns the header rows name."""
    slots: dict[int, str] = {}
    for row in header_rows:
        for c in row.labels:
            key = key_of(c, slots)
            if key:
                for s in range(c.col, c.col + c.col_span):
                    slots[s] = key
    out: list[tuple[int, int, str]] = []
    for s in sorted(slots):
        if out and out[-1][2] == slots[s] and out[-1][1] == s - 1:
            out[-1] = (out[-1][0], s, slots[s])
        else:
            out.append((s, s, slots[s]))
    return out


def _assign(
    row: _Row,
    keys: Sequence[str],
    slots: Sequence[tuple[int, int, str]] | None,
    structured: bool,
    covered: int | None = None,
) -> list[tuple[str, Cell]] | None:
    """Pair a row's value cells with column keys; None when that cannot be done safely.

    ``covered``: how many covered slots of the header the form puts before the row when
    a flattening prints them (see :func:`_covered_slots_dropped`)."""
    values = list(row.values)
    if structured and slots and len(slots) == len(keys):  # every column named in the header:
        # empty cells left of the first of them are a merged label's, not values
        values = [c for c in values if c.col >= slots[0][0] or c.text.strip()]
    if not structured and len(values) > len(keys):
        values = _covered_slots_dropped(values, len(keys), covered)
    while len(values) > len(keys) and not values[-1].text.strip():
        values.pop()  # trailing empty cells of a ragged flattening
    if len(values) == len(keys):
        return list(zip(keys, values, strict=True))
    printed = [c for c in values if c.text.strip()]
    if not structured and len(printed) == len(keys) and len(values) > len(keys):
        return list(zip(keys, printed, strict=True))  # empty cells a merge left behind
    if structured and slots:
        out = []
        for c in values:
            key = next((k for a, b, k in slots if a <= c.col <= b), None)
            if key is not None and key in keys and all(k != key for k, _ in out):
                out.append((key, c))
        return out or None
    return None


def _covered_slots_dropped(values: list[Cell], n: int, covered: int | None = None) -> list[Cell]:
    """The ``n`` values of a flattened row that leads with empty lines of merged header cells.

    Text saved one cell a line prints a merge's covered slots as empty lines: those of
    table 四's header (its 复议 cells span two header rows) stand before the row's values.
    When a printed value lies past the first ``n`` cells, the window of ``n`` cells with
    only empty cells outside it is taken, if there is exactly one, or the one that starts
    after the form's ``covered`` slots; else the row is left as it is (and trailing
    empties are trimmed as usual).
    """

    def empty(cells: Sequence[Cell]) -> bool:
        return not any(c.text.strip() for c in cells)

    if empty(values[n:]):
        return values
    fits = [k for k in range(1, len(values) - n + 1) if empty(values[:k]) and empty(values[k + n :])]
    k = fits[0] if len(fits) == 1 else covered if covered in fits else None
    return values if k is None else values[k : k + n]


def _place(
    out: Mapped,
    table: str,
    key: str,
    row: _Row,
    keys: Sequence[str],
    slots: Sequence[tuple[int, int, str]] | None,
    structured: bool,
) -> bool:
    """Add the row's cells under ``key``, or a note when its values cannot be placed."""
    pairs = _assign(row, keys, slots, structured)
    if pairs is None:
        out.notes.append(f"{table} row {key}: {len(row.values)} values for {len(keys)} columns, not mapped")
        return False
    out.cells.extend(_std(table, key, col, c) for col, c in pairs)
    return True


def _std(table: str, row: str, col: str, cell: Cell) -> StdCell:
    return StdCell(table, row, col, parse_number(cell.text), cell.text.strip(), str(cell.prov or ""))


# ---------------------------------------------------------------- table 三


def _other_template(template: str) -> str:
    return "2019" if template == "2021" else "2021"


def _map_t3(tables: Iterable[Table], template: str, out: Mapped) -> None:
    spec = table_spec("t3", template)
    matcher = L.row_matcher("t3", template)
    # A hybrid form prints group 六 as the other template does: those rows keep their keys.
    foreign = L.row_matcher("t3", _other_template(template))
    own_keys = set(spec.row_keys)
    borrowed: list[str] = []
    col_label = L.t3_col_labels()
    order = list(spec.col_labels)
    seen: set[str] = set()
    for table in tables:
        rows = _rows(table)
        header: list[_Row] = []
        group: str | None = None
        started = False
        slots: list[tuple[int, int, str]] | None = None
        keys: list[str] = order
        for row in rows:
            if not started and _is_header(row, col_label):
                header.append(row)
                continue
            for c in row.labels:
                g = L.t3_group(c.text)
                if g:
                    group = g
            key = _t3_row_key(row, matcher, group)
            last = row.labels[-1].text if row.labels else ""
            if (
                key is not None
                and last
                and matcher.match(last) is None
                and foreign.match(last) not in (None, *own_keys)
            ):
                key = None  # the row's own label is of the other form (its group cell matched here)
            if key is None:
                key = _t3_row_key(row, foreign, group)
                if key is not None and key in own_keys:
                    key = None  # the other form's matcher may not stand in for this form's rows
                elif key is not None and len(row.values) >= 3:
                    borrowed.append(key)
            if key is None or len(row.values) < 3:
                continue
            started = True
            if key in seen:
                out.notes.append(f"t3 row {key} printed twice; kept the first")
                continue
            if slots is None:  # the header is complete once the first data row is seen
                slots = _slot_keys(header, lambda c, _s: col_label.get(L.core(c.text)))
                keys = [k for _, _, k in slots] if table.structured and len(slots) == len(order) else order
            if _place(out, "t3", key, row, keys, slots, table.structured):
                seen.add(key)
    if seen:
        out.tables_found.add("t3")
    if borrowed:
        out.notes.append(
            f"t3 rows in the {_other_template(template)} form: " + ", ".join(dict.fromkeys(borrowed))
        )


def _t3_row_key(row: _Row, matcher: L.RowMatcher, group: str | None) -> str | None:
    """The most specific (rightmost) label of the row decides; ``3.其他`` only under （六）."""
    for c in reversed(row.labels):
        key = matcher.match(c.text)
        if key == "other.other" and group not in (None, "other"):
            continue
        if key is not None:
            return key
    return None


# ---------------------------------------------------------------- table 二


def _map_t2(tables: Iterable[Table], template: str, out: Mapped) -> None:
    spec = table_spec("t2", template)
    matcher = L.row_matcher("t2", template)
    seen: set[str] = set()
    for table in tables:
        slots: list[tuple[int, int, str]] = []  # of the latest header row
        for row in _rows(table):
            if not row.values and any(L.t2_col(c.text, template) for c in row.labels):
                slots = _slot_keys([row], lambda c, _s: L.t2_col(c.text, template))
                continue
            key = next((k for c in reversed(row.labels) if (k := matcher.match(c.text))), None)
            if key is None or not row.values:
                continue
            if key in seen:
                out.notes.append(f"t2 row {key} printed twice; kept the first")
                continue
            want = spec.row(key).cols
            keys = [k for _, _, k in slots if k in want] or list(want)
            n_values = len(row.values)
            while n_values > len(want) and not row.values[n_values - 1].text.strip():
                n_values -= 1  # empty cells a flattening leaves at the row's end
            if not table.structured and len(keys) != len(want) and n_values == len(want):
                keys = list(want)  # a header read in part; the row prints every column in order
            if _place(out, "t2", key, row, keys, slots, table.structured):
                seen.add(key)
    if seen:
        out.tables_found.add("t2")


# ---------------------------------------------------------------- table 四


def _t4_keys() -> list[str]:
    return list(table_spec("t4", "2021").col_labels)


# The form's 行政复议 outcome cells (结果维持 … 总计) span two header rows, so a flattening
# that prints covered slots puts five empty cells after the header, before the row.
_T4_COVERED = 5


def _map_t4(tables: Iterable[Table], out: Mapped) -> None:
    groups, outcomes = L.t4_group_labels(), L.t4_outcome_labels()
    order = _t4_keys()
    for table in tables:
        rows = _rows(table)
        header = [r for r in rows if any(L.core(c.text) in outcomes for c in r.labels)]
        if not header:
            continue
        last_header = header[-1].index
        data = next((r for r in rows if r.index > last_header and len(r.values) >= 5), None)
        if data is None:
            continue
        keys = order
        slots: list[tuple[int, int, str]] = []
        if table.structured:
            group_rows = [r for r in rows if r.index <= last_header]
            slots = _t4_slots(group_rows, groups, outcomes)
            if len(slots) == len(order):
                keys = [k for _, _, k in slots]
        pairs = _assign(data, keys, slots, table.structured, covered=_T4_COVERED)
        if pairs is None:
            out.notes.append(f"t4: {len(data.values)} values for {len(keys)} columns, not mapped")
            continue
        out.cells.extend(_std("t4", "count", col, c) for col, c in pairs)
        out.tables_found.add("t4")
        return


def _t4_slots(rows: Sequence[_Row], groups: dict[str, str], outcomes: dict[str, str]):
    group_of: dict[int, str] = {}
    outcome_of: dict[int, str] = {}
    for row in rows:
        for c in row.labels:
            core = L.core(c.text)
            span = range(c.col, c.col + c.col_span)
            if core in groups:
                for s in span:
                    group_of[s] = groups[core]
            elif core in outcomes:
                for s in span:
                    outcome_of[s] = outcomes[core]
    keyed = {s: f"{group_of[s]}.{outcome_of[s]}" for s in outcome_of if s in group_of}
    return [(s, s, k) for s, k in sorted(keyed.items())]


# ---------------------------------------------------------------- entry point


def locate(tables: Iterable[Table]) -> dict[str, list[Table]]:
    """Printed tables grouped by the standard table they are (table 二 may be several)."""
    found: dict[str, list[Table]] = {}
    for t in tables:
        for kind, score in classify(t).items():
            if score >= 3:
                found.setdefault(kind, []).append(t)
    return found


def map_tables(tables: Sequence[Table], year: int | None = None) -> Mapped:
    """All standard cells the document's tables hold, and the template they follow."""
    located = locate(tables)
    template = detect_template(located, year)
    out = Mapped(template)
    use = template if template in TEMPLATES else "2021"
    _map_t2(located.get("t2", []), use, out)
    _map_t3(located.get("t3", []), use, out)
    _map_t4(located.get("t4", []), out)
    return out


__all__ = ["Mapped", "classify", "detect_template", "locate", "map_tables"]
