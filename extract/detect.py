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

from nianbao.extract.encoding import utf16_without_bom
from nianbao.extract.limits import current, zip_members


class Format(StrEnum):
    DOCX = "docx"
    PDF = "pdf"
    HTML = "html"
    TXT = "txt"
    DOC = "doc"  # Word 97-2003 (OLE2 compound file with a WordDocument stream)
    WPS = "wps"  # WPS Office's .wps: the same Word binary format
    XLSX = "xlsx"
    XLS = "xls"  # Excel 97-2003 (OLE2 with a Workbook stream)
    RTF = "rtf"
    OFD = "ofd"  # Chinese fixed-layout format (GB/T 33190)
    ZIP = "zip"  # a zip archive that is not an office package: its members are the inputs
    RAR = "rar"
    SEVEN_Z = "7z"
    IMAGE = "image"  # PNG, JPEG, TIFF, BMP: a picture of a page, read by OCR
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
        return _ole_kind(data, name)
    if head.startswith(b"{\\rtf"):
        return Format.RTF
    if head.startswith(b"Rar!\x1a\x07"):
        return Format.RAR
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return Format.SEVEN_Z
    if _is_image(data):
        return Format.IMAGE
    if not data.strip():
        return Format.UNKNOWN
    if _looks_binary(data[:4096]):
        return Format.UNKNOWN
    ext = PurePath(name).suffix.lower()
    sample = data[:65536]
    if ext in _HTML_EXT or len(_HTML_SNIFF.findall(sample)) >= 2:
        return Format.HTML
    return Format.TXT


_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")


def _is_image(data: bytes) -> bool:
    """PNG, JPEG, TIFF by their signatures; BMP by ``BM`` and a known header size."""
    if data.startswith(_IMAGE_MAGIC):
        return True
    return (
        data.startswith(b"BM")
        and len(data) > 18
        and int.from_bytes(data[14:18], "little") in {12, 40, 52, 56, 108, 124}
    )


def _zip_kind(data: bytes, name: str) -> Format:
    members = zip_members(data)
    if members is not None and members > current().max_members:  # listing them costs too much
        return {".docx": Format.DOCX, ".ofd": Format.OFD}.get(PurePath(name).suffix.lower(), Format.ZIP)
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        # A truncated package still starts like one: let its reader say it is corrupt.
        ext = PurePath(name).suffix.lower()
        if b"OFD.xml" in data[:65536] or ext == ".ofd":
            return Format.OFD
        looks_docx = b"word/" in data[:65536] or ext == ".docx"
        return Format.DOCX if looks_docx else Format.ZIP
    if "word/document.xml" in names:
        return Format.DOCX
    if "xl/workbook.xml" in names:
        return Format.XLSX
    if "OFD.xml" in names:
        return Format.OFD
    return Format.ZIP


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


_WORD_STREAM = _utf16("WordDocument")
_BOOK_STREAMS = (_utf16("Workbook"), _utf16("Book\x00"))
_ENCRYPTED_PACKAGE = _utf16("EncryptedPackage")


def _ole_kind(data: bytes, name: str) -> Format:
    """Which Office format an OLE2 compound file holds, from its directory's stream names.

    The names are UTF-16 in the directory sectors; searching the bytes for them is far
    cheaper than parsing the directory.  Office 2007+ files saved with a password are OLE2
    files too (an ``EncryptedPackage`` stream): they keep the format their name says, and
    that reader reports them as encrypted.
    """
    ext = PurePath(name).suffix.lower()
    if _ENCRYPTED_PACKAGE in data:
        return {".xlsx": Format.XLSX, ".xlsm": Format.XLSX}.get(ext, Format.DOCX)
    if _WORD_STREAM in data:
        return Format.WPS if ext == ".wps" else Format.DOC
    if any(s in data for s in _BOOK_STREAMS):
        return Format.XLS
    return Format.WPS if ext == ".wps" else Format.DOC


# Bytes that occur in text: tab, line feed, vertical tab, form feed, carriage return, and 0x20 up.
_TEXT_BYTES = bytes(range(9, 14)) + bytes(range(32, 256))


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        # UTF-16 text has NULs too: with a BOM, or recognised by where its NULs fall.
        return not sample.startswith((b"\xff\xfe", b"\xfe\xff")) and utf16_without_bom(sample) is None
    controls = len(sample.translate(None, _TEXT_BYTES))
    return controls > len(sample) // 20


def unknown_reason(data: bytes) -> str:
    """Why bytes :func:`detect` calls ``UNKNOWN`` are no report, in a few words."""
    if not data:
        return "empty file"
    if not data.strip():
        return f"empty file: {len(data):,} bytes of white space only"
    sample = data[:4096]
    if b"\x00" in sample:
        at = sample.index(b"\x00")
        return f"unknown format: binary data (NUL bytes in the first 4 KB, the first at byte {at:,})"
    return "unknown format: binary data (control bytes in the first 4 KB), neither DOCX, PDF, HTML nor text"
