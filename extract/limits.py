"""The limits a reader enforces on what one file may cost.

A national run meets hostile and broken files: a zip member that inflates from 22 MB
to 6 GB, a PDF content stream that inflates to gigabytes, a PDF claiming a million
pages, a web page nested a hundred thousand levels deep.  Each reader checks the limits
below *before* it spends the memory or time, and refuses with :class:`LimitExceeded`,
whose message names the limit ("PDF stream inflates past 256 MB").  The batch runner
turns that into a ``failed`` documents row like any other unusable input.

The limits in force are process-wide (:func:`current`); the batch runner sets them for
the documents of a task with :func:`use`.  The input size, the time budget and a
worker's memory are the runner's to enforce (it reads the file, owns the clock and
starts the workers); they live here so that one object states every limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from nianbao.extract.errors import ExtractError

MB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """What one input may cost; every field is checked before the cost is paid."""

    max_bytes: int = 200 * MB  # size of the file itself
    max_inflated: int = 256 * MB  # one zip member or one PDF stream, decompressed
    max_ratio: int = 200  # decompressed / compressed size of a zip member (members above 1 MB)
    max_members: int = 10_000  # members of a zip package (each costs memory to list)
    max_pages: int = 2000  # pages of a PDF
    max_depth: int = 256  # element nesting of a web page, inline formatting tags left out
    timeout: float = 120.0  # seconds of wall time per document (0: no budget)
    max_memory: int = 4096 * MB  # address space of a worker process (0: no cap)
    # Characters of text a document may hold (paragraphs and cells): normalisation and the
    # narrative cost ~130 bytes a character, so 2 M keeps a worker near 0.5 GB; a real
    # report holds 3,000-15,000.
    max_text: int = 2_000_000
    # A web page parsed: lxml's tree costs ~25 bytes a byte (a 100 MB page took a worker to
    # 2.5 GB before the text limit could see it); pages with pictures inline as data: URIs
    # run to a few MB.
    max_page_bytes: int = 32 * MB

    def with_(self, **changes: float | int) -> Limits:
        return replace(self, **changes)  # type: ignore[arg-type]


class LimitExceeded(ExtractError):
    """The input would cost more than a stated limit; the message names the limit."""


DEFAULT = Limits()
_current = DEFAULT


def current() -> Limits:
    """The limits in force in this process."""
    return _current


@contextmanager
def use(limits: Limits) -> Iterator[Limits]:
    """Put ``limits`` in force for the duration of the ``with`` block."""
    global _current
    before, _current = _current, limits
    try:
        yield limits
    finally:
        _current = before


def zip_members(data: bytes) -> int | None:
    """The member count a zip package's end-of-central-directory record states (None: no
    record found; 0xFFFF when the package is ZIP64), read without listing the members."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or at + 12 > len(data):
        return None
    return int.from_bytes(data[at + 10 : at + 12], "little")


def megabytes(n: int) -> str:
    """``268435456`` -> ``"256 MB"`` (limits are stated in whole megabytes where they are)."""
    return f"{n // MB} MB" if n >= MB and n % MB == 0 else f"{n:,} bytes"
