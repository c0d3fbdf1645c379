"""The batch run: every input file to rows of the output datasets, incrementally.

One bad file never stops a run: each file becomes a ``documents`` row whatever
happens, failed ones with a one-line reason.

A run lists its inputs (path, size, mtime), asks the manifest which need work
(new, changed, another extractor version, or all with ``force``), cuts those into
batches of ``batch_size`` in source order, and hands the batches to an executor.
A worker turns its batch into part files (``process_batch``) and returns only
their names and one record per input; the driver commits each batch as it comes
back (``nianbao.corpus.manifest``).  Memory is one batch per worker and a few records in
the driver, whatever the corpus size; a killed run resumes where it stopped.

The same inputs give the same rows whatever the executor: batches are cut by the
driver in a fixed order, and a part holds its batch's rows in source order.

A dataset accumulates: inputs a run is not given stay (``prune`` drops them).  At the
end of a run that changed the dataset, the rules across reports are run again over
the whole dataset (``nianbao.corpus.check``), and ``documents`` rows whose ``sources`` or
``n_findings`` moved are rewritten.
"""

from __future__ import annotations

import errno
import gc
import hashlib
import os
import resource
import socket
import stat
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from itertools import islice
from pathlib import Path

from nianbao.corpus.executors import DEFAULT_BATCH, default_jobs, make_executor
from nianbao.corpus.inputs import (
    InputRefused,
    check_arguments,
    check_input,
    roots_of,
    source_name,
    source_path,
)
from nianbao.corpus.keywords import write_keywords_apart
from nianbao.corpus.limits import done_doing, guarded_narrative, guarded_process, isolate, mark_doing, overdue
from nianbao.corpus.lock import output_lock
from nianbao.corpus.manifest import CORPUS_STATE, BatchResult, FileRecord, Item, Manifest
from nianbao.corpus.store import (
    ALL_SCHEMAS,
    PartWriter,
    arrow_without_pandas,
    release_heap,
    use_system_allocator,
    with_finding_ids,
)
from nianbao.extract.errors import ExtractError
from nianbao.extract.limits import DEFAULT as DEFAULT_LIMITS
from nianbao.extract.limits import Limits
from nianbao.extract.readers.archive import is_archive_name, list_archive, read_input
from nianbao.extract.readers.ocr import using_mode as using_ocr
from nianbao.normalize.pipeline import EXTRACTOR_VERSION, Report, process
from nianbao.normalize.records import ReportMeta

# Files a folder walk passes over: our own outputs and the usual companions of a corpus.
SKIP_SUFFIXES = {
    ".json",
    ".jsonl",
    ".parquet",
    ".csv",
    ".tsv",
    ".py",
    ".toml",
    ".yaml",
    ".yml",
    ".log",
    ".sqlite",
}

COMPACT_TARGET = 20_000  # documents per part after compaction

Rows = dict[str, list[dict]]


@dataclass(slots=True)
class Summary:
    """What a run did, for the closing line and for tests."""

    inputs: int = 0  # files found
    skipped: int = 0  # already done with this extractor version
    unchanged: int = 0  # mtime moved, bytes the same: not parsed again
    documents: int = 0  # files parsed by this run
    status: Counter = field(default_factory=Counter)
    formats: Counter = field(default_factory=Counter)
    cells: int = 0
    findings: int = 0
    parts_compacted: int = 0
    removed: int = 0  # parts dropped because their inputs vanished or changed
    pruned_inputs: int = 0  # inputs forgotten by ``prune`` (not among this run's inputs)
    pruned_documents: int = 0  # documents gone with them
    corpus_findings: int | None = None  # findings across reports (None: not recomputed)
    seconds: float = 0.0
    worker_cpu_seconds: float = 0.0  # summed over workers
    max_worker_rss: int = 0  # bytes
    executor: str = ""
    workers: int = 1
    findings_reset: bool = False  # findings of an older ``nianbao check`` recomputed
    keywords: int | None = None  # keyword rows written (None: keywords not recomputed)
    failed_on_record: int = 0  # inputs failed in the manifest after the run (this run's or earlier)

    def add(self, result: BatchResult) -> None:
        self.unchanged += len(result.unchanged)
        self.documents += len(result.files)
        for r in result.files:
            self.status[r.status] += 1
            self.formats[r.format] += 1
        self.cells += result.cells
        self.findings += result.findings
        self.worker_cpu_seconds += result.cpu_seconds
        self.max_worker_rss = max(self.max_worker_rss, result.max_rss)


