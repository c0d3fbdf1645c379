"""The run manifest: every input, every part file, and how a batch is committed.

``DIR/manifest.sqlite`` holds these tables:

``files``  one row per input, keyed by its resolved path (so ``ds/a.pdf``, ``./ds/a.pdf``
           and ``/home/me/ds/a.pdf`` are one input): the path as given (``source``), size,
           mtime_ns, sha256 (= doc_id), status, extractor version and options, and the
           part holding its document's rows.
``parts``  one row per part: its state, how many documents it was written with, the
           files it consists of (relative to ``DIR``), and ``stale`` when the
           ``documents`` rows it holds may need their ``sources`` or counts refreshed.
``meta``   small facts about the folder (layout version, whether the findings across
           reports are up to date).

A dataset accumulates: a run adds the inputs it is given and redoes those that
changed; inputs it is not given stay.  ``prune`` (``--prune``) forgets the inputs a
run did not list.  Several inputs with the same bytes are one document: its rows are
held by one part (the first committed), and every input with that doc_id points at
that part; the ``documents`` row lists all their paths in ``sources``.

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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from nianbao.corpus.store import (
    PART_RE,
    PARTITION,
    ROW_GROUP_ROWS,
    SCHEMAS,
    STAGING,
    dataset_path,
    part_name,
    release_heap,
    staged_path,
    staging_dir,
    write_empty,
)
from nianbao.corpus.versions import COLUMNS as VERSION_COLUMNS
from nianbao.corpus.versions import Versions, versions, with_versions

MANIFEST = "manifest.sqlite"
CORPUS_STATE = "corpus_findings"  # meta key: 'done' once the findings across reports match the dataset
DOCUMENTS_SCHEMA = SCHEMAS["documents"]
MANIFEST_EXPORT = "manifest.parquet"

LAYOUT = "2"  # files keyed by resolved path; parts may be stale; one holder per document

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,        -- the input's resolved path: its identity
    source TEXT NOT NULL,         -- the path as found under the PATH given
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
CREATE INDEX IF NOT EXISTS files_doc ON files(doc_id);
CREATE TABLE IF NOT EXISTS parts (
    part INTEGER PRIMARY KEY,
    state TEXT NOT NULL,          -- staged | live | dropping
    n_docs INTEGER NOT NULL,      -- documents rows written into the part
    files TEXT NOT NULL,          -- JSON list of paths relative to DIR
    created REAL NOT NULL,
    stale INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""

_FILE_COLUMNS = (
    "path, source, size, mtime_ns, sha256, doc_id, format, status, error, year, "
    "extractor_version, options, part, done_at"
)


def input_keys() -> Callable[[str], str]:
    """A function from a path as given to the input's key, its resolved absolute path.

    Folders are resolved once each (symbolic links followed), not once per file.
    """
    dirs: dict[str, str] = {}

    def key(source: str) -> str:
        folder, name = os.path.split(os.path.abspath(source))
        real = dirs.get(folder)
        if real is None:
            real = dirs[folder] = os.path.realpath(folder)
        return os.path.join(real, name)

    return key


MANIFEST_SCHEMA = pa.schema(
    [
        ("path", pa.string()),
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
    path: str | None = None  # the resolved path (the key); None: ``source`` as it is


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
    path: str | None = None  # the key; None: ``source``

    def __post_init__(self) -> None:
        if self.path is None:
            self.path = self.source


@dataclass(slots=True)
class Pruned:
    """What ``Manifest.prune`` removed."""

    inputs: int = 0
    documents: int = 0  # doc_ids left without any input
    parts: list[int] = field(default_factory=list)


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
        self._migrate()
        self.con.executescript(_SCHEMA)
        self.set_meta("layout", LAYOUT)
        row = self.con.execute("SELECT max(part) FROM parts").fetchone()
        self._next_part = (row[0] or 0) + 1
        self._seen_ready = False

    def close(self) -> None:
        self.con.close()

    def _migrate(self) -> None:
        """Bring a manifest of the first layout (inputs keyed by the path as given) to this one.

        Paths are resolved against the current folder, which is where a relative path
        was given from when the same command is run again.  Inputs sharing bytes were
        separate documents then: they are marked to be redone, so they become one.
        """
        con = self.con
        cols = [r[1] for r in con.execute("PRAGMA table_info(files)")]
        if not cols or "path" in cols:
            return
        key = input_keys()
        with con:
            con.execute("BEGIN")
            con.execute("ALTER TABLE files RENAME TO files_v1")
            con.execute("DROP INDEX IF EXISTS files_part")
            for statement in _SCHEMA.split(";"):  # executescript would commit half-way
                if statement.strip():
                    con.execute(statement)
            rows = con.execute("SELECT * FROM files_v1").fetchall()
            names = [r[1] for r in con.execute("PRAGMA table_info(files_v1)")]
            src = names.index("source")
            con.executemany(
                f"INSERT OR REPLACE INTO files ({_FILE_COLUMNS}) VALUES ({','.join('?' * 14)})",
                [(key(r[src]), *r) for r in rows],
            )
            con.execute("DROP TABLE files_v1")
            pcols = [r[1] for r in con.execute("PRAGMA table_info(parts)")]
            if "stale" not in pcols:
                con.execute("ALTER TABLE parts ADD COLUMN stale INTEGER NOT NULL DEFAULT 0")
            con.execute("UPDATE parts SET stale = 1")
            con.execute(
                "UPDATE files SET extractor_version = '' WHERE doc_id IN "
                "(SELECT doc_id FROM files GROUP BY doc_id HAVING count(*) > 1)"
            )

    # -- meta -------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def has_flat_findings(self) -> bool:
        """Whether ``findings`` holds files outside the part layout (an older ``check``'s)."""
        root = dataset_path(self.out, "findings")
        return root.is_dir() and any(p.is_file() for p in root.iterdir())

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
        """part -> number of documents whose rows it holds for some input."""
        return dict(self.con.execute("SELECT part, count(DISTINCT doc_id) FROM files GROUP BY part"))

    def stale_parts(self) -> set[int]:
        return {p for (p,) in self.con.execute("SELECT part FROM parts WHERE stale = 1 AND state = 'live'")}

    def sources_of(self, part: int) -> dict[str, list[str]]:
        """doc_id -> the paths (as given) of every input whose document ``part`` holds, sorted."""
        out: dict[str, list[str]] = {}
        q = "SELECT doc_id, source FROM files WHERE part = ? ORDER BY doc_id, source"
        for doc_id, source in self.con.execute(q, (part,)):
            out.setdefault(doc_id, []).append(source)
        return out

    def recover(self, datasets: Iterable[str]) -> None:
        """Finish what a killed run recorded, delete what it did not (see module doc)."""
        for (part,) in self.con.execute("SELECT part FROM parts WHERE state = 'staged'").fetchall():
            self._apply_staged(part)
        for (part,) in self.con.execute("SELECT part FROM parts WHERE state = 'dropping'").fetchall():
            self._apply_drop(part)
        self.clear_staging()
        listed = {rel for _p, (_n, files) in self.live_parts().items() for rel in files}
        for name in datasets:
            root = dataset_path(self.out, name)
            if not root.is_dir():
                if root.exists():  # a single-file dataset from elsewhere: not ours to keep
                    root.unlink()
                continue
            for entry in root.iterdir():
                if entry.is_dir() and entry.name.startswith(f"{PARTITION}="):
                    for f in entry.iterdir():
                        rel = f"{name}.parquet/{entry.name}/{f.name}"
                        if (PART_RE.match(f.name) and rel not in listed) or f.name.endswith(".tmp"):
                            f.unlink(missing_ok=True)
                elif entry.is_file() and name != "findings":
                    # A file outside the layout (an older flat layout): it would be read
                    # beside the parts and double the rows.  ``findings`` is left to the
                    # run, which recomputes what such a file replaced.
                    entry.unlink()

    def clear_staging(self) -> None:
        """Remove the staging folder (between runs it holds nothing of value)."""
        shutil.rmtree(self.out / STAGING, ignore_errors=True)

    def commit(self, result: BatchResult, version: str, options: str) -> list[int]:
        """Record a finished batch and move its files into place; returns parts dropped.

        A document the batch holds whose doc_id another part already holds (the same
        bytes under another path, committed before) stays with that part: the new
        input points there, and the batch's copy of its rows is dead (gone at the next
        compaction).  Parts whose inputs changed are marked stale.
        """
        now = time.time()
        part = result.part
        with self.con:
            self.con.execute("BEGIN")
            old = self._parts_of([r.path for r in result.files])  # type: ignore[misc]
            if result.files:
                self.con.execute(
                    "INSERT INTO parts VALUES (?, 'staged', ?, ?, ?, 0)",
                    (part, len({r.doc_id for r in result.files}), json.dumps(result.written), now),
                )
                self.con.executemany(
                    f"INSERT OR REPLACE INTO files ({_FILE_COLUMNS}) VALUES ({','.join('?' * 14)})",
                    [
                        (
                            r.path,
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
                            part,
                            now,
                        )
                        for r in result.files
                    ],
                )
                for doc_id in sorted({r.doc_id for r in result.files}):
                    holder = self.con.execute(
                        "SELECT min(part) FROM files WHERE doc_id = ? AND part != ?", (doc_id, part)
                    ).fetchone()[0]
                    if holder is not None:
                        self.con.execute(
                            "UPDATE files SET part = ? WHERE doc_id = ? AND part = ?", (holder, doc_id, part)
                        )
                        old.add(holder)
            self.con.executemany(
                "UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?",
                [(r.size, r.mtime_ns, r.path) for r in result.unchanged],
            )
            others = old - {part}
            dropped = self._mark_empty(others | ({part} if result.files else set()))
            self._mark_stale(others - set(dropped))
        if result.files:
            if part in dropped:  # every document of the batch was held elsewhere
                shutil.rmtree(staging_dir(self.out, part), ignore_errors=True)
            else:
                self._apply_staged(part)
        for p in dropped:
            self._apply_drop(p)
        return dropped

    def _mark_stale(self, parts: Iterable[int]) -> None:
        self.con.executemany("UPDATE parts SET stale = 1 WHERE part = ?", [(p,) for p in parts])

    def _parts_of(self, paths: list[str]) -> set[int]:
        parts: set[int] = set()
        for i in range(0, len(paths), 500):
            chunk = paths[i : i + 500]
            q = f"SELECT DISTINCT part FROM files WHERE path IN ({','.join('?' * len(chunk))})"
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

    def replace_part_files(self, part: int, tables: dict[str, pa.Table | None]) -> None:
        """Put new versions of some of a live part's files in place (None: the file goes).

        The same three steps as a commit: files staged, the part recorded as ``staged``
        with its new file list (one transaction), files moved.  A kill after the
        transaction is rolled forward by ``recover``; files no longer listed are deleted
        there too.
        """
        (files,) = self.con.execute("SELECT files FROM parts WHERE part = ?", (part,)).fetchone()
        before = set(json.loads(files))
        for rel, table in tables.items():
            if table is not None:
                dest = staged_path(self.out, part, rel)
                dest.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(table, dest, compression="zstd")
        gone = {rel for rel, t in tables.items() if t is None}
        after = sorted((before - gone) | {rel for rel, t in tables.items() if t is not None})
        with self.con:
            self.con.execute("BEGIN")
            self.con.execute(
                "UPDATE parts SET files = ?, state = 'staged', stale = 0 WHERE part = ?",
                (json.dumps(after), part),
            )
        self._apply_staged(part)
        for rel in gone & before:
            (self.out / rel).unlink(missing_ok=True)

    def refresh_documents(
        self, corpus_counts: dict[str, int] | None, report_counts: dict[str, int] | None = None
    ) -> int:
        """Rewrite the ``documents`` files whose ``sources`` or ``n_findings`` are out of date.

        ``n_findings`` counts a report's own findings (``n_findings_report``, written with
        it, or ``report_counts`` when ``check`` recomputed them) and those of the rules
        across reports (``corpus_counts``, per doc_id; None when they were not
        recomputed: then only stale parts are looked at).  Returns the number of files
        rewritten.
        """
        stale = self.stale_parts()
        found = self.versions() if corpus_counts is not None else None
        rewritten = 0
        for part, (_n, files) in self.live_parts().items():
            if corpus_counts is None and part not in stale:
                continue
            sources = self.sources_of(part)
            changed: dict[str, pa.Table | None] = {}
            for rel in files:
                if not rel.startswith("documents.parquet/") or not (self.out / rel).exists():
                    continue
                table = _conform(pq.read_table(self.out / rel), DOCUMENTS_SCHEMA)
                new = with_sources(table, sources)
                if corpus_counts is not None:
                    new = _with_counts(new, corpus_counts, report_counts)
                if found is not None:
                    new = with_versions(new, found)
                if not new.equals(table):
                    changed[rel] = new
            if changed:
                self.replace_part_files(part, changed)
                rewritten += len(changed)
            elif part in stale:
                self.con.execute("UPDATE parts SET stale = 0 WHERE part = ?", (part,))
        return rewritten

    def versions(self) -> Versions:
        """Canonical flag, url and fetch time of every live document (:mod:`nianbao.corpus.versions`)."""
        rows = []
        for part, (_n, files) in self.live_parts().items():
            sources = self.sources_of(part)
            for rel in files:
                path = self.out / rel
                if rel.startswith("documents.parquet/") and path.exists():
                    names = pq.read_schema(path).names
                    cols = [c for c in VERSION_COLUMNS if c in names]
                    for r in pq.read_table(path, columns=cols).to_pylist():
                        if r["doc_id"] in sources:  # rows of a changed input wait for compaction
                            r["sources"] = sources[r["doc_id"]]
                            rows.append(r)
        return versions(rows)

    # -- planning ---------------------------------------------------------------

    def plan(self, listing: Iterable[tuple[str, int, int]], version: str, options: str, force: bool) -> int:
        """Compare the inputs found with the manifest; returns how many need work.

        Inputs are matched by resolved path.  An input is skipped when its size, mtime
        and the extractor version and options are those on record.  Otherwise it is
        redone; when only the mtime moved, its recorded hash travels with it so the
        worker can skip parsing if the bytes are the same.  The listing goes through a
        temporary table, so memory does not grow with the corpus.
        """
        con = self.con
        key = input_keys()
        con.execute("DROP TABLE IF EXISTS temp.seen")
        con.execute("DROP TABLE IF EXISTS temp.todo")
        con.execute(
            "CREATE TEMP TABLE seen (path TEXT PRIMARY KEY, source TEXT, size INTEGER, mtime_ns INTEGER)"
        )
        chunk: list[tuple[str, str, int, int]] = []
        with con:
            con.execute("BEGIN")
            for source, size, mtime in listing:
                chunk.append((key(source), source, size, mtime))
                if len(chunk) >= 10_000:
                    con.executemany("INSERT OR IGNORE INTO temp.seen VALUES (?,?,?,?)", chunk)
                    chunk = []
            con.executemany("INSERT OR IGNORE INTO temp.seen VALUES (?,?,?,?)", chunk)
        con.execute(
            """CREATE TEMP TABLE todo AS
               SELECT s.path, s.source, s.size, s.mtime_ns,
                      CASE WHEN ? = 0 AND f.extractor_version = ? AND f.options = ? THEN f.sha256 END AS sha256
               FROM temp.seen s LEFT JOIN files f ON f.path = s.path
               WHERE ? = 1 OR f.path IS NULL OR f.extractor_version != ? OR f.options != ?
                     OR f.size != s.size OR f.mtime_ns != s.mtime_ns
               ORDER BY s.path""",
            (int(force), version, options, int(force), version, options),
        )
        self._seen_ready = True
        (n,) = con.execute("SELECT count(*) FROM temp.todo").fetchone()
        return n

    def todo(self, chunk: int = 5000) -> Iterator[Item]:
        """The inputs ``plan`` found to need work, in path order."""
        last = 0
        while True:
            rows = self.con.execute(
                "SELECT rowid, path, source, size, mtime_ns, sha256 FROM temp.todo WHERE rowid > ? "
                "ORDER BY rowid LIMIT ?",
                (last, chunk),
            ).fetchall()
            if not rows:
                return
            for rowid, path, source, size, mtime_ns, sha in rows:
                last = rowid
                yield Item(source, size, mtime_ns, sha, path)

    def prune(self) -> Pruned:
        """Forget the inputs the last ``plan`` did not list (``--prune``): the dataset then
        mirrors exactly the inputs given.  Parts left empty are deleted; parts that keep
        some of their documents are rewritten by the next compaction."""
        if not self._seen_ready:
            return Pruned()
        gone_q = "FROM files WHERE path NOT IN (SELECT path FROM temp.seen)"
        with self.con:
            self.con.execute("BEGIN")
            n_inputs = self.con.execute(f"SELECT count(*) {gone_q}").fetchone()[0]
            docs = {d for (d,) in self.con.execute(f"SELECT DISTINCT doc_id {gone_q}")}
            parts = {p for (p,) in self.con.execute(f"SELECT DISTINCT part {gone_q}")}
            self.con.execute(f"DELETE {gone_q}")
            kept = {
                d
                for (d,) in self.con.execute(
                    "SELECT DISTINCT doc_id FROM files WHERE doc_id IN (SELECT value FROM json_each(?))",
                    (json.dumps(sorted(docs)),),
                )
            }
            dropped = self._mark_empty(parts)
            self._mark_stale(parts - set(dropped))
        for part in dropped:
            self._apply_drop(part)
        return Pruned(n_inputs, len(docs - kept), dropped)

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
        keep: dict[int, pa.Array | None] = {}
        sources: dict[str, list[str]] = {}
        for part in group:
            held = self.sources_of(part)
            sources.update(held)
            keep[part] = pa.array(sorted(held), pa.string()) if len(held) < parts[part][0] else None
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
            dest = staged_path(self.out, new, rel)
            if _stream_merge(inputs[key], keep, schema, dest, sources if name == "documents" else None):
                written.append(rel)
            release_heap()  # what one file's merge freed, before the next one allocates
        n_docs = sum(self.live_counts().get(p, 0) for p in group)
        with self.con:
            self.con.execute("BEGIN")
            marks = ",".join("?" * len(group))
            if n_docs:
                self.con.execute(
                    "INSERT INTO parts VALUES (?, 'staged', ?, ?, ?, 0)",
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
        cur = self.con.execute(f"SELECT {', '.join(MANIFEST_SCHEMA.names)} FROM files ORDER BY path")
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


def _with_counts(
    table: pa.Table, corpus_counts: dict[str, int], report_counts: dict[str, int] | None
) -> pa.Table:
    ids = table.column("doc_id").to_pylist()
    if report_counts is not None:
        own = pa.array([report_counts.get(d, 0) for d in ids], pa.int32())
    else:
        own = table.column("n_findings_report")
        if own.null_count:  # rows written before the column existed counted their own findings
            own = pc.coalesce(own, table.column("n_findings"))
    extra = pa.array([corpus_counts.get(d, 0) for d in ids], pa.int32())
    total = pc.add(own, extra).cast(pa.int32())
    table = table.set_column(table.schema.get_field_index("n_findings_report"), "n_findings_report", own)
    return table.set_column(table.schema.get_field_index("n_findings"), "n_findings", total)


def with_sources(table: pa.Table, sources: dict[str, list[str]]) -> pa.Table:
    """``documents`` rows with ``source`` and ``sources`` as the manifest has them.

    ``sources`` lists every path the document's bytes were found under; ``source`` is
    the first of them (the only one, for most documents)."""
    lists = [sources.get(d) for d in table.column("doc_id").to_pylist()]
    old = table.column("source").to_pylist()
    first = [ls[0] if ls else o for ls, o in zip(lists, old, strict=True)]
    lists = [ls if ls else [o] for ls, o in zip(lists, old, strict=True)]
    table = table.set_column(table.schema.get_field_index("source"), "source", pa.array(first, pa.string()))
    i = table.schema.get_field_index("sources")
    return table.set_column(i, table.schema.field(i), pa.array(lists, pa.list_(pa.string())))


def _stream_merge(
    inputs: list[tuple[int, Path]],
    keep: dict[int, pa.Array | None],
    schema: pa.Schema,
    dest: Path,
    sources: dict[str, list[str]] | None = None,
) -> bool:
    """Concatenate ``inputs`` into ``dest`` keeping live rows; False when none were kept.

    Rows are kept by doc_id (a part holds one copy of a document's rows); ``documents``
    rows get their ``sources`` from the manifest (``sources`` given)."""
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

    for part, path in inputs:
        if not path.exists():
            continue
        filt = keep[part]
        # Read on this thread: a reader thread would keep a malloc arena of its own.
        for batch in pq.ParquetFile(path).iter_batches(batch_size=ROW_GROUP_ROWS, use_threads=False):
            table = _conform(pa.Table.from_batches([batch]), schema)
            if filt is not None:
                table = table.filter(pc.is_in(table.column("doc_id"), value_set=filt))
            if sources is not None and len(table):
                table = with_sources(table, sources)
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
