"""Zip and 7z archives: walked like a folder, each member an input of its own.

Agencies bundle a report with its attachments (the tables as a workbook, a scanned
copy) in a ``.zip`` (or a ``.7z``).  A member is named ``archive.zip!/inner/path`` wherever a file
path would stand (``documents.source``, the manifest), and read through
:func:`read_input`, which takes a plain path or a member path alike.  An archive inside
an archive is walked too, down to :data:`MAX_DEPTH` (``a.zip!/b.zip!/report.docx``).

Member names.  A zip records names as UTF-8 when flag bit 11 is set; otherwise as bytes
in whatever code page the zipper used, which on a Chinese Windows machine is GBK.
Python's zipfile decodes such names as cp437; they are encoded back to their bytes and
decoded as UTF-8 (some zippers write UTF-8 without setting the flag), else GB18030 (a
superset of GBK), else left as cp437.  Backslashes (Windows zippers) are separators.

Refused, each with its reason (a failed ``documents`` row, the run goes on):

* a member that would inflate past ``max_inflated``, or more than ``max_ratio``-fold
  (above 1 MB), by the sizes of the central directory (the limits of
  :mod:`nianbao.extract.limits`); zipfile never inflates a member past its declared size, so
  the declared size bounds the cost;
* an archive of more than ``max_members`` members;
* a member whose name climbs out of the archive (``../../x``), or is absolute
  (``/etc/x``, ``C:\\x``); it is listed under its name percent-quoted into one path
  component, so that no normalisation of the member path can turn it into a real path;
* an archive nested deeper than :data:`MAX_DEPTH`;
* a password-protected member (flag bit 0): :class:`EncryptedDocument`.

7z archives are opened with py7zr and refused by the same rules on the sizes their
header states, plus a cap on all members together (a solid archive unpacks the members
before the one asked for): :mod:`nianbao.extract.readers._sevenzip`.  Their names are UTF-16.

``read`` (the registry's reader for ``Format.ZIP``) serves a zip met as one document (a
zip under another name, or an archive passed to the pipeline directly): an archive
holding exactly one file is read as that file; any other is refused with the advice to
list it under its ``.zip`` (``.7z``) name; ``read_7z`` does the same for 7z.  RAR
archives are recognised and refused: no maintained pure-Python reader exists for RAR
(rarfile drives the external ``unrar`` tool).
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from nianbao.extract.errors import (
    CorruptDocument,
    EmptyDocument,
    EncryptedDocument,
    ExtractError,
    UnsupportedFormat,
)
from nianbao.extract.limits import MB, LimitExceeded, current, megabytes, zip_members
from nianbao.extract.model import Document

MAX_DEPTH = 2  # an archive in an archive is read; one more level is refused
SEP = "!/"
ARCHIVE_SUFFIXES = frozenset({".zip", ".7z"})
SEVEN_Z_MAGIC = b"7z\xbc\xaf\x27\x1c"


class ArchiveRefused(LimitExceeded):
    """A member (or an archive) refused for what it would cost or where it points."""


def is_archive_name(name: str) -> bool:
    """Whether a file is listed as a folder of members (by its name: ``.zip``, ``.7z``)."""
    return PurePosixPath(name.replace("\\", "/")).suffix.lower() in ARCHIVE_SUFFIXES


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its zipper meant it (see the module doc), ``/``-separated."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            raw = None
        if raw is not None:
            for encoding in ("utf-8", "gb18030"):
                try:
                    name = raw.decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
    return name.replace("\\", "/")


def _unsafe(name: str) -> bool:
    parts = name.split("/")
    return name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in parts


def _label(name: str) -> str:
    """The name a member is listed under: itself, or percent-quoted into one component."""
    return quote(name, safe="") if _unsafe(name) else name


def _skipped(name: str) -> bool:
    """Directories, and what zippers add beside the files (macOS resource forks, dot files)."""
    if name.endswith("/"):
        return True
    parts = name.split("/")
    return parts[0] == "__MACOSX" or parts[-1].startswith(".") or parts[-1] in ("Thumbs.db", "desktop.ini")


def open_zip(data: bytes, where: str) -> zipfile.ZipFile:
    """The zip ``data`` opened under the member limits (``where`` names it in a refusal);
    also the container of OFD packages."""
    most = current().max_members
    n = zip_members(data)  # counted before zipfile lists them all
    if n is not None and n > most:
        raise ArchiveRefused(f"zip archive {where} of {n:,} members, past the limit of {most:,}")
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as exc:
        raise CorruptDocument(f"corrupt zip archive {where}: damaged or truncated ({exc})") from exc
    if len(z.infolist()) > most:
        raise ArchiveRefused(
            f"zip archive {where} of {len(z.infolist()):,} members, past the limit of {most:,}"
        )
    return z


def _check(info: zipfile.ZipInfo, name: str) -> None:
    """Refuse a member before inflating it (see the module doc)."""
    if _unsafe(name):
        raise ArchiveRefused(f"zip member {name!r} refused: its path leaves the archive")
    if info.flag_bits & 0x1:
        raise EncryptedDocument(f"zip member {name!r} is password protected")
    lim = current()
    size, packed = info.file_size, max(info.compress_size, 1)
    if size > lim.max_inflated:
        raise ArchiveRefused(
            f"zip member {name!r} refused: inflates past {megabytes(lim.max_inflated)} ({size:,} bytes)"
        )
    if size > MB and size > lim.max_ratio * packed:
        raise ArchiveRefused(
            f"zip member {name!r} refused: inflates {size // packed:,}-fold, past {lim.max_ratio}-fold (a zip bomb)"
        )


def inflate(z: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    """A member's bytes, refused before inflating past the limits (see the module doc)."""
    _check(info, member_name(info))
    try:
        return z.read(info)
    except NotImplementedError as exc:
        raise UnsupportedFormat(f"zip member {name!r}: unsupported compression ({exc})") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError) as exc:
        raise CorruptDocument(f"zip member {name!r} damaged ({exc})") from exc


