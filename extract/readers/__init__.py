"""The reader registry: one module per format, one line here per reader.

A reader is a function ``read(data: bytes, name: str) -> Document`` that raises an
``nianbao.extract.errors.ExtractError`` subclass for input it cannot use; an entry names its
module (whose ``read`` it is) or ``module:function``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from nianbao.extract.detect import Format
from nianbao.extract.model import Document

Reader = Callable[[bytes, str], Document]

# Format -> module holding its ``read``; modules are imported on first use so that a
# run over TXT files never pays for importing the PDF stack.
READERS: dict[Format, str] = {
    Format.DOCX: "nianbao.extract.readers.docx",
    Format.TXT: "nianbao.extract.readers.txt",
    Format.HTML: "nianbao.extract.readers.html",
    Format.PDF: "nianbao.extract.readers.pdf",
    Format.OFD: "nianbao.extract.readers.ofd",
    Format.RTF: "nianbao.extract.readers.rtf",
    Format.XLSX: "nianbao.extract.readers.xlsx",
    Format.XLS: "nianbao.extract.readers.xls",
    Format.DOC: "nianbao.extract.readers.ole_doc",
    Format.WPS: "nianbao.extract.readers.ole_doc",
    Format.ZIP: "nianbao.extract.readers.archive",
    Format.RAR: "nianbao.extract.readers.archive:read_rar",
    Format.SEVEN_Z: "nianbao.extract.readers.archive:read_7z",
    Format.IMAGE: "nianbao.extract.readers.image",
}


def reader_for(fmt: Format) -> Reader | None:
    entry = READERS.get(fmt)
    if entry is None:
        return None
    module, _, name = entry.partition(":")  # "module" (its ``read``) or "module:function"
    return getattr(import_module(module), name or "read")
