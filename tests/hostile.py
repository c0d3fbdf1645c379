"""Hostile inputs built in memory: zip bombs, PDF stream bombs, damaged cross-references.

Nothing here is committed as a file; each builder makes its bytes in well under a
second.  A bomb of gigabytes is made without compressing gigabytes: deflate output for
a run of identical blocks, each closed with a full flush, is the same bytes block after
block, so one compressed block is repeated.
"""

from __future__ import annotations

import struct
import zlib

_BLOCK = 1 << 24  # 16 MB of input per repeated compressed block


def deflate_run(size: int, byte: bytes = b" ", *, zlib_header: bool = False) -> bytes:
    """A deflate stream (raw, or with a zlib header) inflating to about ``size`` copies of
    ``byte`` (rounded up to a whole number of blocks of at most 16 MB).  The zlib check
    value is not computed (a reader must refuse the stream long before it checks it)."""
    step = min(_BLOCK, max(1 << 16, size // 4))
    c = zlib.compressobj(9, zlib.DEFLATED, 15 if zlib_header else -15)
    chunk = byte * step
    head = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    assert block == again, "deflate output did not settle"
    n = max(0, -(-size // step) - 3)
    return head + block * (2 + n) + c.flush()


def zip_with(members: dict[str, bytes], bombs: dict[str, tuple[bytes, int]] | None = None) -> bytes:
    """A zip package of stored ``members`` and deflated ``bombs`` (name -> (raw deflate
    data, declared inflated size)); CRCs of the bombs are not computed."""
    out = bytearray()
    central = bytearray()
    entries: list[tuple[str, bytes, int, int, int]] = []  # name, data, method, size, crc
    for name, data in members.items():
        entries.append((name, data, 0, len(data), zlib.crc32(data)))
    for name, (data, size) in (bombs or {}).items():
        entries.append((name, data, 8, size, 0))
    for name, data, method, size, crc in entries:
        raw = name.encode()
        offset = len(out)
        # A size past 4 GB goes in a ZIP64 extra field, its 32-bit slot set to 0xFFFFFFFF.
        extra = struct.pack("<HHQ", 1, 8, size) if size >= 0xFFFFFFFF else b""
        size32 = 0xFFFFFFFF if extra else size
        out += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 45, 0, method, 0, 0, crc, len(data), size32, len(raw), len(extra)
        )
        out += raw + extra + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            45,
            45,
            0,
            method,
            0,
            0,
            crc,
            len(data),
            size32,
            len(raw),
            len(extra),
            0,
            0,
            0,
            0,
            offset,
        )
        central += raw + extra
    cd_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), cd_offset, 0)
    return bytes(out)


_CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def docx_bomb(size: int) -> bytes:
    """A DOCX whose ``word/document.xml`` inflates to ``size`` bytes of spaces."""
    return zip_with({"[Content_Types].xml": _CONTENT_TYPES}, {"word/document.xml": (deflate_run(size), size)})


def pdf_from_objects(objects: list[bytes], *, xref: bool = True, trailer_extra: bytes = b"") -> bytes:
    """A PDF of ``objects`` (object k is ``objects[k - 1]``; 1 must be the catalog), with a
    cross-reference table unless ``xref`` is false (then ``startxref`` points nowhere)."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for k, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % k + body + b"\nendobj\n"
    start = len(out)
    if xref:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        for off in offsets:
            out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R " % (len(objects) + 1) + trailer_extra + b">>\n"
    out += b"startxref\n%d\n%%%%EOF\n" % (start if xref else 0)
    return bytes(out)


def _page_objects(content: bytes, filtered: bool) -> list[bytes]:
    filt = b"/Filter /FlateDecode " if filtered else b""
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< " + filt + b"/Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]


def text_pdf(text: str = "Annual report 2024", **kw) -> bytes:
    """A one-page PDF with a line of text (Helvetica: ASCII only)."""
    content = b"BT /F1 12 Tf 72 760 Td (" + text.encode("latin-1") + b") Tj ET"
    return pdf_from_objects(_page_objects(content, False), **kw)


def prev_loop_pdf(text: str = "Annual report 2024") -> bytes:
    """A PDF whose trailer's ``/Prev`` points at its own cross-reference table."""
    plain = text_pdf(text)
    start = int(plain[plain.rindex(b"startxref") + 10 :].split()[0])
    return text_pdf(text, trailer_extra=b"/Prev %d " % start)


