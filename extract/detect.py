"""Decide a file's format from its bytes first and its name second.

Published reports often lie about themselves: a PDF saved as ``.docx``, a web page
saved as ``.txt`` or ``.doc``.  The magic bytes decide; the extension only breaks
ties between text formats.
"""

from __future__ import annotations

import io
import re
import zipfile
from enum import StrEnum
from pathlib import PurePath


class Format(StrEnum):
    DOCX = "docx"
    PDF = "pdf"
    HTML = "html"
    TXT = "txt"
    DOC = "doc"  # legacy Word (OLE2): recognised, not read
    OFD = "ofd"  # Chinese fixed-layout format: recognised, not read yet
    ZIP = "zip"  # some other zip package
    UNKNOWN = "unknown"


_HTML_EXT = {".html", ".htm", ".shtml", ".xhtml", ".jsp", ".asp", ".aspx", ".php"}
_HTML_SNIFF = re.compile(rb"<\s*(!doctype\s+html|html|head|body|table|p|div|meta|span|br)\b", re.I)


def detect(data: bytes, name: str = "") -> Format:
    """Return the format of ``data`` (``name`` is only a hint)."""
    head = data[:8]
    if head.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return Format.PDF
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data, name)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return Format.DOC
    if not data.strip():
        return Format.UNKNOWN
    if _looks_binary(data[:4096]):
        return Format.UNKNOWN
    ext = PurePath(name).suffix.lower()
    sample = data[:65536]
    if ext in _HTML_EXT or len(_HTML_SNIFF.findall(sample)) >= 2:
        return Format.HTML
    return Format.TXT


def _zip_kind(data: bytes, name: str) -> Format:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        # A truncated package still starts like one: let the DOCX reader say it is corrupt.
        looks_docx = b"word/" in data[:65536] or PurePath(name).suffix.lower() == ".docx"
        return Format.DOCX if looks_docx else Format.ZIP
    if "word/document.xml" in names:
        return Format.DOCX
    if "OFD.xml" in names:
        return Format.OFD
    return Format.ZIP


# Bytes that occur in text: tab, line feed, vertical tab, form feed, carriage return, and 0x20 up.
_TEXT_BYTES = bytes(range(9, 14)) + bytes(range(32, 256))


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        # UTF-16 text has NULs too; accept it only with a BOM.
        return not sample.startswith((b"\xff\xfe", b"\xfe\xff"))
    controls = len(sample.translate(None, _TEXT_BYTES))
    return controls > len(sample) // 20
