"""Accuracy of an extracted dataset against the truth of generated (or hand-checked) reports.

``score(dataset_dir, truth_jsonl)`` pairs each truth line with the document whose
source file has the same name, and counts per format:

* cells exact: printed cells whose value (and null-ness) came out right (a cell missing
  from the dataset, or of a failed document, is wrong);
* agency / year / template right; all six sections found;
* broken identities flagged: each rule instance the truth lists as broken
  (``truth["broken"]``) with an error finding of the same rule at the same place, and,
  counted apart, with either that error or an ``identity.not_assessable`` info at that
  place (the validator reports a broken identity with a blank operand as not assessable
  rather than guessing);
* false alarms: clean documents with any arithmetic error finding.

Where a finding stands (columns ``table``, ``row``, ``col``, see ``nianbao.normalize.validate``):
``t3.balance`` (t3, -, col), ``t3.outcome_sum`` (t3, total_processed, col),
``t3.row_total`` (t3, row, total), ``t4.group_total`` (t4, count, group.total).  A
not-assessable info at (t3, total_processed, total) stands for both the outcome sum of
the 总计 column and the row total of （七）总计.

``mismatches`` lists the cells that came out wrong and ``mismatch_patterns`` groups them.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pandas as pd

ARITHMETIC = ("t3.balance", "t3.outcome_sum", "t3.row_total", "t4.group_total")
NOT_ASSESSABLE = "identity.not_assessable"

Place = tuple[str, str | None, str | None]  # (table, row, col) of a finding


@dataclass(slots=True)
class FormatScore:
    """Counts for one format; ``row()`` turns them into percentages."""

    documents: int = 0
    cells: int = 0
    cells_right: int = 0
    meta_right: dict[str, int] = field(default_factory=lambda: {"agency": 0, "year": 0, "template": 0})
    all_sections: int = 0
    broken: int = 0
    broken_flagged: int = 0
    broken_flagged_or_na: int = 0
    clean: int = 0
    clean_alarmed: int = 0
    failed: int = 0

    def row(self) -> dict[str, float | int]:
        def pct(a: int, b: int) -> float:
            return round(100.0 * a / b, 2) if b else float("nan")

        return {
            "documents": self.documents,
            "failed": self.failed,
            "cells_exact_%": pct(self.cells_right, self.cells),
            "agency_%": pct(self.meta_right["agency"], self.documents),
            "year_%": pct(self.meta_right["year"], self.documents),
            "template_%": pct(self.meta_right["template"], self.documents),
            "six_sections_%": pct(self.all_sections, self.documents),
            "broken_flagged_%": pct(self.broken_flagged, self.broken),
            "broken_flagged_or_na_%": pct(self.broken_flagged_or_na, self.broken),
            "false_alarm_%": pct(self.clean_alarmed, self.clean),
            "broken": self.broken,
            "clean": self.clean,
        }


def _read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(out / f"{name}.parquet")


def _is_null(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _same(got: object, want: float | None) -> bool:
    if want is None:
        return _is_null(got)
    return not _is_null(got) and math.isclose(float(got), want, rel_tol=1e-12, abs_tol=1e-9)


def place_of(broken: dict) -> Place:
    """Where the validator reports the broken rule instance ``broken`` (a truth ``broken`` item)."""
    rule = broken["rule"]
    if rule == "t3.balance":
        return ("t3", None, broken["col"])
    if rule == "t3.outcome_sum":
        return ("t3", "total_processed", broken["col"])
    if rule == "t3.row_total":
        return ("t3", broken["row"], "total")
    if rule == "t4.group_total":
        return ("t4", "count", f"{broken['group']}.total")
    return (broken.get("table", ""), broken.get("row"), broken.get("col"))


def _places(findings: pd.DataFrame) -> dict[str, set[Place]]:
    """Places of the error findings per rule, and of not-assessable infos under NOT_ASSESSABLE."""
    out: dict[str, set[Place]] = defaultdict(set)
    for f in findings.itertuples():
        if f.severity == "error" or f.rule == NOT_ASSESSABLE:
            row = None if _is_null(f.row) else f.row
            col = None if _is_null(f.col) else f.col
            out[f.rule].add((f.table, row, col))
    return out


def _truth(truth_path: Path) -> Iterator[dict]:
    with truth_path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def _by_doc(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return {k: g for k, g in frame.groupby("doc_id", sort=False)}


def score(out: Path, truth_path: Path) -> dict[str, FormatScore]:
    """Per-format scores of the dataset in ``out`` against ``truth_path`` (JSON lines)."""
    out, truth_path = Path(out), Path(truth_path)
    docs = _read(out, "documents")
    by_name = {Path(r.source).name: r for r in docs.itertuples()}
    cells = _read(out, "cells")
    values_by_doc = {
        d: dict(zip(zip(g.table, g.row, g.col, strict=True), g.value, strict=True))
        for d, g in _by_doc(cells).items()
    }
    sections_by_doc = _read(out, "sections").groupby("doc_id").section.apply(set).to_dict()
    findings_by_doc = {d: _places(g) for d, g in _by_doc(_read(out, "findings")).items()}
    scores: dict[str, FormatScore] = defaultdict(FormatScore)
    for truth in _truth(truth_path):
        s = scores[truth["format"]]
        s.documents += 1
        s.cells += len(truth["cells"])
        broken = truth.get("broken") or []
        s.broken += len(broken)
        s.clean += not broken
        doc = by_name.get(Path(truth["file"]).name)
        if doc is None or doc.status == "failed":
            s.failed += 1
            continue
        values = values_by_doc.get(doc.doc_id, {})
        for c in truth["cells"]:
            key = (c["table"], c["row"], c["col"])
            s.cells_right += key in values and _same(values[key], c["value"])
        s.meta_right["agency"] += doc.agency == truth["agency"]
        s.meta_right["year"] += (not pd.isna(doc.year)) and int(doc.year) == truth["year"]
        s.meta_right["template"] += doc.template == truth["template"]
        s.all_sections += sections_by_doc.get(doc.doc_id, set()) >= {1, 2, 3, 4, 5, 6}
        found = findings_by_doc.get(doc.doc_id, {})
        if broken:
            for b in broken:
                at = place_of(b)
                flagged = at in found.get(b["rule"], ())
                s.broken_flagged += flagged
                s.broken_flagged_or_na += flagged or at in found.get(NOT_ASSESSABLE, ())
        else:
            s.clean_alarmed += any(found.get(r) for r in ARITHMETIC)
    return dict(scores)


class Mismatch(NamedTuple):
    """A printed cell that came out wrong.  ``got`` is (value, raw) or None when absent."""

    file: str
    table: str
    row: str
    col: str
    got: tuple[float | None, str] | None
    printed: str
    value: float | None


def mismatches(out: Path, truth_path: Path, limit: int | None = 20) -> list[Mismatch]:
    """The cells that came out wrong, in truth order (the first ``limit``; None for all)."""
    out, truth_path = Path(out), Path(truth_path)
    docs = _read(out, "documents")
    by_name = {Path(s).name: (d, st) for s, d, st in zip(docs.source, docs.doc_id, docs.status, strict=True)}
    cells = _by_doc(_read(out, "cells"))
    bad: list[Mismatch] = []
    for truth in _truth(truth_path):
        did, _ = by_name.get(Path(truth["file"]).name, (None, None))
        g = cells.get(did)
        values = (
            {}
            if g is None
            else {
                (t, r, c): (None if _is_null(v) else float(v), raw)
                for t, r, c, v, raw in zip(g.table, g.row, g.col, g.value, g.raw, strict=True)
            }
        )
        for c in truth["cells"]:
            got = values.get((c["table"], c["row"], c["col"]))
            if got is None or not _same(got[0], c["value"]):
                bad.append(Mismatch(truth["file"], c["table"], c["row"], c["col"], got, c["raw"], c["value"]))
                if limit is not None and len(bad) >= limit:
                    return bad
    return bad


def kind_of(m: Mismatch) -> str:
    """What went wrong with one cell."""
    if m.got is None:
        return "missing"
    value, raw = m.got
    if value is None:
        return "null for a printed number"
    if m.value is None:
        return "number for a printed null mark"
    if (raw or "").strip() == m.printed.strip():
        return "same text, other value"
    return "other number"


_ASCII_DIGIT = re.compile(r"[0-9]")
_WIDE_DIGIT = re.compile(r"[\uff10-\uff19]")


def shape(printed: str) -> str:
    """The form of a printed cell: digits as 9 (ASCII) or ９ (full-width), outer spaces dropped."""
    return _WIDE_DIGIT.sub("９", _ASCII_DIGIT.sub("9", printed.strip(" \u3000")))


def mismatch_patterns(
    rows: list[Mismatch], by: str = "shape", examples: int = 3
) -> list[tuple[str, int, list[Mismatch]]]:
    """Mismatches grouped by what went wrong and, ``by`` "shape", the form of the printed
    text (e.g. a lone full-width digit; the table for absent cells) or, ``by`` "cell",
    the table/row/col; biggest first.  Each pattern is ``(description, count, first examples)``.
    """
    counts: Counter[str] = Counter()
    first: dict[str, list[Mismatch]] = defaultdict(list)
    for m in rows:
        kind = kind_of(m)
        if by == "cell":
            key = f"{kind}: {m.table} {m.row} {m.col}"
        elif kind == "missing":
            key = f"{kind}: in {m.table}"
        else:
            key = f"{kind}: printed like {shape(m.printed)!r}"
        counts[key] += 1
        if len(first[key]) < examples:
            first[key].append(m)
    return [(k, n, first[k]) for k, n in counts.most_common()]
