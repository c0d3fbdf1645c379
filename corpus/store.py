"""Parquet datasets: fixed schemas, a year-partitioned layout of immutable part files.

Each dataset is a folder ``DIR/<name>.parquet/`` laid out Hive-style by report year::

    DIR/cells.parquet/report_year=2021/part-00000007.parquet
    DIR/cells.parquet/report_year=0/part-00000007.parquet      (year unknown)

``pandas.read_parquet(DIR/"cells.parquet")`` and DuckDB's
``read_parquet('DIR/cells.parquet/**')`` both read it as one table and add a
``report_year`` column (category in pandas, BIGINT in DuckDB) that filters prune on.
The partition key is not called ``year`` because ``documents`` already has an int32
``year`` column, and pyarrow refuses a partition field that clashes with a file
column.  Unknown years go to ``report_year=0``: pyarrow cannot read a Hive null
partition (``__HIVE_DEFAULT_PARTITION__``) next to integer ones.

A part file is written once, under a staging folder, and moved into place with
``os.replace``; it is never modified afterwards (see ``nianbao.corpus.manifest``).
"""

from __future__ import annotations

import ctypes
import hashlib
import numbers
import os
import re
import shutil
import sys
import uuid
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

PARTITION = "report_year"
UNKNOWN_YEAR = 0
STAGING = ".staging"
PART_RE = re.compile(r"^part-(\d{8})\.parquet$")
# Rows a worker keeps in memory per dataset and year before it writes a row group.
ROW_GROUP_ROWS = 20_000

_i8, _i32, _s, _f = pa.int8(), pa.int32(), pa.string(), pa.float64()

SCHEMAS: dict[str, pa.Schema] = {
    "documents": pa.schema(
        [
            ("doc_id", _s),
            ("source", _s),
            ("format", _s),
            ("status", _s),
            ("error", _s),
            ("agency", _s),
            ("year", _i32),
            ("template", _s),
            ("published", pa.date32()),
            ("size", pa.int64()),
            ("pages", _i32),
            ("n_cells", _i32),
            ("n_sections", _i8),
            ("n_findings", _i32),  # all findings of the report, cross-report ones included
            ("extractor_version", _s),
            ("sources", pa.list_(_s)),  # every path these bytes were found under (sorted)
            ("n_findings_report", _i32),  # the findings of the report alone (written by extract)
            ("title", _s),  # the title lines as printed
            # the one report of its body and year that counts (nianbao.normalize.versions), set at the end of a run
            ("canonical", pa.bool_()),
            ("url", _s),  # where it was downloaded, for reports read from a fetch archive (corpus.archive)
            ("fetched_at", pa.timestamp("us", tz="UTC")),
            ("ocr_pages", pa.list_(_i32)),  # pages read from their pictures by OCR (1-based)
            ("ocr_confidence", _f),  # mean OCR confidence of what those pages gave
        ]
    ),
    "cells": pa.schema(
        [("doc_id", _s), ("table", _s), ("row", _s), ("col", _s), ("value", _f), ("raw", _s), ("prov", _s)]
    ),
    "sections": pa.schema([("doc_id", _s), ("section", _i8), ("title", _s), ("text", _s)]),
    "findings": pa.schema(
        [
            ("doc_id", _s),
            ("rule", _s),
            ("severity", _s),
            ("table", _s),
            ("message", _s),
            ("row", _s),
            ("col", _s),
            ("section", _i8),
            ("expected", _s),
            ("actual", _s),
            ("finding_id", _s),
            ("scope", _s),  # report (one report's rules) | corpus (rules across reports)
            ("other_doc_id", _s),
            ("similarity", _f),
        ]
    ),
}

