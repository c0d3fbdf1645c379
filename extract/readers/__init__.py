"""The reader registry: one module per format, one line here per reader.

A reader is a function ``read(data: bytes, name: str) -> Document`` that raises an
``extract.errors.ExtractError`` subclass for input it cannot use; an entry names its
module (whose ``read`` it is) or ``module:function``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from extract.detect import Format
from extract.model import Document

Reader = Callable[[bytes, str], Document]

# Format -> module holding its ``read``; modules are imported on first use so that a
# run over TXT files never pays for importing the PDF stack.
READERS: dict[Format, str] = {
    Format.DOCX: "extract.readers.docx",
    Format.TXT: "extract.readers.txt",
    Format.HTML: "extract.readers.html",
    Format.PDF: "extract.readers.pdf",
    Format.OFD: "extract.readers.ofd",
    Format.RTF: "extract.readers.rtf",
    Format.XLSX: "extract.readers.xlsx",
    Format.XLS: "extract.readers.xls",
    Format.DOC: "extract.readers.ole_doc",
    Format.WPS: "extract.readers.ole_doc",
    Format.ZIP: "extract.readers.archive",
    Format.RAR: "extract.readers.archive:read_rar",
    Format.SEVEN_Z: "extract.readers.archive:read_7z",
    Format.IMAGE: "extract.readers.image",
}


def reader_for(fmt: Format) -> Reader | None:
    entry = READERS.get(fmt)
    if entry is None:
        return None
    module, _, name = entry.partition(":")  # "module" (its ``read``) or "module:function"
    return getattr(import_module(module), name or "read")