@dataclass(slots=True)
class Task:
    """One batch for a worker: which part to write, which inputs, where."""

    out: str
    part: int
    items: list[Item]
    narrative: bool
    limits: Limits = DEFAULT_LIMITS
    roots: tuple[str, ...] = ()  # resolved paths given: where symbolic links may lead
    refused: dict[str, str] = field(default_factory=dict)  # source -> why not read (it killed a worker)
    ocr: str = "auto"  # when pages are read from their pictures (nianbao.extract.readers.ocr)


# Markdown is read (crawlers save report pages as .md), but not a folder's own notes.
NOTE_NAMES = ("readme", "changelog", "license", "notes")


def _passed_over(name: str) -> bool:
    base = os.path.basename(name)
    if Path(base).suffix.lower() == ".md" and base.lower().startswith(NOTE_NAMES):
        return True
    return base.startswith(".") or Path(base).suffix.lower() in SKIP_SUFFIXES


def iter_listing(paths: Iterable[Path]) -> Iterator[tuple[str, int, int]]:
    """(source, size, mtime_ns) of every input: files named, and files below folders named
    (sorted; hidden files and the companions in ``SKIP_SUFFIXES`` passed over).  A zip
    archive is walked like a folder: its members are listed as ``archive.zip!/inner``.

    Whatever is not a regular file is listed too (FIFOs, devices, symbolic links to
    folders, folders that cannot be listed): the worker refuses it with its reason
    (:func:`nianbao.corpus.inputs.check_input`), so nothing is skipped without a row.  A name
    that is not UTF-8 is listed escaped (:func:`nianbao.corpus.inputs.source_name`)."""
    for source, size, mtime in _listing(paths):
        yield source_name(source), size, mtime


def _listing(paths: Iterable[Path]) -> Iterator[tuple[str, int, int]]:
    for path in paths:
        if path.is_dir():
            unlistable: list[OSError] = []
            for root, dirs, files in os.walk(path, onerror=unlistable.append):
                for name in sorted(d for d in dirs if not d.startswith(".")):
                    if os.path.islink(os.path.join(root, name)):  # not followed: a row says so
                        yield os.path.join(root, name), -1, -1
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                while unlistable:  # a folder that cannot be listed (too long a path ...)
                    yield str(unlistable.pop().filename), -1, -1
                for name in sorted(files):
                    if _passed_over(name):
                        continue
                    full = os.path.join(root, name)
                    try:
                        st = os.stat(full)
                    except OSError:
                        yield full, -1, -1  # listed but unreadable: becomes a failed row
                        continue
                    if is_archive_name(name) and stat.S_ISREG(st.st_mode):
                        yield from list_archive(full, st.st_size, st.st_mtime_ns, _passed_over)
                        continue
                    yield full, st.st_size, st.st_mtime_ns
            while unlistable:
                yield str(unlistable.pop().filename), -1, -1
        elif path.exists():
            st = path.stat()
            if is_archive_name(path.name) and stat.S_ISREG(st.st_mode):
                yield from list_archive(str(path), st.st_size, st.st_mtime_ns, _passed_over)
                continue
            yield str(path), st.st_size, st.st_mtime_ns
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
        "sources": [report.source],
        "n_findings_report": len(report.findings),
        "title": m.title,
        "ocr_pages": report.ocr_pages or None,
        "ocr_confidence": report.ocr_confidence,
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
        "findings": with_finding_ids(
            [
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
            "report",
        ),
    }


def _failed_report(path: str, source: str, reason: str) -> Report:
    # No bytes, so no content hash: the id is the hash of the (resolved) path instead.
    doc_id = hashlib.sha256(path.encode()).hexdigest()
    return Report(doc_id, source, "unknown", "failed", reason, ReportMeta(None, None, "unknown", None))


def narrative_rows_of(report: Report) -> Rows:
    """tokens, facts and tags of a report (nothing for a failed one)."""
    if report.status == "failed" or not report.sections:
        return {}
    from nianbao.normalize.narrative import narrative_rows

    return narrative_rows(report.doc_id, {s.number: s.text for s in report.sections})


def warm(narrative: bool = True) -> None:
    """Load the readers and the tokenizer once, when a worker process starts."""
    import importlib

    use_system_allocator()
    arrow_without_pandas()
    from nianbao.extract.readers import READERS

    for module in READERS.values():
        try:
            importlib.import_module(module.partition(":")[0])
        except ImportError:  # a reader not installed shows up as failed documents
            pass
    if narrative:
        from nianbao.normalize.segment import get_tokenizer

        get_tokenizer()