def pdf_bomb(size: int) -> bytes:
    """A one-page PDF whose content stream inflates to ``size`` bytes of spaces."""
    return pdf_from_objects(_page_objects(deflate_run(size, zlib_header=True), True))


def pdf_many_streams(n: int, size: int) -> bytes:
    """A one-page PDF whose content is ``n`` streams, each inflating to ``size`` bytes."""
    bomb = deflate_run(size, zlib_header=True)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents ["
        + b" ".join(b"%d 0 R" % (4 + k) for k in range(n))
        + b"] >>",
    ]
    objects += [b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(bomb) + bomb + b"\nendstream"] * n
    return pdf_from_objects(objects)


def cjk_pdf(lines: list[str], pages: int = 1, *, prev_loop: bool = False) -> bytes:
    """A PDF drawn by reportlab in the non-embedded STSong-Light font (PDFium drops its
    single-character text objects, which the reader recovers through pdfminer)."""
    import io
    import re

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    for _ in range(pages):
        c.setFont("STSong-Light", 12)
        for k, line in enumerate(lines):
            c.drawString(72, 760 - 20 * k, line)
        c.showPage()
    c.save()
    data = buf.getvalue()
    if prev_loop:
        start = int(re.search(rb"startxref\s+(\d+)", data).group(1))
        at = data.index(b"<<", data.rindex(b"trailer")) + 2
        data = data[:at] + b" /Prev %d " % start + data[at:]
    return data


# ---------------------------------------------------------------- LZW, as PDF filters write it


def _lzw_width(size: int) -> int:
    """The code width a PDF LZW decoder reads with when its table holds ``size`` entries
    (early change: one entry before the table needs the wider code)."""
    return 12 if size >= 2047 else 11 if size >= 1023 else 10 if size >= 511 else 9


def _pack(codes: list[tuple[int, int]]) -> bytes:
    """(code, width) pairs as a big-endian bit stream, padded with zero bits."""
    out = bytearray()
    acc = nacc = 0
    for code, width in codes:
        acc = (acc << width) | code
        nacc += width
        while nacc >= 8:
            nacc -= 8
            out.append(acc >> nacc)
            acc &= (1 << nacc) - 1
    if nacc:
        out.append(acc << (8 - nacc))
    return bytes(out)


def lzw_encode(data: bytes) -> bytes:
    """``data`` LZW-encoded as ``/LZWDecode`` holds it (a clear code first, the end code
    last; the table cleared when it fills)."""
    codes = [(256, 9)]
    table = {bytes((c,)): c for c in range(256)}
    nxt, w = 258, b""
    for c in data:
        wc = w + bytes((c,))
        if wc in table:
            w = wc
            continue
        codes.append((table[w], _lzw_width(nxt - 1 if nxt > 258 else 258)))
        if nxt < 4095:
            table[wc] = nxt
            nxt += 1
        else:  # full: start again
            codes.append((256, 12))
            table = {bytes((c,)): c for c in range(256)}
            nxt = 258
        w = bytes((c,))
    if w:
        codes.append((table[w], _lzw_width(nxt - 1 if nxt > 258 else 258)))
        nxt += 1
    codes.append((257, _lzw_width(nxt - 1)))
    return _pack(codes)


def lzw_run(size: int) -> bytes:
    """LZW data decoding to about ``size`` spaces in few bytes: codes for ever longer runs
    until the table is full, then its longest entry (3,839 spaces for 12 bits) again and
    again."""
    codes = [(256, 9), (32, 9)]
    entries, out = 258, 1  # the table's size as the decoder sees it, bytes decoded
    length = 1
    while entries < 4096 and out < size:
        length += 1
        codes.append((entries, _lzw_width(entries)))
        entries += 1
        out += length
    while out < size:
        codes.append((4095, 12))
        out += length
    codes.append((257, 12))
    return _pack(codes)


def pdf_with_stream(data: bytes, filters: bytes) -> bytes:
    """A one-page PDF whose content stream is ``data`` under ``/Filter filters``."""
    objects = _page_objects(b"", False)
    objects[3] = b"<< /Filter " + filters + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"
    return pdf_from_objects(objects)
