"""Parquet datasets: fixed schemas, batched part files, an atomic swap at the end.

Each dataset is a folder ``DIR/<name>.parquet/`` of part files, which pandas and
DuckDB both read as one table.  A run writes its parts into a staging folder and
only moves them into place when it finishes, so a run that dies never leaves a
half-written dataset where the previous one was.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA_VERSION = "1"

SCHEMAS: dict[str, pa.Schema] = {
    "documents": pa.schema(
        [
            ("doc_id", pa.string()),
            ("source", pa.string()),
            ("format", pa.string()),
            ("status", pa.string()),
            ("error", pa.string()),
            ("agency", pa.string()),
            ("year", pa.int32()),
            ("template", pa.string()),
            ("published", pa.date32()),
            ("size", pa.int64()),
            ("pages", pa.int32()),
            ("n_cells", pa.int32()),
            ("n_sections", pa.int8()),
            ("n_findings", pa.int32()),
            ("extractor_version", pa.string()),
        ]
    ),
    "cells": pa.schema(
        [
            ("doc_id", pa.string()),
            ("table", pa.string()),
            ("row", pa.string()),
            ("col", pa.string()),
            ("value", pa.float64()),
            ("raw", pa.string()),
            ("prov", pa.string()),
        ]
    ),
    "sections": pa.schema(
        [
            ("doc_id", pa.string()),
            ("section", pa.int8()),
            ("title", pa.string()),
            ("text", pa.string()),
        ]
    ),
    "findings": pa.schema(
        [
            ("doc_id", pa.string()),
            ("rule", pa.string()),
            ("severity", pa.string()),
            ("table", pa.string()),
            ("message", pa.string()),
            ("row", pa.string()),
            ("col", pa.string()),
            ("section", pa.int8()),
            ("expected", pa.string()),
            ("actual", pa.string()),
        ]
    ),
}


def dataset_path(out: Path, name: str) -> Path:
    return out / f"{name}.parquet"


class DatasetWriter:
    """Buffers rows per dataset and writes them as part files in a staging folder.

    ``flush`` writes what is buffered (call it every few hundred documents to keep
    memory flat); ``commit`` moves every dataset into place; ``abort`` drops the
    staging folder and leaves the previous datasets untouched.
    """

    def __init__(self, out: Path, schemas: dict[str, pa.Schema] | None = None, rows_per_part: int = 200_000):
        self.out = out
        self.schemas = schemas or SCHEMAS
        self.rows_per_part = rows_per_part
        self.staging = out / f".staging-{uuid.uuid4().hex[:8]}"
        self._buffers: dict[str, list[dict]] = {name: [] for name in self.schemas}
        self._parts: dict[str, int] = dict.fromkeys(self.schemas, 0)
        out.mkdir(parents=True, exist_ok=True)
        for name in self.schemas:
            (self.staging / f"{name}.parquet").mkdir(parents=True, exist_ok=True)

    def add(self, name: str, rows: Iterable[dict]) -> None:
        buf = self._buffers[name]
        buf.extend(rows)
        if len(buf) >= self.rows_per_part:
            self._write(name)

    def flush(self) -> None:
        for name in self.schemas:
            if self._buffers[name]:
                self._write(name)

    def _write(self, name: str) -> None:
        schema = self.schemas[name]
        table = pa.Table.from_pylist(self._buffers[name], schema=schema)
        part = self._parts[name]
        pq.write_table(table, self.staging / f"{name}.parquet" / f"part-{part:05d}.parquet")
        self._parts[name] = part + 1
        self._buffers[name] = []

    def commit(self) -> None:
        """Write what is left, then swap each staged dataset into place."""
        self.flush()
        for name, schema in self.schemas.items():
            staged = self.staging / f"{name}.parquet"
            if self._parts[name] == 0:  # an empty dataset still has its schema
                pq.write_table(schema.empty_table(), staged / "part-00000.parquet")
            replace_dir(staged, dataset_path(self.out, name))
        shutil.rmtree(self.staging, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def replace_dir(new: Path, final: Path) -> None:
    """Put ``new`` where ``final`` is, keeping the old one until the new one is in place."""
    old = final.with_name(final.name + f".old-{uuid.uuid4().hex[:8]}")
    if final.is_dir():
        os.replace(final, old)
    elif final.exists():
        final.unlink()
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)