def worker_modules() -> list[str]:
    """What a worker imports before its first document: this module and every reader.  A
    pool's forkserver imports them once and every worker is forked with them, instead of
    each worker importing the readers itself (~0.35 s of CPU a worker)."""
    from nianbao.extract.readers import READERS

    return ["nianbao.corpus.run", *sorted({module.partition(":")[0] for module in READERS.values()})]


def process_batch(task: Task) -> BatchResult:
    """Turn one batch of inputs into a staged part; rows go to disk, records come back.

    Inputs of the batch with the same bytes are parsed once: one document, whose
    ``documents`` row lists them all in ``sources``."""
    started, cpu_started = time.perf_counter(), time.process_time()
    out = Path(task.out)
    result = BatchResult(part=task.part, worker=f"{socket.gethostname()}:{os.getpid()}")
    writer = PartWriter(out, task.part, ALL_SCHEMAS)
    documents: dict[str, tuple[int | None, dict]] = {}  # doc_id -> (year, documents row)
    try:
        for item in task.items:
            path = item.path or item.source
            mark_doing(task.out, task.part, item.source)  # read by the driver if this process dies
            try:
                if item.source in task.refused:
                    raise InputRefused(task.refused[item.source])
                check_input(source_path(path), task.roots, task.limits)  # a FIFO, a device ...: refused
                data, size, mtime = read_input(source_path(path))  # a file, or a member of an archive
            except OSError as exc:
                report = _failed_report(path, item.source, f"cannot read file: {exc.strerror}")
                size, mtime, sha = max(item.size, 0), item.mtime_ns, None
            except ExtractError as exc:  # an archive member refused (zip bomb, path, depth)
                report = _failed_report(path, item.source, str(exc))
                size, mtime, sha = max(item.size, 0), item.mtime_ns, None
            else:
                sha = hashlib.sha256(data).hexdigest()
                if sha == item.sha256:  # touched, not changed: nothing to parse
                    result.unchanged.append(
                        FileRecord(item.source, size, mtime, sha, sha, "", "", None, None, path)
                    )
                    continue
                if sha in documents:  # the same bytes under another path of this batch
                    year, doc = documents[sha]
                    doc["sources"] = sorted([*doc["sources"], item.source])
                    doc["source"] = doc["sources"][0]
                    first = next(r for r in result.files if r.doc_id == sha)
                    result.files.append(
                        FileRecord(
                            item.source,
                            size,
                            mtime,
                            sha,
                            sha,
                            first.format,
                            first.status,
                            first.error,
                            year,
                            path,
                        )
                    )
                    continue
                with using_ocr(task.ocr):
                    report = guarded_process(data, item.source, sha, task.limits, process)
                del data
            # The narrative first: when it cannot be made, the documents row says so.
            narrative = guarded_narrative(narrative_rows_of, report, task.limits) if task.narrative else {}
            rows = report_rows(report)
            year = report.meta.year
            documents[report.doc_id] = (year, rows.pop("documents")[0])
            rows.update(narrative)
            for name, items in rows.items():
                if items:
                    writer.add(name, year, items)
            result.cells += len(rows["cells"])
            result.findings += len(rows["findings"])
            result.files.append(
                FileRecord(
                    item.source,
                    size,
                    mtime,
                    sha,
                    report.doc_id,
                    report.format,
                    report.status,
                    report.error,
                    year,
                    path,
                )
            )
        done_doing(task.out, task.part)  # past the documents: a death now is no document's
        for year, doc in documents.values():
            writer.add("documents", year, [doc])
        result.written = writer.close()
    except BaseException:
        writer.abort()
        raise
    _release_memory()
    result.seconds = time.perf_counter() - started
    result.cpu_seconds = time.process_time() - cpu_started
    result.max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return result


def _release_memory() -> None:
    """Hand freed heap back to the system between batches (glibc and Arrow's allocator
    keep it otherwise), so a long-lived worker's resident memory stays that of one batch.

    What survives the collection after a process's first batch (modules, including those
    the first documents loaded, and caches) lives as long as the worker; freezing it once
    keeps the collector from scanning those ~100k objects after every batch (45 -> 1 ms).
    Only once: objects frozen later could include an executor's per-task bookkeeping,
    which a frozen reference cycle would keep for the life of the worker."""
    global _frozen
    gc.collect()
    if not _frozen:
        gc.freeze()
        _frozen = True
    release_heap()


_frozen = False  # whether this process has frozen its long-lived objects