# The narrative datasets (nianbao.normalize.narrative), written when a run asks for them.
NARRATIVE_SCHEMAS: dict[str, pa.Schema] = {
    "tokens": pa.schema(
        [
            ("doc_id", _s),
            ("section", _i8),
            ("paragraph", _i32),
            ("position", _i32),
            ("start", _i32),
            ("token", _s),
        ]
    ),
    "facts": pa.schema(
        [
            ("doc_id", _s),
            ("section", _i8),
            ("fact", _i32),
            ("key", _s),
            ("value", _f),
            ("value_max", _f),
            ("unit", _s),
            ("qualifier", _s),
            ("negated", pa.bool_()),
            ("part_of", _i32),
            ("label", _s),
            ("raw", _s),
            ("sentence", _s),
            ("start", _i32),
            ("end", _i32),
            ("sentence_start", _i32),
            ("sentence_end", _i32),
        ]
    ),
    "tags": pa.schema(
        [
            ("doc_id", _s),
            ("section", _i8),
            ("unit", _s),
            ("index", _i32),
            ("tag", _s),
            ("label", _s),
            ("method", _s),
            ("score", _f),
            ("rank", _i32),
            ("role", _s),
            ("heading", _s),
            ("text", _s),
            ("start", _i32),
            ("end", _i32),
        ]
    ),
}

ALL_SCHEMAS: dict[str, pa.Schema] = {**SCHEMAS, **NARRATIVE_SCHEMAS}


# Files of the findings dataset that hold the rules across reports (one per report year),
# written at the end of ``extract`` and by ``check``, beside the part files.
CORPUS_FINDINGS = "corpus.parquet"


def _id_text(v: object) -> str:
    if v is None or type(v).__name__ in ("NAType", "NaTType") or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, numbers.Number):
        return str(int(v))  # a section number, whatever integer type it comes in
    return str(v)


def finding_id(
    doc_id: str,
    rule: str,
    table: object = None,
    row: object = None,
    col: object = None,
    section: object = None,
    other_doc_id: object = None,
    repeat: int = 0,
) -> str:
    """A finding's identity: 16 hex digits of the sha256 of its report, rule and place.

    The place is table, row, column and section, and the other report for a rule across
    reports; ``repeat`` tells apart findings that share all of these (the second one of a
    report gets 1).  Nothing depends on row order or run, so an id survives re-extraction,
    ``check`` and a new extractor version as long as the finding is still found.
    """
    parts = [doc_id, rule, table, row, col, section, other_doc_id]
    key = "\x1f".join(_id_text(p) for p in parts) + (f"\x1f{repeat}" if repeat else "")
    return hashlib.sha256(key.encode()).hexdigest()[:16]


_ID_FIELDS = ("doc_id", "rule", "table", "row", "col", "section", "other_doc_id")


def with_finding_ids(rows: list[dict], scope: str) -> list[dict]:
    """``rows`` (findings as dicts) with ``finding_id`` and ``scope`` set, in place."""
    seen: dict[tuple[str, ...], int] = {}
    for r in rows:
        place = tuple(_id_text(r.get(k)) for k in _ID_FIELDS)
        n = seen.get(place, 0)
        seen[place] = n + 1
        r["finding_id"] = finding_id(*place, repeat=n)
        r["scope"] = scope
    return rows


def dataset_path(out: Path, name: str) -> Path:
    return out / f"{name}.parquet"


def part_name(part: int) -> str:
    return f"part-{part:08d}.parquet"


def part_relpath(name: str, year: int | None, part: int) -> str:
    """Where part ``part`` of dataset ``name`` puts its rows of report year ``year``."""
    return f"{name}.parquet/{PARTITION}={year or UNKNOWN_YEAR}/{part_name(part)}"


def staging_dir(out: Path, part: int) -> Path:
    """The folder a task writes part ``part`` into before the driver commits it."""
    return out / STAGING / f"part-{part:08d}"


def staged_path(out: Path, part: int, rel: str) -> Path:
    """Where file ``rel`` of part ``part`` waits to be committed.

    The staging folder of a part is flat (``cells.parquet~report_year=2021~part-….parquet``):
    creating and removing a folder per dataset and year cost ~4 ms of disk time each, some
    0.2 s of wall clock per batch.
    """
    return staging_dir(out, part) / rel.replace("/", "~")


