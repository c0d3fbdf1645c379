"""One writer at a time per output folder.

Two runs into the same ``--out`` would both plan, write parts and commit them to one
manifest: both failed on a UNIQUE constraint when started together, and one started a
few seconds later could mark documents done whose rows the other had dropped.  So a
run holds an exclusive ``flock`` on ``DIR/.lock`` for as long as it writes; a second
run refuses at once with one line, or waits for the first with ``--wait``.

``flock`` is released by the kernel when the process dies, however it dies, so a
killed run never leaves a stale lock behind.  (On NFS ``flock`` is emulated with POSIX
locks by Linux; each machine of a Dask cluster writes only staged files, the driver
alone takes the lock.)
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK = ".lock"


class OutputLocked(Exception):
    """Another run is writing into the output folder."""


@contextmanager
def output_lock(out: Path, wait: bool = False) -> Iterator[None]:
    """Hold the writer's lock on ``out`` (created if missing) for the ``with`` block."""
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            who = f" (pid {holder})" if holder.isdigit() else ""
            raise OutputLocked(
                f"another nianbao run is writing to {out}{who}: wait for it to finish, or pass --wait"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