def _tasks(
    manifest: Manifest,
    out: Path,
    batch_size: int,
    narrative: bool,
    limits: Limits,
    roots: tuple[str, ...],
    ocr: str = "auto",
) -> Iterator[Task]:
    todo = manifest.todo()
    while batch := list(islice(todo, batch_size)):
        yield Task(str(out), manifest.next_part(), batch, narrative, limits, roots, ocr=ocr)


def _corpus_step(out: Path) -> tuple[int, dict[str, int]]:
    """The rules across reports over the whole dataset (``nianbao.corpus.check``), written beside the parts.

    They read every report's cells and narrative into pandas.  Unless this process holds
    pandas already (a notebook, a test), that happens in a child process: the driver
    stays lean (no pandas, no corpus-wide frames) and the memory goes back when it exits.
    """
    if "pandas" in sys.modules:
        return _corpus_counts(out)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from nianbao.corpus.executors import exit_with

    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(1, mp_context=ctx, initializer=exit_with, initargs=(os.getpid(),)) as pool:
        return pool.submit(_corpus_counts, out).result()


def _corpus_counts(out: Path) -> tuple[int, dict[str, int]]:
    from nianbao.corpus.check import corpus_findings_counts  # pandas: imported where this runs

    return corpus_findings_counts(out)


def options_key(narrative: bool, ocr: str = "auto") -> str:
    """The run options that change the rows written (part of the skip test)."""
    key = "narrative" if narrative else ""
    return key if ocr == "auto" else f"{key}+ocr={ocr}"


def run_extract(
    paths: list[Path],
    out: Path,
    *,
    jobs: int | None = None,
    dask: str | None = None,
    force: bool = False,
    prune: bool = False,
    batch_size: int = DEFAULT_BATCH,
    narrative: bool = True,
    compact_target: int = COMPACT_TARGET,
    limits: Limits = DEFAULT_LIMITS,
    wait: bool = False,
    on_progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
    on_batch: Callable[[BatchResult], None] | None = None,
    ocr: str = "auto",
    in_process: bool = False,
) -> Summary:
    """Extract every input below ``paths`` into the datasets of ``out``.

    ``ocr``: ``auto`` reads by OCR the PDF pages without a usable text layer and
    pictures of pages, ``always`` every PDF page, ``never`` none (a scan fails).

    ``jobs`` worker processes (default: the cores available), or a Dask cluster when
    ``dask`` is ``'local'`` or a scheduler address.  Documents are read in worker
    processes even with one job, so that one that crashes or hangs its reader costs its
    worker and one failed row, not the run; ``in_process`` reads them in this process
    instead (a debugger, a profiler; no such containment).  Inputs done
    before with the same extractor version and options are skipped unless ``force``.
    Documents of inputs not listed this time stay, unless ``prune``.

    ``limits`` bound what one document may cost (see :mod:`nianbao.extract.limits`), a worker's
    address space included.  A run
    holds the lock of ``out``: another run into it raises :class:`nianbao.corpus.lock.OutputLocked`,
    or waits for it with ``wait``.  A path given that cannot be used raises
    :class:`nianbao.corpus.inputs.InputError` before anything is written.
    """
    started = time.perf_counter()
    paths, out = [Path(p) for p in paths], Path(out)
    check_arguments(paths)  # a wrong path fails before anything is written
    roots = roots_of(paths)
    try:
        with output_lock(out, wait):
            summary = _run_locked(
                paths,
                out,
                roots,
                jobs,
                dask,
                force,
                prune,
                batch_size,
                narrative,
                compact_target,
                limits,
                on_progress,
                on_total,
                on_batch,
                ocr,
                in_process,
            )
    except Exception as exc:
        storage = storage_error(exc, out)
        if storage is None:
            raise
        raise storage from exc
    summary.seconds = time.perf_counter() - started
    return summary


# What SQLite and DuckDB say when a write fails for want of room (their own exceptions,
# not OSError): a full disk; SQLite says only "disk I/O error" when a write stops short
# for another reason (a file past the size limit of the process, EFBIG).
_NO_ROOM = ("database or disk is full", "No space left on device", "disk quota")
_WRITE_FAILED = ("disk I/O error", "File too large", "Could not write")


