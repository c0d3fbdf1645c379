"""The text-showing operators of a page's content stream, decoded with pdfminer's fonts.

Used by the pdfium backend to recover characters that PDFium's text page drops (see
:mod:`nianbao.extract.readers._pdf_pdfium`).  Only what that needs is read:

* the page's content streams (pdfminer's object parser: xref, filters, inherited
  resources), concatenated as PDF 32000 §7.8.2 says;
* a scanner for content-stream syntax (§7.3, §7.8.2) that reads only what text showing
  needs: literal strings (escapes, balanced parentheses), hex strings, arrays, names,
  comments and inline images (``BI … ID <binary> EI``) are matched whole so nothing inside
  them is mistaken for an operator; numbers and all other operators are skipped;
* the operators ``Tf`` (font and size), ``Tj``, ``TJ``, ``'`` and ``"``.  Each text-showing
  operator with at least one string operand is one :class:`Show`, in stream order: the
  order in which PDFium creates its text objects (an empty ``Tj`` string makes none).

A string is decoded by the font's own pdfminer object (encodings, CMaps such as
``UniGB-UCS2-H``, ToUnicode), so it reads exactly as the pdfplumber backend reads it.
Form XObjects are not entered: their text objects are not on the page's top level.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdffont import PDFFont, PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFObjRef, resolve1, stream_value

# pdfminer warns once per glyph about fonts it cannot measure (Chromium's embedded
# subsets lack a FontBBox): thousands of lines a report that say nothing to a user.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

__all__ = ["ContentReader", "Show", "operations", "shows"]


@dataclass(slots=True)
class Show:
    """One text-showing operator: its font resource name, size and decoded characters.

    ``chars`` holds (text, advance) per character code, the advance in text-space units
    per point of font size (the glyph width / 1000), before character/word spacing.
    """

    font: str
    size: float
    chars: list[tuple[str, float]]

    @property
    def text(self) -> str:
        return "".join(t for t, _ in self.chars)


_DELIM = rb"\x00\t\n\x0c\r ()<>\[\]{}/%"
# Only what the text-showing operators need is matched; finditer skips the rest (numbers,
# path and state operators).  Comments, strings, names and inline images are matched
# whole so that nothing inside them is taken for an operator or a string.
_SCAN = re.compile(
    rb"(?P<ws>%[^\r\n]*)"
    rb"|(?P<str>\((?:[^()\\]|\\.)*\))"
    rb"|(?P<nested>\()"
    rb"|(?P<dict><<|>>)"
    rb"|(?P<hex><[0-9A-Fa-f\x00\t\n\x0c\r ]*>)"
    rb"|(?P<tf>/(?P<font>[^" + _DELIM + rb"]*)[\x00\t\n\x0c\r ]+(?P<size>[+-]?(?:\d+\.?\d*|\.\d+))"
    rb"[\x00\t\n\x0c\r ]+Tf(?![^" + _DELIM + rb"]))"
    rb"|(?P<name>/[^" + _DELIM + rb"]*)"
    rb"|(?P<aopen>\[)|(?P<aclose>\])"
    rb"|(?<![^" + _DELIM + rb"])(?P<op>Tj|TJ|'|\"|BI)(?![^" + _DELIM + rb"])",
    re.S,
)
_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}
_EI = re.compile(rb"[\x00\t\n\x0c\r ]ID[\x00\t\n\x0c\r ].*?[\x00\t\n\x0c\r ]EI(?![^" + _DELIM + rb"])", re.S)


def _literal(data: bytes, start: int) -> tuple[bytes, int]:
    """The literal string opening at ``data[start] == '('``, unescaped, and the end offset."""
    out = bytearray()
    depth, i, n = 0, start, len(data)
    while i < n:
        ch = data[i]
        if ch == 0x5C:  # backslash
            i += 1
            if i >= n:
                break
            e = data[i]
            if e in _ESCAPES:
                out += _ESCAPES[e]
            elif 0x30 <= e <= 0x37:
                j = i
                while j < n and j < i + 3 and 0x30 <= data[j] <= 0x37:
                    j += 1
                out.append(int(data[i:j], 8) & 0xFF)
                i = j - 1
            elif e == 0x0D:  # line continuation
                if i + 1 < n and data[i + 1] == 0x0A:
                    i += 1
            elif e != 0x0A:
                out.append(e)
        elif ch == 0x28:
            if depth:
                out.append(ch)
            depth += 1
        elif ch == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
            out.append(ch)
        else:
            out.append(ch)
        i += 1
    return bytes(out), n


def operations(data: bytes) -> list[tuple[str, str, float, list[bytes]]]:
    """``(op, font, size, strings)`` for each text-showing operator of a content stream.

    ``font``/``size`` are those of the last ``Tf``; ``strings`` are the operator's string
    operands (one for ``Tj``, ``'`` and ``"``; those of the array for ``TJ``).
    """
    out: list[tuple[str, str, float, list[bytes]]] = []
    font, size = "", 0.0
    last: bytes | None = None  # the string operand just read
    array: list[bytes] | None = None  # strings of the array being read
    done: list[bytes] = []  # strings of the last complete array
    pos, n = 0, len(data)
    scan = _SCAN.search
    while pos < n:
        m = scan(data, pos)
        if m is None:
            break
        kind = m.lastgroup
        pos = m.end()
        if kind == "str" or kind == "nested":
            if kind == "nested":
                s, pos = _literal(data, m.start())
            else:
                tok = m.group()
                s = _literal(tok, 0)[0] if b"\\" in tok else tok[1:-1]
            if array is not None:
                array.append(s)
            last = s
        elif kind == "hex":
            h = re.sub(rb"[^0-9A-Fa-f]", b"", m.group())
            s = bytes.fromhex((h + b"0" if len(h) % 2 else h).decode())
            if array is not None:
                array.append(s)
            last = s
        elif kind == "tf":
            font, size = m.group("font").decode("latin-1"), float(m.group("size"))
        elif kind == "aopen":
            array = []
        elif kind == "aclose":
            if array is not None:
                done, array = array, None
        elif kind == "op":
            op = m.group("op").decode("latin-1")
            if op == "BI":  # inline image: skip its data up to the delimited EI
                e = _EI.search(data, m.end())
                pos = e.end() if e else n
                continue
            if op == "TJ":
                strings, done = done, []
            else:
                strings = [last] if last else []
            last = None
            if strings:
                out.append((op, font, size, strings))
    return out


class ContentReader:
    """pdfminer's view of one PDF, opened once, pages and fonts loaded on demand."""

    def __init__(self, data: bytes) -> None:
        self._doc = PDFDocument(PDFParser(io.BytesIO(data)))
        self._pages: list[PDFPage] | None = None
        self._rsrc = PDFResourceManager(caching=True)

    def _page(self, index: int) -> PDFPage:
        if self._pages is None:
            self._pages = list(PDFPage.create_pages(self._doc))
        return self._pages[index]

    def shows(self, index: int) -> list[Show]:
        """The text-showing operators of page ``index`` (0-based), in stream order."""
        page = self._page(index)
        data = b"\n".join(stream_value(resolve1(s)).get_data() for s in page.contents)
        fonts = resolve1((page.resources or {}).get("Font")) or {}
        return shows(data, lambda name: self._font(fonts, name))

    def _font(self, fonts: dict, name: str) -> PDFFont | None:
        ref = fonts.get(name)
        spec = resolve1(ref)
        if not isinstance(spec, dict):
            return None
        return self._rsrc.get_font(ref.objid if isinstance(ref, PDFObjRef) else None, spec)


def shows(data: bytes, font_of) -> list[Show]:
    """Decode the text-showing operators of a content stream; ``font_of`` maps a font name."""
    out: list[Show] = []
    fonts: dict[str, PDFFont | None] = {}
    decoded: dict[tuple[str, bytes], list[tuple[str, float]]] = {}
    for _, name, size, strings in operations(data):
        if name not in fonts:
            fonts[name] = font_of(name)
        chars: list[tuple[str, float]] = []
        for s in strings:
            key = (name, s)
            if key not in decoded:
                decoded[key] = _decode(fonts[name], s)
            chars += decoded[key]
        out.append(Show(name, size, chars))
    return out


def _decode(font: PDFFont | None, s: bytes) -> list[tuple[str, float]]:
    chars: list[tuple[str, float]] = []
    if font is None:
        return chars
    for cid in font.decode(s):
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = ""
        chars.append((text, font.char_width(cid)))
    return chars
