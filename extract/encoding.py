"""Turning the bytes of a text or HTML report into text.

Chinese government sites publish in UTF-8 or in the GB family (GB2312, GBK, GB18030),
and the declaration is often missing or wrong: a page says ``charset=utf-8`` and is
GBK, or says ``gb2312`` and uses characters only GBK has.  The rules here:

1. A byte-order mark wins (UTF-8, UTF-16, UTF-32); it is removed from the text.
   UTF-16 without a mark (Windows "Unicode" text saved by some tools) is recognised by
   its zero bytes: the ASCII characters of the text (digits, line breaks) have their
   zero high byte all at odd offsets (little-endian) or all at even ones (big-endian).
2. A declared encoding is tried strictly.  GB2312 and GBK are read as GB18030, their
   superset, so a GBK-only character on a "gb2312" page is not an error.  Two
   declarations are distrusted even when they decode: a GB-family declaration on bytes
   that are valid multi-byte UTF-8 (GBK text is practically never valid UTF-8), and a
   single-byte Western declaration (latin-1, windows-1252, ascii) on bytes that decode
   as UTF-8 or as mostly-CJK GB18030 (latin-1 accepts any bytes, so it never "fails").
3. Otherwise the bytes are sniffed: strict UTF-8, then strict GB18030, then the one of
   the two with (almost) no undecodable bytes, then ``charset_normalizer``, and as a
   last resort whichever of UTF-8 / GB18030 leaves fewer replacement characters.
"""

from __future__ import annotations

import codecs
import re

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # must precede UTF-16 LE (same first two bytes)
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "euc_cn", "hz"}
# Labels browsers accept that Python's codec registry does not know.
_ALIASES = {"x-gbk": "gbk", "gb_2312-80": "gb2312", "gb_2312": "gb2312", "x-euc-cn": "gb2312"}
_SINGLE_BYTE_WESTERN = {"iso8859_1", "cp1252", "ascii", "iso8859_15"}
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def normalize_encoding(name: str | None) -> str | None:
    """Python codec name for a declared charset, GB2312/GBK widened to ``gb18030``.

    Returns None for a name Python does not know (a typo in a ``<meta>`` tag).
    """
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if not name:
        return None
    name = _ALIASES.get(name, name)
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return None
    canonical = canonical.replace("-", "_")
    if canonical in _GB_FAMILY:
        return "gb18030"
    if canonical == "utf_8_sig":
        return "utf-8"
    return canonical.replace("_", "-")


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data``; return ``(text, encoding)`` with the codec name actually used.

    ``declared`` is what the container claims (an HTTP header, a ``<meta>`` tag); it is
    trusted only as far as the rules in the module docstring allow.  A BOM is stripped
    and reported as the plain codec (``utf-8``, ``utf-16-le`` ...).
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            try:
                return body.decode(enc), enc
            except UnicodeDecodeError:
                return body.decode(enc, errors="replace"), enc

    utf16 = utf16_without_bom(data[:4096])
    if utf16 is not None:
        return data.decode(utf16, errors="replace"), utf16

    enc = normalize_encoding(declared)
    if enc is not None:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            pass
        else:
            if not _distrust(data, enc, text):
                return text, enc
    return sniff(data)


def utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` if ``sample`` (the first few KB) is UTF-16 text without
    a byte-order mark, else None.

    UTF-16 of Chinese text has zero bytes in its ASCII characters, all on one side; the
    sample must also decode (an odd last byte aside) to text without control characters
    other than tab and line breaks.
    """
    if b"\x00" not in sample or len(sample) < 4:
        return None
    # The other side has zero bytes too, fewer: U+3000, 一 (U+4E00) and the other
    # characters at a multiple of 256 have a zero low byte.
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    enough = len(sample) // 100  # ASCII is at least 2 % of the characters
    if odd >= enough and odd >= 3 * even:
        enc = "utf-16-le"
    elif even >= enough and even >= 3 * odd:
        enc = "utf-16-be"
    else:
        return None
    text = sample[: len(sample) & ~1].decode(enc, errors="replace")
    if text.count("\ufffd") > 2:  # a lone surrogate where the sample was cut, at most
        return None
    controls = sum(1 for ch in text if ch < " " and ch not in "\t\n\r\f")
    return enc if controls <= len(text) // 100 else None


def _distrust(data: bytes, enc: str, text: str) -> bool:
    """True when a declaration decoded without error but the bytes say otherwise."""
    canon = enc.replace("-", "_")
    if data.isascii():
        return False
    if canon == "gb18030":
        return _is_utf8(data)
    if canon in _SINGLE_BYTE_WESTERN:
        if _is_utf8(data):
            return True
        try:
            gb = data.decode("gb18030")
        except UnicodeDecodeError:
            return False
        high = sum(1 for ch in gb if ord(ch) > 127)
        return high > 0 and len(_CJK.findall(gb)) >= 0.6 * high
    return False


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def sniff(data: bytes) -> tuple[str, str]:
    """Guess the encoding of undeclared (or wrongly declared) bytes."""
    if data.isascii():
        return data.decode("ascii"), "utf-8"
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            pass
    # Mostly one encoding with a few damaged bytes (a truncated page, one stray byte).
    best_enc, best_text, best_bad = "", "", len(data) + 1
    for enc in ("utf-8", "gb18030"):
        text = data.decode(enc, errors="replace")
        bad = text.count("\ufffd")
        if bad < best_bad:
            best_enc, best_text, best_bad = enc, text, bad
    if best_bad <= max(2, len(best_text) // 1000):
        return best_text, best_enc
    guessed = _charset_normalizer_guess(data)
    if guessed is not None:
        return guessed
    return best_text, best_enc


def _charset_normalizer_guess(data: bytes) -> tuple[str, str] | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    match = from_bytes(data).best()
    if match is None:
        return None
    enc = normalize_encoding(match.encoding) or match.encoding
    try:
        return data.decode(enc, errors="replace"), enc
    except LookupError:  # pragma: no cover - charset_normalizer only names known codecs
        return None
