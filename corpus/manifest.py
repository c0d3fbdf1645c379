"""The run manifest: every input, every part file, and how a batch is committed.

``DIR/manifest.sqlite`` holds two tables:

``files``  one row per input: source path, size, mtime_ns, sha256 (= doc_id), status,
           extractor version and options, and the part holding its rows.
``parts``  one row per part: its state, how many documents it was written with and
           the files it consists of (relative to ``DIR``).

A batch is committed in three steps, each safe to interrupt with SIGKILL:

1. a worker writes the part files under ``DIR/.staging/part-N/`` (invisible to readers);
2. one SQLite transaction records the part as ``staged`` and points its inputs at it;
   parts left without any live input are marked ``dropping`` in the same transaction;
3. the staged files are moved into place with ``os.replace`` (atomic per file), the
   part becomes ``live``; the files of ``dropping`` parts are deleted.

``recover`` runs at the start of every run and finishes step 3 for whatever was
recorded (roll forward), deletes what was not (the staging folder, stray part files),
so a killed run loses at most its batches in flight and the next run resumes.  SQLite
itself keeps the manifest consistent across a kill.

Rows of an input that changed stay in their old part until that part is rewritten
(``compact``); the manifest knows which rows are live, and every run ends with a
compaction, so a finished run leaves no superseded rows behind.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpus.store import (
    PART_RE,
    PARTITION,
    ROW_GROUP_ROWS,
    STAGING,
    dataset_path,
    part_name,
    release_heap,
    staged_path,
    staging_dir,
    write_empty,
)

MANIFEST = "manifest.sqlite"
MANIFEST_EXPORT = "manifest.parquet"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    source TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT,
    doc_id TEXT NOT NULL,
    format TEXT,
    status TEXT NOT NULL,
    error TEXT,
    year INTEGER,
    extractor_version TEXT NOT NULL,
    options TEXT NOT NULL,
    part INTEGER NOT NULL,
    done_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS files_part ON files(part);
CREATE TABLE IF NOT EXISTS parts (
    part INTEGER PRIMARY KEY,
    state TEXT NOT NULL,          -- staged | live | dropping
    n_docs INTEGER NOT NULL,      -- documents rows written into the part
    files TEXT NOT NULL,          -- JSON list of paths relative to DIR
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""

MANIFEST_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("size", pa.int64()),
        ("mtime_ns", pa.int64()),
        ("sha256", pa.string()),
        ("doc_id", pa.string()),
        ("format", pa.string()),
        ("status", pa.string()),
        ("error", pa.string()),
        ("year", pa.int32()),
        ("extractor_version", pa.string()),
        ("options", pa.string()),
        ("part", pa.int64()),
        ("done_at", pa.float64()),
    ]
)


@dataclass(slots=True)
class Item:
    """One input to (re)do; ``sha256`` is the hash on record when it may be reused."""

    source: str
    size: int
    mtime_ns: int
    sha256: str | None = None


@dataclass(slots=True)
class FileRecord:
    """What the manifest keeps of one input once its rows are written."""

    source: str
    size: int
    mtime_ns: int
    sha256: str | None
    doc_id: str
    format: str
    status: str
    error: str | None
    year: int | None


@dataclass(slots=True)
class BatchResult:
    """What a worker sends back for one batch: records and file names, never rows."""

    part: int
    files: list[FileRecord] = field(default_factory=list)
    unchanged: list[FileRecord] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    cells: int = 0
    findings: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU time of the worker on this batch (robust to other load)
    max_rss: int = 0  # bytes, peak resident set of the worker process so far
    worker: str = ""


class Manifest:
    """The SQLite manifest of one output folder (used by the driver only)."""

    def __init__(self, out: Path):
        self.out = out
        self.path = out / MANIFEST
        out.mkdir(parents=True, exist_ok=True)
        self.con = sqlite3.connect(self.path, isolation_level=None)
        self.con.execute("PRAGMA synchronous=NORMAL")
        self.con.executescript(_SCHEMA)
        row = self.con.execute("SELECT max(part) FROM parts").fetchone()
        self._next_part = (row[0] or 0) + 1
        self._seen_ready = False

    def close(self) -> None:
        self.con.close()

    # -- parts ------------------------------------------------------------------

    def next_part(self) -> int:
        """A fresh part id (ids only grow, so a part's files are never reused)."""
        part = self._next_part
        self._next_part += 1
        return part

    def live_parts(self) -> dict[int, tuple[int, list[str]]]:
        """part -> (n_docs written, files) of every live part."""
        rows = self.con.execute("SELECT part, n_docs, files FROM parts WHERE state = 'live' ORDER BY part")
        return {p: (n, json.loads(f)) for p, n, f in rows}

    def live_counts(self) -> dict[int, int]:
        """part -> number of inputs whose rows it holds."""
        return dict(self.con.execute("SELECT part, count(*) FROM files GROUP BY part"))

    def recover(self, datasets: Iterable[str]) -> None:
        """Finish what a killed run recorded, delete what it did not (see module doc)."""
        for (part,) in self.con.execute("SELECT part FROM parts WHERE state = 'staged'").fetchall():
            self._apply_staged(part)
        for (part,) in self.con.execute("SELECT part FROM parts WHERE state = 'dropping'").fetchall():
            self._apply_drop(part)
        self.clear_staging()
        live = {p for (p,) in self.con.execute("SELECT part FROM parts")}
        for name in datasets:
            root = dataset_path(self.out, name)
            if not root.is_dir():
                if root.exists():  # a single-file dataset from elsewhere: not ours to keep
                    root.unlink()
                continue
            for entry in root.iterdir():
                if entry.is_dir() and entry.name.startswith(f"{PARTITION}="):
                    for f in entry.iterdir():
                        m = PART_RE.match(f.name)
                        if (m and int(m.group(1)) not in live) or f.name.endswith(".tmp"):
                            f.unlink(missing_ok=True)
                elif entry.is_file() and name != "findings":
                    # A file outside the layout (an older flat layout): it would be read
                    # beside the parts and double the rows.  ``findings`` is left alone:
                    # ``nianbao check`` rewrites it wholesale.
                    entry.unlink()

    def clear_staging(self) -> None:
        """Remove the staging folder (between runs it holds nothing of value)."""
        shutil.rmtree(self.out / STAGING, ignore_errors=True)

    def commit(self, result: BatchResult, version: str, options: str) -> list[int]:
        """Record a finished batch and move its files into place; returns parts dropped."""
        now = time.time()
        sources = [r.source for r in result.files]
        with self.con:
            self.con.execute("BEGIN")
            old = self._parts_of(sources)
            if result.files:
                self.con.execute(
                    "INSERT INTO parts VALUES (?, 'staged', ?, ?, ?)",
                    (result.part, len(result.files), json.dumps(result.written), now),
                )
                self.con.executemany(
                    "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [
                        (
                            r.source,
                            r.size,
                            r.mtime_ns,
                            r.sha256,
                            r.doc_id,
                            r.format,
                            r.status,
                            r.error,
                            r.year,
                            version,
                            options,
                            result.part,
                            now,
                        )
                        for r in result.files
                    ],
                )
            self.con.executemany(
                "UPDATE files SET size = ?, mtime_ns = ? WHERE source = ?",
                [(r.size, r.mtime_ns, r.source) for r in result.unchanged],
            )
            dropped = self._mark_empty(old - {result.part})
        if result.files:
            self._apply_staged(result.part)
        for part in dropped:
            self._apply_drop(part)
        return dropped

    def _parts_of(self, sources: list[str]) -> set[int]:
        parts: set[int] = set()
        for i in range(0, len(sources), 500):
            chunk = sources[i : i + 500]
            q = f"SELECT DISTINCT part FROM files WHERE source IN ({','.join('?' * len(chunk))})"
            parts.update(p for (p,) in self.con.execute(q, chunk))
        return parts

    def _mark_empty(self, parts: Iterable[int]) -> list[int]:
        """Mark ``dropping`` the parts among ``parts`` that no input points at any more."""
        dropped = []
        for part in sorted(parts):
            (n,) = self.con.execute("SELECT count(*) FROM files WHERE part = ?", (part,)).fetchone()
            if n == 0:
                self.con.execute("UPDATE parts SET state = 'dropping' WHERE part = ?", (part,))
                dropped.append(part)
        return dropped

    def _apply_staged(self, part: int) -> None:
        (files,) = self.con.execute("SELECT files FROM parts WHERE part = ?", (part,)).fetchone()
        staged = staging_dir(self.out, part)
        for rel in json.loads(files):
            src, dst = staged_path(self.out, part, rel), self.out / rel
            if src.exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
        shutil.rmtree(staged, ignore_errors=True)
        self.con.execute("UPDATE parts SET state = 'live' WHERE part = ?", (part,))

    def _apply_drop(self, part: int) -> None:
        (files,) = self.con.execute("SELECT files FROM parts WHERE part = ?", (part,)).fetchone()
        for rel in json.loads(files):
            (self.out / rel).unlink(missing_ok=True)
        self.con.execute("DELETE FROM parts WHERE part = ?", (part,))

    # -- planning ---------------------------------------------------------------

    def plan(self, listing: Iterable[tuple[str, int, int]], version: str, options: str, force: bool) -> int:
        """Compare the inputs found with the manifest; returns how many need work.

        An input is skipped when its size, mtime and the extractor version and options
        are those on record.  Otherwise it is redone; when only the mtime moved, its
        recorded hash travels with it so the worker can skip parsing if the bytes are
        the same.  The listing goes through a temporary table, so memory does not grow
        with the corpus.
        """
        con = self.con
        con.execute("DROP TABLE IF EXISTS temp.seen")
        con.execute("DROP TABLE IF EXISTS temp.todo")
        con.execute("CREATE TEMP TABLE seen (source TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER)")
        chunk: list[tuple[str, int, int]] = []
        with con:
            con.execute("BEGIN")
            for row in listing:
                chunk.append(row)
                if len(chunk) >= 10_000:
                    con.executemany("INSERT OR IGNORE INTO temp.seen VALUES (?,?,?)", chunk)
                    chunk = []
            con.executemany("INSERT OR IGNORE INTO temp.seen VALUES (?,?,?)", chunk)
        con.execute(
            """CREATE TEMP TABLE todo AS
               SELECT s.source, s.size, s.mtime_ns,
                      CASE WHEN ? = 0 AND f.extractor_version = ? AND f.options = ? THEN f.sha256 END AS sha256
               FROM temp.seen s LEFT JOIN files f ON f.source = s.source
               WHERE ? = 1 OR f.source IS NULL OR f.extractor_version != ? OR f.options != ?
                     OR f.size != s.size OR f.mtime_ns != s.mtime_ns
               ORDER BY s.source""",
            (int(force), version, options, int(force), version, options),
        )
        self._seen_ready = True
        (n,) = con.execute("SELECT count(*) FROM temp.todo").fetchone()
        return n

    def todo(self, chunk: int = 5000) -> Iterator[Item]:
        """The inputs ``plan`` found to need work, in source order."""
        last = 0
        while True:
            rows = self.con.execute(
                "SELECT rowid, source, size, mtime_ns, sha256 FROM temp.todo WHERE rowid > ? "
                "ORDER BY rowid LIMIT ?",
                (last, chunk),
            ).fetchall()
            if not rows:
                return
            for rowid, source, size, mtime_ns, sha in rows:
                last = rowid
                yield Item(source, size, mtime_ns, sha)

    def forget_missing(self) -> list[int]:
        """Drop inputs no longer found; returns the parts left empty (already deleted)."""
        if not self._seen_ready:
            return []
        with self.con:
            self.con.execute("BEGIN")
            gone = self.con.execute(
                "SELECT DISTINCT part FROM files WHERE source NOT IN (SELECT source FROM temp.seen)"
            ).fetchall()
            self.con.execute("DELETE FROM files WHERE source NOT IN (SELECT source FROM temp.seen)")
            dropped = self._mark_empty(p for (p,) in gone)
        for part in dropped:
            self._apply_drop(part)
        return dropped

    # -- compaction -------------------------------------------------------------

    def compact(self, schemas: dict[str, pa.Schema], target_docs: int, final: bool) -> int:
        """Merge small parts and rewrite parts holding superseded rows; returns parts written.

        Consecutive live parts smaller than ``target_docs`` are merged while their sum
        stays within it.  Outside the final pass only runs of many small parts are
        merged (cheap and bounded); the final pass also rewrites any part with rows of
        inputs that changed or vanished.  Rows stream file by file, so memory is that
        of one row group, not of a part.
        """
        parts = self.live_parts()
        live = self.live_counts()
        groups: list[list[int]] = []
        run: list[int] = []
        total = 0
        for part, (n_docs, _files) in parts.items():
            n_live = live.get(part, 0)
            if n_live >= target_docs and n_live == n_docs:
                continue
            if run and total + n_live > target_docs:
                groups.append(run)
                run, total = [], 0
            run.append(part)
            total += n_live
        if run:
            groups.append(run)
        min_group = 2 if final else 32
        written = 0
        for group in groups:
            dirty = any(live.get(p, 0) < parts[p][0] for p in group)
            if len(group) >= min_group or (final and dirty):
                self._merge(group, parts, schemas)
                written += 1
        return written

    def _merge(
        self, group: list[int], parts: dict[int, tuple[int, list[str]]], schemas: dict[str, pa.Schema]
    ) -> None:
        new = self.next_part()
        staged = staging_dir(self.out, new)
        keep: dict[int, tuple[pa.Array, pa.Array] | None] = {}
        for part in group:
            rows = self.con.execute("SELECT source, doc_id FROM files WHERE part = ?", (part,)).fetchall()
            if len(rows) < parts[part][0]:
                keep[part] = (pa.array([r[0] for r in rows]), pa.array([r[1] for r in rows]))
            else:
                keep[part] = None
        inputs: dict[str, list[tuple[int, Path]]] = {}
        for part in group:
            for rel in parts[part][1]:
                name_dir, year_dir, _ = rel.split("/")
                key = f"{name_dir}/{year_dir}"
                inputs.setdefault(key, []).append((part, self.out / rel))
        written = []
        for key in sorted(inputs):
            name = key.split("/")[0].removesuffix(".parquet")
            schema = schemas.get(name)
            if schema is None:
                continue
            rel = f"{key}/{part_name(new)}"
            if _stream_merge(inputs[key], keep, name, schema, staged_path(self.out, new, rel)):
                written.append(rel)
            release_heap()  # what one file's merge freed, before the next one allocates
        n_docs = sum(self.live_counts().get(p, 0) for p in group)
        with self.con:
            self.con.execute("BEGIN")
            marks = ",".join("?" * len(group))
            if n_docs:
                self.con.execute(
                    "INSERT INTO parts VALUES (?, 'staged', ?, ?, ?)",
                    (new, n_docs, json.dumps(written), time.time()),
                )
                self.con.execute(f"UPDATE files SET part = ? WHERE part IN ({marks})", (new, *group))
            self.con.execute(f"UPDATE parts SET state = 'dropping' WHERE part IN ({marks})", group)
        if n_docs:
            self._apply_staged(new)
        else:
            shutil.rmtree(staged, ignore_errors=True)
        for part in group:
            self._apply_drop(part)

    # -- output -----------------------------------------------------------------

    def ensure_schemas(self, schemas: dict[str, pa.Schema]) -> None:
        """Give every dataset at least one file (empty if need be); drop needless empties."""
        for name, schema in schemas.items():
            root = dataset_path(self.out, name)
            empties = list(root.glob(f"{PARTITION}=*/empty.parquet")) if root.is_dir() else []
            others = (
                [p for p in root.rglob("*.parquet") if p.name != "empty.parquet"] if root.is_dir() else []
            )
            if not others and not empties:
                write_empty(self.out, name, schema)
            elif others:
                for p in empties:
                    p.unlink(missing_ok=True)
            if root.is_dir():
                for d in root.iterdir():
                    if d.is_dir() and not any(d.iterdir()):
                        d.rmdir()

    def export(self) -> Path:
        """Write the ``files`` table as ``DIR/manifest.parquet`` (replaced atomically)."""
        final = self.out / MANIFEST_EXPORT
        tmp = self.out / f".{MANIFEST_EXPORT}.tmp"
        cur = self.con.execute(f"SELECT {', '.join(MANIFEST_SCHEMA.names)} FROM files ORDER BY source")
        with pq.ParquetWriter(tmp, MANIFEST_SCHEMA, compression="zstd") as writer:
            while rows := cur.fetchmany(50_000):
                cols = list(zip(*rows, strict=True))
                writer.write_table(
                    pa.Table.from_arrays(
                        [pa.array(c, type=f.type) for c, f in zip(cols, MANIFEST_SCHEMA, strict=True)],
                        schema=MANIFEST_SCHEMA,
                    )
                )
        os.replace(tmp, final)
        return final


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly the columns of ``schema`` (missing ones null)."""
    if table.schema.equals(schema):
        return table
    cols = [
        table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(len(table), f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(cols, schema=schema)


def _stream_merge(
    sources: list[tuple[int, Path]],
    keep: dict[int, tuple[pa.Array, pa.Array] | None],
    name: str,
    schema: pa.Schema,
    dest: Path,
) -> bool:
    """Concatenate ``sources`` into ``dest`` keeping live rows; False when none were kept."""
    writer: pq.ParquetWriter | None = None
    pending: list[pa.Table] = []
    n_pending = 0

    def flush() -> None:
        nonlocal writer, pending, n_pending
        if not pending:
            return
        if writer is None:
            dest.parent.mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(dest, schema, compression="zstd")
        writer.write_table(pa.concat_tables(pending))
        pending, n_pending = [], 0

    for part, path in sources:
        if not path.exists():  # e.g. findings rewritten by ``nianbao check``
            continue
        filt = keep[part]
        # Read on this thread: a reader thread would keep a malloc arena of its own.
        for batch in pq.ParquetFile(path).iter_batches(batch_size=ROW_GROUP_ROWS, use_threads=False):
            table = _conform(pa.Table.from_batches([batch]), schema)
            if filt is not None:
                col, values = ("source", filt[0]) if name == "documents" else ("doc_id", filt[1])
                table = table.filter(pc.is_in(table.column(col), value_set=values))
            if len(table):
                pending.append(table)
                n_pending += len(table)
                if n_pending >= ROW_GROUP_ROWS:
                    flush()
    flush()
    if writer is None:
        return False
    writer.close()
    return True
