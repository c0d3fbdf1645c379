"""Accuracy of an extracted dataset against the truth of generated (or hand-checked) reports.

``score(dataset_dir, truth_jsonl)`` pairs each truth line with the document whose
source file has the same name, and counts per format:

* cells exact: printed cells whose value (and null-ness) came out right;
* agency / year / template right; all six sections found;
* broken identities flagged: deliberately broken identities with a matching error finding;
* false alarms: clean documents with any arithmetic error finding.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ARITHMETIC = ("t3.balance", "t3.outcome_sum", "t3.row_total", "t4.group_total")


@dataclass(slots=True)
class FormatScore:
    documents: int = 0
    cells: int = 0
    cells_right: int = 0
    meta_right: dict[str, int] = field(default_factory=lambda: {"agency": 0, "year": 0, "template": 0})
    all_sections: int = 0
    broken: int = 0
    broken_flagged: int = 0
    clean: int = 0
    clean_alarmed: int = 0
    failed: int = 0

    def row(self) -> dict[str, float | int]:
        pct = lambda a, b: round(100.0 * a / b, 2) if b else float("nan")  # noqa: E731
        return {
            "documents": self.documents,
            "failed": self.failed,
            "cells_exact_%": pct(self.cells_right, self.cells),
            "agency_%": pct(self.meta_right["agency"], self.documents),
            "year_%": pct(self.meta_right["year"], self.documents),
            "template_%": pct(self.meta_right["template"], self.documents),
            "six_sections_%": pct(self.all_sections, self.documents),
            "broken_flagged_%": pct(self.broken_flagged, self.broken),
            "false_alarm_%": pct(self.clean_alarmed, self.clean),
        }


def _read(out: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(out / f"{name}.parquet")


def _same(got, want) -> bool:
    if want is None:
        return got is None or (isinstance(got, float) and math.isnan(got))
    return (
        got is not None
        and not (isinstance(got, float) and math.isnan(got))
        and math.isclose(got, want, abs_tol=1e-9)
    )


def _flagged(broken: dict, findings: pd.DataFrame) -> bool:
    hits = findings[(findings.rule == broken["rule"]) & (findings.severity == "error")]
    where = broken.get("col") or broken.get("row") or broken.get("group")
    if where is None:
        return not hits.empty
    text = hits["col"].fillna("") + " " + hits["row"].fillna("") + " " + hits["message"].fillna("")
    return bool(text.str.contains(where, regex=False).any())


def score(out: Path, truth_path: Path) -> dict[str, FormatScore]:
    """Per-format scores of the dataset in ``out`` against ``truth_path`` (JSON lines)."""
    docs = _read(out, "documents")
    docs = docs.assign(name=docs.source.map(lambda s: Path(s).name))
    cells = _read(out, "cells")
    sections = _read(out, "sections")
    findings = _read(out, "findings")
    cells_by_doc = {k: g for k, g in cells.groupby("doc_id")}
    sections_by_doc = sections.groupby("doc_id").section.apply(set).to_dict()
    findings_by_doc = {k: g for k, g in findings.groupby("doc_id")}
    by_name = {r.name: r for r in docs.itertuples()}
    scores: dict[str, FormatScore] = defaultdict(FormatScore)
    for line in truth_path.read_text("utf-8").splitlines():
        truth = json.loads(line)
        s = scores[truth["format"]]
        s.documents += 1
        s.cells += len(truth["cells"])
        doc = by_name.get(Path(truth["file"]).name)
        if doc is None or doc.status == "failed":
            s.failed += 1
            s.broken += len(truth.get("broken") or [])
            continue
        got = cells_by_doc.get(doc.doc_id, pd.DataFrame(columns=cells.columns))
        values = {(r.table, r.row, r.col): r.value for r in got.itertuples()}
        s.cells_right += sum(
            1
            for c in truth["cells"]
            if (c["table"], c["row"], c["col"]) in values
            and _same(values[(c["table"], c["row"], c["col"])], c["value"])
        )
        s.meta_right["agency"] += doc.agency == truth["agency"]
        s.meta_right["year"] += (not pd.isna(doc.year)) and int(doc.year) == truth["year"]
        s.meta_right["template"] += doc.template == truth["template"]
        s.all_sections += sections_by_doc.get(doc.doc_id, set()) >= {1, 2, 3, 4, 5, 6}
        found = findings_by_doc.get(doc.doc_id, pd.DataFrame(columns=findings.columns))
        broken = truth.get("broken") or []
        if broken:
            s.broken += len(broken)
            s.broken_flagged += sum(_flagged(b, found) for b in broken)
        else:
            s.clean += 1
            s.clean_alarmed += bool(((found.rule.isin(ARITHMETIC)) & (found.severity == "error")).any())
    return dict(scores)


def score_table(scores: dict[str, FormatScore]) -> pd.DataFrame:
    return pd.DataFrame({fmt: s.row() for fmt, s in sorted(scores.items())}).T


def mismatches(out: Path, truth_path: Path, limit: int = 20) -> list[tuple]:
    """The first cells that came out wrong: (file, table, row, col, got, truth raw) - for debugging."""
    docs = _read(out, "documents")
    cells = _read(out, "cells")
    by_name = {Path(s).name: d for s, d in zip(docs.source, docs.doc_id, strict=True)}
    bad: list[tuple] = []
    for line in truth_path.read_text("utf-8").splitlines():
        truth = json.loads(line)
        did = by_name.get(Path(truth["file"]).name)
        got = cells[cells.doc_id == did]
        values = {(r.table, r.row, r.col): (r.value, r.raw) for r in got.itertuples()}
        for c in truth["cells"]:
            g = values.get((c["table"], c["row"], c["col"]))
            if g is None or not _same(g[0], c["value"]):
                bad.append((truth["file"], c["table"], c["row"], c["col"], g, c["raw"]))
                if len(bad) >= limit:
                    return bad
    return bad