def _entries(z: zipfile.ZipFile) -> list[tuple[str, str, zipfile.ZipInfo]]:
    """(label, name, info) of every member that is a file, in archive order."""
    out = []
    for info in z.infolist():
        name = member_name(info)
        if not _skipped(name):
            out.append((_label(name), name, info))
    return out


class _Container:
    """An opened archive, zip or 7z: its file members and their bytes."""

    def __init__(self, data: bytes, where: str) -> None:
        self.seven = None
        self.zip = None
        if data.startswith(SEVEN_Z_MAGIC):
            from nianbao.extract.readers._sevenzip import SevenZip

            self.seven = SevenZip(data, where, ArchiveRefused)
        else:
            self.zip = open_zip(data, where)

    def entries(self) -> list[tuple[str, str, Any]]:
        """(label, name, member) of every file member, in archive order."""
        if self.zip is not None:
            return _entries(self.zip)
        assert self.seven is not None
        return [(_label(name), name, info) for name, info in self.seven.members() if not _skipped(name)]

    def size(self, member: Any) -> int:
        return member.file_size if self.zip is not None else self.seven.size(member)  # type: ignore[union-attr]

    def read(self, member: Any, label: str) -> bytes:
        if self.zip is not None:
            return inflate(self.zip, member, label)
        assert self.seven is not None
        name = member.filename.replace("\\", "/")
        if _unsafe(name):
            raise ArchiveRefused(f"7z member {name!r} refused: its path leaves the archive")
        return self.seven.read(member, label)


# --- listing (the batch runner's folder walk) ------------------------------------------


