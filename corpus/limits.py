"""The per-document guard: whatever one document does, it costs one ``failed`` row.

Inside the guard run the whole of a document's processing (reading, normalisation,
validation) and then its narrative rows, under

* the reader limits of :mod:`nianbao.extract.limits` (put in force for the task);
* a time budget (``--timeout-per-doc``): a timer interrupts the document and it is
  recorded as failed with the budget named.  The timer is a ``SIGALRM`` interval
  timer, so it works where the document runs in the main thread of its process (the
  in-process run and the process pool); a Dask worker runs tasks in a thread and gets
  no per-document budget.  The signal interrupts Python code: a long call into a C
  library (PDFium) is interrupted when it returns to Python, between pages;
* a catch-all: ``MemoryError`` (a document that needs more than the machine has),
  ``RecursionError`` and any other exception become the document's failed row, and
  the worker goes on with the next document.

What the guard cannot catch is a process that dies (an abort or a segfault in a C
library, the kernel's OOM killer, an allocation past the worker's address-space cap)
or one that hangs where no signal reaches Python (a C library in a loop).  For that, a
worker names itself and the input it is on in a small file beside its staged part
(:func:`mark_doing`).  When a worker dies, the executor (:mod:`nianbao.corpus.executors`) runs
the lost task again alone, and if it dies again, :func:`isolate` reads that file and
returns the task with the input recorded failed ("worker died: SIGABRT while reading
X") instead of read.  The driver also watches those files (:func:`overdue`): a worker
still on one input :func:`hung_after` seconds after it started it is killed, and the
input recorded failed at once.
"""

from __future__ import annotations

import gc
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from nianbao.corpus.store import STAGING
from nianbao.extract import limits as extract_limits
from nianbao.extract.detect import detect
from nianbao.extract.limits import Limits
from nianbao.normalize.pipeline import Report, process
from nianbao.normalize.records import ReportMeta

T = TypeVar("T")

__all__ = ["DocumentTimeout", "Limits", "guarded_narrative", "guarded_process", "time_budget"]


class DocumentTimeout(BaseException):
    """The document's time budget ran out.

    A ``BaseException``: the readers' ``except Exception`` (pdfminer raises many types)
    must not turn it into "unreadable PDF"."""


_armed = False


def _on_alarm(signum, frame) -> None:
    if _armed:
        raise DocumentTimeout


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Raise :class:`DocumentTimeout` in this block once ``seconds`` have passed (0: never;
    nor outside the main thread, where signals cannot be received)."""
    global _armed
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    _armed = True
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        _armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _failure(exc: BaseException, lim: Limits) -> str:
    if isinstance(exc, DocumentTimeout):
        return f"took longer than the limit of {lim.timeout:g} s per document (--timeout-per-doc)"
    if isinstance(exc, MemoryError):
        return "out of memory while processing the document (MemoryError)"
    if isinstance(exc, RecursionError):
        return "nested too deeply to process (RecursionError)"
    text = " ".join(str(exc).split())[:240]
    return (
        f"internal error: {type(exc).__name__}: {text}" if text else f"internal error: {type(exc).__name__}"
    )


def _guarded(fn: Callable[[], T], lim: Limits) -> tuple[T | None, str | None]:
    """``fn()`` under the limits and the time budget; (result, None) or (None, reason)."""
    try:
        with extract_limits.use(lim), time_budget(lim.timeout):
            return fn(), None
    except (Exception, DocumentTimeout) as exc:
        reason = _failure(exc, lim)
    gc.collect()  # what the document held is garbage now; hand it back before the next one
    return None, reason


def guarded_process(
    data: bytes, source: str, doc_id: str, lim: Limits, process: Callable[[bytes, str, str], Report] = process
) -> Report:
    """``process(data, source, doc_id)`` (:func:`nianbao.normalize.pipeline.process`: reading,
    normalisation, validation) of one document; a failed report if anything goes wrong."""
    report, reason = _guarded(lambda: process(data, source, doc_id), lim)
    if report is not None:
        return report
    try:
        fmt = detect(data, source).value
    except Exception:
        fmt = "unknown"
    meta = ReportMeta(None, None, "unknown", None)
    return Report(doc_id, source, fmt, "failed", reason, meta, size=len(data))


def guarded_narrative(fn: Callable[[Report], dict], report: Report, lim: Limits) -> dict:
    """The narrative rows ``fn(report)``, or none when they cannot be made within the limits
    (the document's other rows stand; the reason is added to its ``error``)."""
    rows, reason = _guarded(lambda: fn(report), lim)
    if rows is not None:
        return rows
    note = f"narrative left out: {reason}"
    report.error = f"{report.error}; {note}" if report.error else note
    return {}


# ---------------------------------------------------------------- a document that kills its worker


def doing_path(out: str, part: int) -> Path:
    """The file naming the input a worker is on, for the driver to read if the worker dies."""
    return Path(out) / STAGING / f"part-{part:08d}.doing"


def mark_doing(out: str, part: int, source: str) -> None:
    """Note that this process (its pid, the first line) is on ``source`` from now (mtime)."""
    path = doing_path(out, part)
    note = f"{os.getpid()}\n{source}"
    try:
        path.write_text(note, "utf-8")
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(note, "utf-8")


def done_doing(out: str, part: int) -> None:
    doing_path(out, part).unlink(missing_ok=True)


def _doing(path: Path) -> tuple[int, str]:
    """(pid, source) of a ``.doing`` note."""
    pid, _, source = path.read_text("utf-8").partition("\n")
    return int(pid), source


def hung_after(lim: Limits) -> float:
    """Seconds on one input after which its worker is taken to hang (0: never): the budget
    of reading it and that of its narrative, and 5 s to read the file and add its rows."""
    return 2 * lim.timeout + 5 if lim.timeout > 0 else 0


def overdue(task: Any) -> tuple[int, str] | None:
    """(pid, why) of the worker of ``task`` when it has been on one input longer than
    :func:`hung_after` allows, else None (also when no input is noted)."""
    limit = hung_after(task.limits)
    path = doing_path(task.out, task.part)
    try:
        started = path.stat().st_mtime
        if time.time() - started <= limit or not limit:
            return None
        pid, _source = _doing(path)
    except (OSError, ValueError):  # not started, done, or being written
        return None
    return pid, (
        f"worker stopped: no result {limit:g} s into the document, past the limit of "
        f"{task.limits.timeout:g} s per document (--timeout-per-doc)"
    )


def isolate(task: Any, reason: str) -> Any:
    """The task again, with the input its worker died on recorded failed (``reason`` named)
    instead of read; None when no input is named (the worker died between documents)."""
    path = doing_path(task.out, task.part)
    try:
        _pid, culprit = _doing(path)
    except (OSError, ValueError):
        return None
    path.unlink(missing_ok=True)
    if not culprit or culprit in task.refused:
        return None
    return replace(task, refused={**task.refused, culprit: f"{reason} while reading {culprit}"})
