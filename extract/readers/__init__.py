"""The reader registry: one module per format, one line here per reader.

A reader is a function ``read(data: bytes, name: str) -> Document`` that raises an
``extract.errors.ExtractError`` subclass for input it cannot use.
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
    Format.XLSX: "extract.readers.xlsx",
    Format.XLS: "extract.readers.xls",
}


def reader_for(fmt: Format) -> Reader | None:
    module = READERS.get(fmt)
    if module is None:
        return None
    return import_module(module).read