def storage_error(exc: BaseException, out: Path) -> OSError | None:
    """``exc`` as the ``OSError`` it stands for when SQLite (the manifest) or DuckDB (the
    keywords) could not write to ``out``; None for anything else."""
    if isinstance(exc, OSError) or type(exc).__module__.partition(".")[0] not in (
        "sqlite3",
        "duckdb",
        "_duckdb",
    ):
        return None
    text = " ".join(str(exc).split())
    name = getattr(exc, "sqlite_errorname", None)
    said = f"{text[:200]}, {name}" if name else text[:200]
    if any(s in text for s in _NO_ROOM):
        return OSError(errno.ENOSPC, f"{os.strerror(errno.ENOSPC)} ({said})", str(out))
    if any(s in text for s in _WRITE_FAILED):
        return OSError(errno.EIO, f"cannot write the output ({said})", str(out))
    return None


def _run_locked(
    paths: list[Path],
    out: Path,
    roots: tuple[str, ...],
    jobs: int | None,
    dask: str | None,
    force: bool,
    prune: bool,
    batch_size: int,
    narrative: bool,
    compact_target: int,
    limits: Limits,
    on_progress: Callable[[int], None] | None,
    on_total: Callable[[int], None] | None,
    on_batch: Callable[[BatchResult], None] | None,
    ocr: str = "auto",
    in_process: bool = False,
) -> Summary:

    jobs = jobs or default_jobs()
    use_system_allocator()  # the driver merges parts (and is the worker when in-process)
    if not dask and jobs <= 1:  # one worker: the driver's memory stays that of a worker
        arrow_without_pandas()
    schemas = ALL_SCHEMAS  # narrative datasets always exist, empty when not asked for
    options = options_key(narrative, ocr)
    summary = Summary()
    manifest = Manifest(out)
    try:
        manifest.recover(ALL_SCHEMAS)
        manifest.ensure_schemas(ALL_SCHEMAS)  # readable from the first moment on
        listed = Counter()

        def counted() -> Iterator[tuple[str, int, int]]:
            for row in iter_listing(paths):
                listed["n"] += 1
                yield row

        n_todo = manifest.plan(counted(), EXTRACTOR_VERSION, options, force)
        summary.inputs = listed["n"]
        summary.skipped = summary.inputs - n_todo
        if on_total:
            on_total(n_todo)
        if manifest.has_flat_findings():  # left by an older ``nianbao check``
            from nianbao.corpus.check import reclaim_flat_findings

            summary.findings_reset = reclaim_flat_findings(manifest)
        if prune:  # the findings across reports will need redoing
            manifest.set_meta(CORPUS_STATE, "stale")
        if n_todo:
            executor = make_executor(
                jobs,
                dask,
                warm=partial(warm, narrative),
                max_memory=limits.max_memory,
                in_process=in_process,
                preload=worker_modules(),
            )
            summary.executor, summary.workers = executor.name, executor.workers
            try:
                results = executor.imap_unordered(
                    process_batch,
                    _tasks(manifest, out, batch_size, narrative, limits, roots, ocr),
                    max(2, 2 * executor.workers),
                    on_death=isolate,
                    overdue=overdue,
                )
                for k, result in enumerate(results, 1):
                    if result.files:  # before the commit: a kill after it leaves them stale
                        manifest.set_meta(CORPUS_STATE, "stale")
                    summary.removed += len(manifest.commit(result, EXTRACTOR_VERSION, options))
                    summary.add(result)
                    if on_batch:
                        on_batch(result)
                    if on_progress:
                        on_progress(len(result.files) + len(result.unchanged))
                    if k % 64 == 0:
                        summary.parts_compacted += manifest.compact(schemas, compact_target, final=False)
            finally:
                executor.close()
        if prune:
            pruned = manifest.prune()
            summary.pruned_inputs, summary.pruned_documents = pruned.inputs, pruned.documents
            summary.removed += len(pruned.parts)
        summary.parts_compacted += manifest.compact(schemas, compact_target, final=True)
        manifest.ensure_schemas(ALL_SCHEMAS)
        corpus_counts = None
        if manifest.meta(CORPUS_STATE) != "done":  # set stale above, or by a killed run
            summary.corpus_findings, corpus_counts = _corpus_step(out)
        manifest.refresh_documents(corpus_counts)
        manifest.set_meta(CORPUS_STATE, "done")
        manifest.export()
        manifest.clear_staging()
        # a touched file with the same bytes is not a change
        changed = summary.documents or summary.removed or summary.pruned_inputs
        if narrative and (changed or not (out / "keywords.parquet").exists()):
            summary.keywords = write_keywords_apart(
                out
            )  # weighted by the whole corpus: redone when it changes
        (summary.failed_on_record,) = manifest.con.execute(
            "SELECT count(*) FROM files WHERE status = 'failed'"
        ).fetchone()
    finally:
        manifest.close()
    return summary
