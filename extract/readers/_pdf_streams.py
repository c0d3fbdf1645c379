"""Bounding what a PDF's encoded streams decode to, before a PDF library opens it.

PDFium and pdfminer decode a stream whole, in memory, when they need it: a 4 MB file
whose page content inflates to several gigabytes takes the process down (PDFium aborts
when an allocation fails).  So the bytes are scanned first: every stream whose filters
can expand their data is decoded into a counter, a megabyte at a time and thrown away,
and the scan stops as soon as one stream passes the limit or all of them together pass
four times it.

The filters that expand are ``/FlateDecode`` (up to 1032-fold), ``/LZWDecode`` (a
12-bit code stands for up to 3,839 bytes), ``/RunLengthDecode`` (64-fold) and, in a
chain, ``/ASCII85Decode`` (a ``z`` is four bytes); ``/ASCIIHexDecode`` halves its data.
A chain (``[/ASCII85Decode /FlateDecode]``, what ReportLab writes) is decoded stage
after stage, each stage fed by the last a megabyte at a time.  Image filters (JPEG,
JPEG 2000, CCITT, JBIG2) end the chain: what they expand to is the picture's size.

The scan needs no parsing: a stream's data follows the keyword ``stream`` and an end
of line, its ``/Filter`` stands in the dictionary before it, and the decoders find
where their data ends.  Where the filter is not written there (an indirect object), a
stream whose data opens with a zlib header is taken as ``/FlateDecode``.  Its cost is
one decoding of every encoded stream, a few milliseconds for a report.  What it cannot
see is the content of an encrypted PDF's streams (they decode to noise before they are
decrypted).
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Iterable, Iterator

from nianbao.extract.limits import LimitExceeded, Limits, megabytes

_IN = 1 << 16  # encoded bytes fed at a time
_OUT = 1 << 20  # decoded bytes produced at a time, about

# The most each filter can expand its data (deflate: 258 bytes per 2-bit code, about;
# LZW: a 9-bit code for a string of up to 3,839 bytes; run length: 2 bytes for 128).
_RATIO = {"flate": 1032, "lzw": 3414, "rl": 64, "a85": 4, "ahx": 1}
_NAMES = {
    b"FlateDecode": "flate",
    b"Fl": "flate",
    b"LZWDecode": "lzw",
    b"LZW": "lzw",
    b"RunLengthDecode": "rl",
    b"RL": "rl",
    b"ASCII85Decode": "a85",
    b"A85": "a85",
    b"ASCIIHexDecode": "ahx",
    b"AHx": "ahx",
}


def check_streams(data: bytes, limits: Limits) -> None:
    """Raise :class:`LimitExceeded` if an encoded stream of ``data`` decodes past the limit.

    A stream whose data, times the most its filters can expand it, cannot pass the limit
    need not be decoded; such bounds are summed like decoded sizes, so many small
    streams are decoded once their bounds together could pass the total.  A stream's
    data is at most as long as a PDF library may read: up to the first ``endstream``, or
    up to its ``/Length`` when ``endstream`` stands there; a stream whose ``/Length`` is
    an indirect object is always decoded.
    """
    per = limits.max_inflated
    total_cap = 4 * per
    total = 0
    view = memoryview(data)
    for at, start in _stream_starts(data):
        filters = _filters(data, at, start)
        if not filters:
            continue
        longest = _longest_data(data, at, start)
        bound = None if longest is None else longest * _product(_RATIO[f] for f in filters)
        if bound is not None and bound <= per and total + bound <= total_cap:
            total += bound
            continue
        end = len(data) if longest is None else start + longest
        n = decoded_size(view[start:end], filters, per)
        if n > per:
            raise LimitExceeded(f"PDF stream inflates past {megabytes(per)} (the stream at byte {at:,})")
        total += n
        if total > total_cap:
            raise LimitExceeded(f"PDF streams inflate past {megabytes(total_cap)} together")


def decoded_size(data: memoryview | bytes, filters: list[str], limit: int) -> int:
    """How many bytes ``data`` decodes to through ``filters`` (counting stops past ``limit``;
    damaged data counts up to where it breaks: the PDF library will say so)."""
    chunks: Iterable[bytes | memoryview] = (data[k : k + _IN] for k in range(0, len(data), _IN))
    for f in filters[:-1]:
        chunks = _STAGES[f](chunks)
    last = filters[-1]
    pieces: Iterator[int] = (
        _inflated(chunks, limit)
        if last == "flate"
        else _lzw_count(chunks)
        if last == "lzw"
        else map(len, _STAGES[last](chunks))
    )
    n = 0
    for size in pieces:
        n += size
        if n > limit:
            break
    return n


def _product(ratios: Iterable[int]) -> int:
    out = 1
    for r in ratios:
        out *= r
    return out


# ---------------------------------------------------------------- where streams are, and their filters


_LENGTH = re.compile(rb"/Length(?![0-9A-Za-z#])\s*(\d+)(\s+\d+\s+R)?")
_FILTER = re.compile(rb"/Filter(?![0-9A-Za-z#])\s*(\[[^\]]*\]|/[^\s/\[\]<>()%]*|\d+\s+\d+\s+R)")
_NAME = re.compile(rb"/([^\s/\[\]<>()%]*)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _filters(data: bytes, at: int, start: int) -> list[str]:
    """The expanding filters of the stream at ``at``, in the order they are undone, up to the
    first that is not one (an image filter ends the chain; none: nothing to bound)."""
    head = max(0, at - 4096)
    opened = data.rfind(b"obj", head, at)  # the dictionary is between "N 0 obj" and "stream"
    found = list(_FILTER.finditer(data, opened + 3 if opened >= 0 else head, at))
    if not found or found[-1].group(1)[:1].isdigit():  # none written, or an indirect object
        return ["flate"] if _zlib_header(data[start : start + 2]) else []
    out = []
    for name in _NAME.findall(found[-1].group(1)):
        kind = _NAMES.get(_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), name))
        if kind is None:
            break
        out.append(kind)
    return out if any(f in ("flate", "lzw", "rl") for f in out) else []


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


# ---------------------------------------------------------------- the decoders, a piece at a time


def _inflate(chunks: Iterable[bytes | memoryview]) -> Iterator[bytes]:
    """``/FlateDecode``: the inflated data, at most ``_OUT`` bytes a piece."""
    d = zlib.decompressobj()
    try:
        for chunk in chunks:
            yield d.decompress(chunk, _OUT)
            while d.unconsumed_tail:
                yield d.decompress(d.unconsumed_tail, _OUT)
            if d.eof:
                return
    except zlib.error:  # damaged data: the PDF library will say so, or recover what it can
        return


def _inflated(chunks: Iterable[bytes | memoryview], limit: int) -> Iterator[int]:
    """The sizes of the pieces ``_inflate`` gives, without keeping them past the limit."""
    n = 0
    for piece in _inflate(chunks):
        n += len(piece)
        yield len(piece)
        if n > limit:
            return


def _lzw(chunks: Iterable[bytes | memoryview], keep: bool) -> Iterator[bytes | int]:
    """``/LZWDecode`` as pdfminer and PDFium undo it (early change: codes widen one entry
    before the table needs it; 256 clears the table, 257 ends the data): the decoded data
    in pieces of about ``_OUT`` bytes (``keep``), or only the sizes of the pieces."""
    table: list[bytes] = [bytes((c,)) for c in range(256)] + [b"", b""]
    lens: list[int] = [1] * 256 + [0, 0]
    prev = -1  # the code before, or -1 just after a clear
    width, buf, nbuf, out = 9, 0, 0, 0
    piece = bytearray()
    for chunk in chunks:
        for byte in bytes(chunk):
            buf = (buf << 8) | byte
            nbuf += 8
            if nbuf < width:
                continue
            nbuf -= width
            code = buf >> nbuf
            buf &= (1 << nbuf) - 1
            if code == 256:
                del table[258:], lens[258:]
                prev, width = -1, 9
                continue
            if code == 257:
                break
            size = len(lens)
            full = size >= 4096  # no 12-bit code names a further entry: none is added
            if prev < 0:
                if code >= 256:
                    return  # damaged: a first code must be a byte
                n = 1
            elif code < size:
                n = lens[code]
                if not full:
                    lens.append(lens[prev] + 1)
                    if keep:
                        table.append(table[prev] + table[code][:1])
            elif code == size and not full:
                n = lens[prev] + 1
                lens.append(n)
                if keep:
                    table.append(table[prev] + table[prev][:1])
            else:
                return  # damaged
            if keep:
                piece += table[code]
            else:
                out += n
            prev = code
            size = len(lens)
            width = 10 if size >= 511 else width
            width = 11 if size >= 1023 else width
            width = 12 if size >= 2047 else width
        else:
            if keep and len(piece) >= _OUT:
                yield bytes(piece)
                piece.clear()
            elif not keep and out:
                yield out
                out = 0
            continue
        break
    if piece:
        yield bytes(piece)
    if out:
        yield out


def _lzw_bytes(chunks: Iterable[bytes | memoryview]) -> Iterator[bytes]:
    return _lzw(chunks, True)  # type: ignore[return-value]


def _lzw_count(chunks: Iterable[bytes | memoryview]) -> Iterator[int]:
    return _lzw(chunks, False)  # type: ignore[return-value]


def _run_length(chunks: Iterable[bytes | memoryview]) -> Iterator[bytes]:
    """``/RunLengthDecode``: a length byte 0-127 copies the next 1-128 bytes, 129-255 repeats
    the next byte 257 - n times, 128 ends the data."""
    rest = b""
    out = bytearray()
    for chunk in chunks:
        data = rest + bytes(chunk)
        k, end = 0, len(data)
        while k < end:
            n = data[k]
            if n == 128:
                yield bytes(out)
                return
            if n < 128:
                if k + n + 2 > end:
                    break
                out += data[k + 1 : k + n + 2]
                k += n + 2
            else:
                if k + 2 > end:
                    break
                out += data[k + 1 : k + 2] * (257 - n)
                k += 2
            if len(out) >= _OUT:
                yield bytes(out)
                out.clear()
        rest = data[k:]
    yield bytes(out)


_A85_END = re.compile(rb"~>")
_SPACE = re.compile(rb"\s+")


def _ascii85(chunks: Iterable[bytes | memoryview]) -> Iterator[bytes]:
    """``/ASCII85Decode``, cut between groups (a ``z`` is a group of its own)."""
    rest = b""
    for chunk in chunks:
        text = rest + _SPACE.sub(b"", bytes(chunk))
        end = _A85_END.search(text)
        if end:
            text = text[: end.start()]
        z = text.rfind(b"z") + 1
        cut = len(text) if end else z + (len(text) - z) // 5 * 5
        try:
            yield base64.a85decode(text[:cut])
        except ValueError:
            return
        if end:
            return
        rest = text[cut:]
    if rest:
        try:
            yield base64.a85decode(rest)
        except ValueError:
            return


def _ascii_hex(chunks: Iterable[bytes | memoryview]) -> Iterator[bytes]:
    """``/ASCIIHexDecode``: pairs of hex digits up to ``>`` (white space between them)."""
    rest = b""
    for chunk in chunks:
        text = rest + _SPACE.sub(b"", bytes(chunk))
        end = text.find(b">")
        if end >= 0:
            text = text[:end] + (b"0" if (end % 2) else b"")
        cut = len(text) // 2 * 2
        try:
            yield binascii.unhexlify(text[:cut])
        except (ValueError, binascii.Error):
            return
        if end >= 0:
            return
        rest = text[cut:]


_STAGES = {
    "flate": _inflate,
    "lzw": _lzw_bytes,
    "rl": _run_length,
    "a85": _ascii85,
    "ahx": _ascii_hex,
}
