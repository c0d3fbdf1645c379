"""What may be read as an input, and how its name is kept.

A folder of reports unpacked from archives, mirrored from web sites or shared between
colleagues holds more than regular files: FIFOs (opening one blocks until a writer
comes, forever), sockets, device files, symbolic links to ``/dev/zero`` or out of the
tree, links that loop, paths longer than the system allows, and names that are not
UTF-8 (GBK bytes, as zip archives made on Chinese Windows unpack on Linux).  Each of
these becomes a ``documents`` row with its reason; none hangs a worker or stops a run.

Names.  Parquet and SQLite hold UTF-8 text, and Python gives a name that is not
UTF-8 with each undecodable byte as a lone surrogate (``os.fsdecode``).  Such a name
is stored with each of those bytes written ``\\xHH`` and each backslash doubled
(:func:`source_name`); :func:`source_path` turns it back into the name on disk, so the
``source`` column reopens the file.  A valid UTF-8 name is stored as it is.

Checks (:func:`check_input`, in the worker, before a byte is read): the path must name
a regular file, directly or through links that stay inside the folders given, no
larger than ``max_bytes`` and not empty.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path

from nianbao.extract.errors import EmptyDocument, ExtractError
from nianbao.extract.limits import LimitExceeded, Limits, megabytes

ARCHIVE_SEP = "!/"  # ``archive.zip!/member``: the member of an archive listed as an input


class InputRefused(ExtractError):
    """The path is not something nianbao reads (a FIFO, a device, a link out of the tree ...)."""


class InputError(FileNotFoundError):
    """A path given on the command line cannot be used (one line, no traceback)."""


# ---------------------------------------------------------------- names


def source_name(path: str) -> str:
    """The text ``path`` is stored as: itself when it is valid UTF-8, else escaped reversibly."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        return path
    out = []
    for ch in path:
        if ch == "\\":
            out.append("\\\\")
        elif "\udc80" <= ch <= "\udcff":
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        else:
            out.append(ch)
    return "".join(out)


_ESCAPE = re.compile(r"\\(\\|x[0-9a-f]{2})")


def source_path(source: str) -> str:
    """The path on disk of a stored ``source`` (the inverse of :func:`source_name`).

    A name that really holds ``\\x`` followed by two hex digits is valid UTF-8 and was
    stored as it is; it is told apart from an escaped one by existing on disk.
    """
    if "\\x" not in source or os.path.lexists(source):
        return source

    def unescape(m: re.Match[str]) -> str:
        code = m.group(1)
        return "\\" if code == "\\" else chr(0xDC00 + int(code[1:], 16))

    return _ESCAPE.sub(unescape, source)


# ---------------------------------------------------------------- command-line paths


def check_arguments(paths: Iterable[Path]) -> None:
    """Raise :class:`InputError` with one line for the first path given that cannot be used."""
    for p in paths:
        try:
            os.stat(p)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise InputError(f"symbolic link loop: {p}") from None
            if exc.errno == errno.ENOENT:
                what = "dangling symbolic link" if os.path.islink(p) else "no such file or folder"
                raise InputError(f"{what}: {p}") from None
            raise InputError(f"cannot use {p}: {exc.strerror}") from None


def roots_of(paths: Iterable[Path]) -> tuple[str, ...]:
    """The resolved folders inputs may link into: each folder given, and each file given."""
    return tuple(os.path.realpath(p) for p in paths)


# ---------------------------------------------------------------- one input


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def check_input(path: str, roots: tuple[str, ...], limits: Limits) -> None:
    """Refuse, before reading it, an input that is not a regular file of an acceptable size.

    ``path`` is the name on disk (:func:`source_path`); for a member of an archive
    (``a.zip!/b.docx``) the archive file is checked.  ``roots``: the resolved paths
    given to the run; a symbolic link must resolve inside one of them (empty: any).
    Raises :class:`InputRefused`, :class:`LimitExceeded` or :class:`EmptyDocument`.
    """
    if ARCHIVE_SEP in path and not os.path.lexists(path):
        path = path.split(ARCHIVE_SEP, 1)[0]
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise InputRefused(f"cannot read file: {exc.strerror}") from None
    link = stat.S_ISLNK(st.st_mode)
    if link:
        try:
            st = os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise InputRefused("symbolic link loop") from None
            if exc.errno == errno.ENOENT:
                raise InputRefused(f"dangling symbolic link to {source_name(os.readlink(path))}") from None
            raise InputRefused(f"cannot read file: {exc.strerror}") from None
    kind = next((k for test, k in _KINDS if test(st.st_mode)), None)
    if link and kind in (None, "a folder"):
        target = os.path.realpath(path)
        if roots and not any(_inside(target, r) for r in roots):
            raise InputRefused(f"symbolic link out of the input folders, to {source_name(target)}")
        if kind:  # a link to a folder of the tree: its files are listed where they are
            raise InputRefused("symbolic link to a folder: not followed (its files are read where they are)")
    if kind:
        raise InputRefused(f"not a regular file: {kind}")
    if st.st_size > limits.max_bytes:
        raise LimitExceeded(
            f"file of {st.st_size:,} bytes, past the limit of {megabytes(limits.max_bytes)} (--max-bytes)"
        )
    if st.st_size == 0:
        raise EmptyDocument("empty file")


def _inside(target: str, root: str) -> bool:
    return target == root or target.startswith(root.rstrip(os.sep) + os.sep)
