"""7z archives through py7zr (pure Python with compiled codecs from PyPI), under the limits.

A 7z archive states every member's unpacked size in its header, which py7zr reads
without unpacking anything; the limits are checked against those sizes before a byte is
inflated, as for zip (:mod:`nianbao.extract.readers.archive`):

* more than ``max_members`` members;
* a member of more than ``max_inflated`` bytes, or more than ``max_ratio``-fold its
  packed size where the header states one (above 1 MB);
* members adding up to more than :data:`TOTAL_FACTOR` times ``max_inflated``, or to more
  than ``max_ratio`` times the archive's own size (above 1 MB): in a solid archive the
  members share their packed streams, so a bomb is only seen in the whole, and reading
  one member unpacks all those before it in its folder;
* a member whose name climbs out of the archive is listed under a quoted name and
  refused when read (the archive module's rule);
* an archive whose header or members are encrypted: :class:`EncryptedDocument`.

Member names are UTF-16 in the format itself, so there is no code-page guessing.  The
member is unpacked into memory (py7zr's ``BytesIOFactory``, capped at the stated size)
and its length checked against what the header said.
"""

from __future__ import annotations

import io
import lzma
import zlib
from typing import TYPE_CHECKING

from nianbao.extract.errors import CorruptDocument, EncryptedDocument, UnsupportedFormat
from nianbao.extract.limits import LimitExceeded, current, megabytes

if TYPE_CHECKING:
    import py7zr

MAGIC = b"7z\xbc\xaf\x27\x1c"
TOTAL_FACTOR = 4  # all members together: 4 x max_inflated (1 GB by default)


class SevenZip:
    """An opened 7z archive: its file members and their bytes on request."""

    def __init__(self, data: bytes, where: str, refused: type[LimitExceeded] = LimitExceeded) -> None:
        try:
            import py7zr
        except ImportError as exc:  # the optional dependency is missing
            raise UnsupportedFormat("7z archive: not read (py7zr is not installed; unpack it first)") from exc
        self._py7zr = py7zr
        self.where = where
        self.refused = refused
        try:
            self.z = py7zr.SevenZipFile(io.BytesIO(data), mode="r")
            infos = self.z.list()
        except py7zr.PasswordRequired as exc:
            raise EncryptedDocument(
                f"7z archive {where} is password protected (its header is encrypted)"
            ) from exc
        except (
            py7zr.Bad7zFile,
            py7zr.exceptions.ArchiveError,
            lzma.LZMAError,
            EOFError,
            ValueError,
            OSError,
        ) as exc:
            raise CorruptDocument(f"corrupt 7z archive {where}: damaged or truncated ({exc})") from exc
        lim = current()
        if len(infos) > lim.max_members:
            raise refused(
                f"7z archive {where} of {len(infos):,} members, past the limit of {lim.max_members:,}"
            )
        total = sum(i.uncompressed or 0 for i in infos)
        if total > TOTAL_FACTOR * lim.max_inflated:
            raise refused(
                f"7z archive {where} refused: its members inflate to {total:,} bytes, "
                f"past {megabytes(TOTAL_FACTOR * lim.max_inflated)}"
            )
        if total > 1 << 20 and total > lim.max_ratio * max(len(data), 1):
            raise refused(
                f"7z archive {where} refused: inflates {total // max(len(data), 1):,}-fold, "
                f"past {lim.max_ratio}-fold (a bomb)"
            )
        self.infos = [i for i in infos if not i.is_directory]

    def members(self) -> list[tuple[str, py7zr.FileInfo]]:
        """(name, info) of every file member, ``/``-separated, in archive order."""
        return [(i.filename.replace("\\", "/"), i) for i in self.infos]

    @staticmethod
    def size(info: py7zr.FileInfo) -> int:
        return int(info.uncompressed or 0)

    def read(self, info: py7zr.FileInfo, name: str) -> bytes:
        """The member's bytes, refused before unpacking past the limits."""
        lim = current()
        size, packed = self.size(info), max(int(info.compressed or 0), 1)
        if size > lim.max_inflated:
            raise self.refused(
                f"7z member {name!r} refused: inflates past {megabytes(lim.max_inflated)} ({size:,} bytes)"
            )
        if size > 1 << 20 and info.compressed and size > lim.max_ratio * packed:
            raise self.refused(
                f"7z member {name!r} refused: inflates {size // packed:,}-fold, past {lim.max_ratio}-fold (a bomb)"
            )
        if size == 0:
            return b""
        py7zr = self._py7zr
        if self.z.needs_password():
            raise EncryptedDocument(f"7z member {name!r} is password protected")
        factory = py7zr.io.BytesIOFactory(size + 1)
        try:
            self.z.reset()
            self.z.extract(targets=[info.filename], factory=factory)
        except py7zr.PasswordRequired as exc:
            raise EncryptedDocument(f"7z member {name!r} is password protected") from exc
        except py7zr.UnsupportedCompressionMethodError as exc:
            raise UnsupportedFormat(f"7z member {name!r}: unsupported compression ({exc})") from exc
        except (
            py7zr.exceptions.ArchiveError,
            lzma.LZMAError,
            zlib.error,
            EOFError,
            ValueError,
            OSError,
        ) as exc:
            raise CorruptDocument(f"7z member {name!r} damaged ({exc})") from exc
        try:
            out = factory.get(info.filename)
        except KeyError as exc:
            raise CorruptDocument(f"7z member {name!r} damaged (not unpacked)") from exc
        out.seek(0)
        data = out.read()
        if len(data) != size:
            raise CorruptDocument(
                f"7z member {name!r} damaged ({len(data):,} bytes unpacked, {size:,} stated)"
            )
        return data