def list_archive(
    path: str, size: int, mtime_ns: int, skip: Callable[[str], bool] | None = None
) -> Iterator[tuple[str, int, int]]:
    """(source, size, mtime_ns) of every member of the archive at ``path``, nested archives
    walked; a member's size is its inflated size and its mtime the archive file's.

    ``skip(name)`` passes over members as a folder walk would.  An archive that cannot be
    listed (damaged, too many members) or holds no file is listed as itself: reading it
    then gives the reason."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        yield path, size, mtime_ns
        return
    found = list(_list(data, path, 1, mtime_ns, skip))
    if not found:
        yield path, size, mtime_ns
    else:
        yield from found


def _list(
    data: bytes, where: str, depth: int, mtime_ns: int, skip: Callable[[str], bool] | None
) -> Iterator[tuple[str, int, int]]:
    try:
        z = _Container(data, where)
    except ExtractError:
        if depth == 1:
            return  # the archive is listed as itself
        yield where, len(data), mtime_ns
        return
    for label, name, info in z.entries():
        source = f"{where}{SEP}{label}"
        size = z.size(info)
        if skip is not None and skip(name):
            continue
        if is_archive_name(name) and depth < MAX_DEPTH and label == name:
            try:
                inner = z.read(info, label)
            except ExtractError:
                yield source, size, mtime_ns  # refused: reading it says why
                continue
            found = list(_list(inner, source, depth + 1, mtime_ns, skip))
            yield from found or [(source, size, mtime_ns)]
        else:
            yield source, size, mtime_ns


# --- reading a listed input ------------------------------------------------------------


def split_member(source: str) -> tuple[str, list[str]] | None:
    """``a.zip!/x/b.zip!/c.docx`` -> (``a.zip``, [``x/b.zip``, ``c.docx``]); None when
    ``source`` is a plain path (an existing file, or no archive file at any ``!/``)."""
    if SEP not in source or os.path.isfile(source):
        return None
    head, _, rest = source.partition(SEP)
    while not os.path.isfile(head):
        if SEP not in rest:
            return None
        more, _, rest = rest.partition(SEP)
        head = f"{head}{SEP}{more}"
    return head, rest.split(SEP)


def read_input(source: str) -> tuple[bytes, int, int]:
    """The bytes, size and mtime_ns of a listed input: a file, or a member of an archive
    (size: the member's; mtime: the archive file's).  Raises OSError when the file cannot
    be read and :class:`ExtractError` when the member is refused or missing."""
    split = split_member(source)
    if split is None:
        with open(source, "rb") as fh:
            st = os.fstat(fh.fileno())
            return fh.read(), st.st_size, st.st_mtime_ns
    path, inner = split
    with open(path, "rb") as fh:
        st = os.fstat(fh.fileno())
        data = fh.read()
    where = path
    for depth, label in enumerate(inner, 1):
        if depth > MAX_DEPTH:
            raise ArchiveRefused(f"archive {where} nested deeper than {MAX_DEPTH} levels")
        z = _Container(data, where)
        info = next((i for lab, _, i in z.entries() if lab == label), None)
        if info is None:
            raise CorruptDocument(f"no member {label!r} in {where}")
        data = z.read(info, label)
        where = f"{where}{SEP}{label}"
    if len(inner) >= MAX_DEPTH and _is_archive(data):
        raise ArchiveRefused(f"archive {where} refused: nested deeper than {MAX_DEPTH} levels")
    return data, len(data), st.st_mtime_ns


def _is_archive(data: bytes) -> bool:
    """A zip that is no office package, or a 7z archive."""
    from nianbao.extract.detect import Format, detect

    if data.startswith(SEVEN_Z_MAGIC):
        return True
    return data.startswith(b"PK\x03\x04") and detect(data) == Format.ZIP


# --- an archive met as one document -----------------------------------------------------


def read(data: bytes, name: str = "", depth: int = 1) -> Document:
    """Read a zip or 7z archive holding exactly one file as that file (see the module doc)."""
    if not data:
        raise EmptyDocument("empty file")
    kind = "7z" if data.startswith(SEVEN_Z_MAGIC) else "zip"
    z = _Container(data, name or "archive")
    entries = z.entries()
    if not entries:
        raise EmptyDocument(f"{kind} archive {name} holds no file")
    if len(entries) > 1:
        raise UnsupportedFormat(
            f"{kind} archive of {len(entries)} files: list it under a .{kind} name to read each member"
        )
    label, name, info = entries[0]
    inner = z.read(info, name)
    from nianbao.extract.detect import Format, detect
    from nianbao.extract.readers import reader_for

    fmt = detect(inner, label)
    if fmt in (Format.ZIP, Format.SEVEN_Z):
        if depth >= MAX_DEPTH:
            raise ArchiveRefused(f"archive {label!r} nested deeper than {MAX_DEPTH} levels")
        return read(inner, label, depth + 1)
    reader = reader_for(fmt)
    if reader is None:
        raise UnsupportedFormat(f"{kind} member {label!r}: unsupported format {fmt.value}")
    return reader(inner, label)


def read_rar(data: bytes, name: str = "") -> Document:
    raise UnsupportedFormat("RAR archive: not read (no pure-Python RAR reader; unpack it first)")


read_7z = read  # the registry's reader for Format.SEVEN_Z: the same rules
