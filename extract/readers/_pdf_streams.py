"""Bounding what a PDF's compressed streams inflate to, before a PDF library opens it.

PDFium and pdfminer inflate a ``/FlateDecode`` stream whole, in memory, when they
need it: a 4 MB file whose page content inflates to several gigabytes takes the
process down (PDFium aborts when an allocation fails).  So the bytes are scanned
first: every stream that starts with a zlib header (what ``/FlateDecode`` holds; a
stream under any other filter does not) is inflated with a ``zlib.decompressobj``
whose output is counted and thrown away, a megabyte at a time, and the scan stops as
soon as one stream passes the limit or all of them together pass four times it.

The scan needs no parsing: a stream's data follows the keyword ``stream`` and an end
of line, and zlib itself finds where the data ends.  Its cost is one inflation of
every compressed stream, a few milliseconds for a report.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator

from extract.limits import LimitExceeded, Limits, megabytes

_IN = 1 << 16  # compressed bytes fed at a time
_OUT = 1 << 20  # inflated bytes produced at a time, at most


def check_streams(data: bytes, limits: Limits) -> None:
    """Raise :class:`LimitExceeded` if a compressed stream of ``data`` inflates past the limit.

    Deflate inflates at most 1032-fold, so a stream whose data cannot be longer than a
    quarter of a megabyte cannot pass a limit of 256 MB and need not be inflated; such
    bounds are summed like inflated sizes, so many small streams are inflated once
    their bounds together could pass the total.  A stream's data is at most as long as
    a PDF library may read: up to the first ``endstream``, or up to its ``/Length`` when
    ``endstream`` stands there; a stream whose ``/Length`` is an indirect object is
    always inflated.
    """
    per = limits.max_inflated
    total_cap = 4 * per
    total = 0
    view = memoryview(data)
    for at, start in _stream_starts(data):
        if not _zlib_header(data[start : start + 2]):
            continue
        longest = _longest_data(data, at, start)
        if longest is not None and longest * _MAX_RATIO <= per and total + longest * _MAX_RATIO <= total_cap:
            total += longest * _MAX_RATIO
            continue
        n = _inflated_size(view, start, per)
        if n > per:
            raise LimitExceeded(f"PDF stream inflates past {megabytes(per)} (the stream at byte {at:,})")
        total += n
        if total > total_cap:
            raise LimitExceeded(f"PDF streams inflate past {megabytes(total_cap)} together")


_MAX_RATIO = 1032  # the most deflate can expand (258 bytes per 2-bit code, about)
_LENGTH = re.compile(rb"/Length(?![0-9A-Za-z])\s*(\d+)(\s+\d+\s+R)?")


def _longest_data(data: bytes, at: int, start: int) -> int | None:
    """The most bytes a PDF library may take as the data of the stream at ``start``
    (None when the dictionary's ``/Length`` is an indirect object)."""
    end = data.find(b"endstream", start)
    longest = (len(data) if end < 0 else end) - start
    lengths = list(_LENGTH.finditer(data, max(0, at - 1024), at))
    if lengths:
        last = lengths[-1]
        if last.group(2):
            return None
        n = int(last.group(1))
        if longest < n <= len(data) - start and data[start + n : start + n + 12].lstrip().startswith(
            b"endstream"
        ):
            longest = n
    return longest


def _stream_starts(data: bytes) -> Iterator[tuple[int, int]]:
    """(offset of the keyword, offset of the data) of every ``stream`` keyword ending a line,
    ``endstream`` excepted (found with ``bytes.find``: a regular expression with a
    look-behind scans ten times slower)."""
    at = data.find(b"stream")
    while at >= 0:
        nxt = data[at + 6 : at + 8]
        if data[at - 3 : at] != b"end" and nxt[:1] in (b"\n", b"\r"):
            yield at, at + 6 + (2 if nxt == b"\r\n" else 1)
        at = data.find(b"stream", at + 6)


def _zlib_header(two: bytes) -> bool:
    """Whether two bytes open a zlib stream (deflate, a valid check value, no preset dictionary)."""
    return (
        len(two) == 2
        and two[0] & 0x0F == 8
        and two[0] >> 4 <= 7
        and not two[1] & 0x20
        and ((two[0] << 8) | two[1]) % 31 == 0
    )


def _inflated_size(view: memoryview, start: int, limit: int) -> int:
    """How many bytes the zlib stream at ``start`` inflates to (counting stops past ``limit``)."""
    d = zlib.decompressobj()
    out = 0
    pos, end = start, len(view)
    try:
        while pos < end and not d.eof:
            out += len(d.decompress(view[pos : pos + _IN], _OUT))
            pos += _IN
            while d.unconsumed_tail and out <= limit:
                out += len(d.decompress(d.unconsumed_tail, _OUT))
            if out > limit:
                return out
    except zlib.error:  # damaged data: the PDF library will say so, or recover what it can
        pass
    return out