class PartWriter:
    """Writes one part: rows per (dataset, year) into staged Parquet files.

    Rows are buffered per file and written as a row group every ``ROW_GROUP_ROWS``
    rows, so memory stays bounded whatever the batch holds.  ``close`` returns the
    paths written, relative to the staging folder (and to ``out`` once committed).
    """

    def __init__(self, out: Path, part: int, schemas: dict[str, pa.Schema]):
        self.out = out
        self.root = staging_dir(out, part)
        self.part = part
        self.schemas = schemas
        self._buffers: dict[tuple[str, int], list[dict]] = {}
        self._writers: dict[tuple[str, int], pq.ParquetWriter] = {}

    def add(self, name: str, year: int | None, rows: Iterable[dict]) -> None:
        key = (name, year or UNKNOWN_YEAR)
        buf = self._buffers.setdefault(key, [])
        buf.extend(rows)
        if len(buf) >= ROW_GROUP_ROWS:
            self._write(key)

    def _write(self, key: tuple[str, int]) -> None:
        rows = self._buffers.get(key)
        if not rows:
            return
        name, year = key
        schema = self.schemas[name]
        writer = self._writers.get(key)
        if writer is None:
            path = staged_path(self.out, self.part, part_relpath(name, year, self.part))
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = self._writers[key] = pq.ParquetWriter(path, schema, compression="zstd")
        writer.write_table(pa.Table.from_pylist(rows, schema=schema))
        self._buffers[key] = []

    def close(self) -> list[str]:
        for key in list(self._buffers):
            self._write(key)
        for writer in self._writers.values():
            writer.close()
        return sorted(part_relpath(name, year, self.part) for name, year in self._writers)

    def abort(self) -> None:
        for writer in self._writers.values():
            writer.close()
        shutil.rmtree(self.root, ignore_errors=True)


def use_system_allocator() -> None:
    """Let Arrow allocate through the C library's malloc in this process, not its own mimalloc.

    mimalloc keeps a heap per thread, Arrow's reader threads included, and gives freed pages
    back lazily: merging 100 parts peaked 45 MB higher under it, writing a batch 12 MB, for
    the same bytes allocated (a few MB).  malloc's freed memory goes back to the system at
    the trim after each batch.  Speed is the same; the rows written do not depend on it.
    """
    pool = pa.system_memory_pool()
    if pa.default_memory_pool().backend_name != pool.backend_name:
        pa.set_memory_pool(pool)


def release_heap() -> None:
    """Hand the heap Arrow and Python have freed back to the system (glibc keeps it otherwise)."""
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


class _HidePandas:
    """A module finder under which ``import pandas`` fails."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name == "pandas":
            raise ModuleNotFoundError("hidden while pyarrow looks for it", name=name)


def arrow_without_pandas() -> None:
    """Keep pyarrow from importing pandas into this process (about 30 MB resident).

    The first time pyarrow converts Python objects (any ``pa.array``, so the first part
    written) it imports pandas to learn whether it is there, and keeps it.  Here pandas is
    hidden for that one question, so pyarrow takes it as absent; what really needs pandas
    (``to_pandas``, ``from_pandas``, ``pandas.read_parquet``) makes pyarrow look again and
    works as before.  Meant for worker processes, which never need pandas: until such a
    call, ``pa.array`` of a pandas object would see a plain sequence.
    """
    if "pandas" in sys.modules:
        return
    finder = _HidePandas()
    sys.meta_path.insert(0, finder)
    try:
        pa.array([None])
    finally:
        sys.meta_path.remove(finder)


def write_empty(out: Path, name: str, schema: pa.Schema) -> Path:
    """A zero-row file so that a dataset with no rows still has its schema on disk."""
    path = dataset_path(out, name) / f"{PARTITION}={UNKNOWN_YEAR}" / "empty.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".empty-{uuid.uuid4().hex[:8]}.tmp")
    pq.write_table(schema.empty_table(), tmp)
    os.replace(tmp, path)
    return path


def replace_dir(new: Path, final: Path) -> None:
    """Put ``new`` where ``final`` is, keeping the old one until the new one is in place."""
    old = final.with_name(final.name + f".old-{uuid.uuid4().hex[:8]}")
    if final.is_dir():
        os.replace(final, old)
    elif final.exists():
        final.unlink()
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)
