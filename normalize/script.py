"""Reports printed in traditional characters (繁體), read as simplified.

Some sites serve a 繁體 version of every page (a reader's toggle that archives keep), so a
report arrives as ``政府信息公開工作年度報告`` with ``本年新收政府信息公開申請數量``: the
labels, headings and the body's name no longer match the form's simplified wording.  Such
a document is converted character by character with OpenCC's ``t2s`` table before it is
mapped; numbers are untouched and the note in ``documents.error`` says it was done.

Detection is cheap and happens for every document: the share of characters in the first
few thousand that exist only in traditional script (開, 與, 報, 資 …).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache
from itertools import chain

from nianbao.extract.model import Document, Paragraph, Table

# Characters that only traditional script uses, frequent in these reports.
_TRADITIONAL = frozenset(
    "開關國與為會時書來對發還進說現從個們這過麼區縣機資訊報務處復訴權條規無體係總結請聯繫網頁級號"
    "廳門戶專類應當際數據統計辦經濟產業環節實審議題點擊載樣態職責參導員廣東蘇義"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SAMPLE = 4000
_SHARE = 0.02  # of the Chinese characters sampled

NOTE = "text in traditional characters, read as simplified"


def document_sample(doc: Document) -> str:
    """The first few thousand characters of a document's paragraphs, then of its cells."""
    parts: list[str] = []
    n = 0
    texts = (p.text for p in doc.paragraphs)
    cells = (c.text for t in doc.tables for c in t.cells)
    for text in chain(texts, cells):
        parts.append(text)
        n += len(text)
        if n >= _SAMPLE:
            break
    return "".join(parts)


def is_traditional(text: str) -> bool:
    """Whether a text is written in traditional characters."""
    sample = text[:_SAMPLE]
    cjk = len(_CJK.findall(sample))
    if cjk < 40:
        return False
    return sum(1 for ch in sample if ch in _TRADITIONAL) / cjk >= _SHARE


@cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(doc: Document) -> Document:
    """The same document with every paragraph and cell text in simplified characters."""
    convert = _converter().convert
    blocks = []
    for b in doc.blocks:
        if isinstance(b, Paragraph):
            blocks.append(replace(b, text=convert(b.text)))
        elif isinstance(b, Table):
            blocks.append(replace(b, cells=tuple(c._replace(text=convert(c.text)) for c in b.cells)))
        else:
            blocks.append(b)
    meta = {k: convert(v) if isinstance(v, str) else v for k, v in doc.meta.items()}
    return replace(doc, blocks=tuple(blocks), meta=meta)
