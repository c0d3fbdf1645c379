"""The batch run: every input file to rows of the output datasets.

One bad file never stops a run: each file becomes a ``documents`` row whatever
happens, failed ones with a one-line reason.  Workers return plain rows, so the same
function serves the in-process loop and a process pool.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from corpus.store import DatasetWriter
from normalize.pipeline import EXTRACTOR_VERSION, Report, process
from normalize.records import ReportMeta

# Files a folder walk passes over: our own outputs and the usual companions of a corpus.
SKIP_SUFFIXES = {
    ".json",
    ".jsonl",
    ".parquet",
    ".csv",
    ".tsv",
    ".md",
    ".py",
    ".toml",
    ".yaml",
    ".yml",
    ".log",
}

Rows = dict[str, list[dict]]


@dataclass(slots=True)
class Summary:
    """What a run did, for the closing line and for tests."""

    documents: int = 0
    status: Counter = field(default_factory=Counter)
    formats: Counter = field(default_factory=Counter)
    cells: int = 0
    findings: int = 0
    seconds: float = 0.0

    def add(self, rows: Rows) -> None:
        doc = rows["documents"][0]
        self.documents += 1
        self.status[doc["status"]] += 1
        self.formats[doc["format"]] += 1
        self.cells += len(rows["cells"])
        self.findings += len(rows["findings"])


def iter_inputs(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named, and files found below folders named (sorted, hidden ones skipped)."""
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith(".") or Path(name).suffix.lower() in SKIP_SUFFIXES:
                        continue
                    yield Path(root) / name
        elif path.exists():
            yield path
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")


def report_rows(report: Report) -> Rows:
    """The rows one report contributes to each dataset."""
    m = report.meta
    doc = {
        "doc_id": report.doc_id,
        "source": report.source,
        "format": report.format,
        "status": report.status,
        "error": report.error,
        "agency": m.agency,
        "year": m.year,
        "template": m.template,
        "published": date.fromisoformat(m.published) if m.published else None,
        "size": report.size,
        "pages": report.pages,
        "n_cells": len(report.cells),
        "n_sections": len(report.sections),
        "n_findings": len(report.findings),
        "extractor_version": EXTRACTOR_VERSION,
    }
    d = report.doc_id
    return {
        "documents": [doc],
        "cells": [
            {
                "doc_id": d,
                "table": c.table,
                "row": c.row,
                "col": c.col,
                "value": c.value,
                "raw": c.raw,
                "prov": c.prov,
            }
            for c in report.cells
        ],
        "sections": [
            {"doc_id": d, "section": s.number, "title": s.title, "text": s.text} for s in report.sections
        ],
        "findings": [
            {
                "doc_id": d,
                "rule": f.rule,
                "severity": f.severity,
                "table": f.table,
                "message": f.message,
                "row": f.row,
                "col": f.col,
                "section": f.section,
                "expected": f.expected,
                "actual": f.actual,
            }
            for f in report.findings
        ],
    }


def process_path(path: Path) -> Rows:
    """Read one file and turn it into rows; unreadable files give a failed row."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        # No bytes, so no content hash: the id is the hash of the path instead.
        doc_id = hashlib.sha256(str(path).encode()).hexdigest()
        meta = ReportMeta(None, None, "unknown", None)
        return report_rows(
            Report(doc_id, str(path), "unknown", "failed", f"cannot read file: {exc.strerror}", meta)
        )
    return report_rows(process(data, str(path)))


def run_extract(
    paths: list[Path],
    out: Path,
    *,
    jobs: int = 1,
    flush_every: int = 500,
    on_document: Callable[[Rows], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> Summary:
    """Extract every input below ``paths`` into the datasets of ``out``."""
    started = time.perf_counter()
    inputs = list(iter_inputs(paths))
    if on_total:
        on_total(len(inputs))
    writer = DatasetWriter(out)
    summary = Summary()
    try:
        for k, rows in enumerate(_results(inputs, jobs), 1):
            for name, items in rows.items():
                writer.add(name, items)
            summary.add(rows)
            if on_document:
                on_document(rows)
            if k % flush_every == 0:
                writer.flush()
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    summary.seconds = time.perf_counter() - started
    return summary


def _results(inputs: list[Path], jobs: int) -> Iterator[Rows]:
    if jobs <= 1 or len(inputs) < 2:
        for path in inputs:
            yield process_path(path)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(process_path, inputs, chunksize=8)
